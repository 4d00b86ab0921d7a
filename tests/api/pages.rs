//! The pages, driven over HTTP like a browser without JavaScript: cookies kept, redirects not
//! followed, forms posted with the CSRF token the page carried.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::json;

use crate::fixtures::{assign, open_call, pdf, review};
use crate::page_fixtures::{assigned, endorsable};
use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp};

pub struct Browser<'a> {
    app: &'a TestApp,
    client: awc::Client,
    cookies: RefCell<BTreeMap<String, String>>,
}

pub struct Html {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub set_cookies: Vec<String>,
    pub text: String,
}

impl Html {
    /// The CSRF token of the (first) form on the page.
    pub fn csrf(&self) -> String {
        attribute_after(&self.text, r#"name="csrf" value=""#).unwrap_or_else(|| panic!("no CSRF field in {}", self.text))
    }

    pub fn location(&self) -> String {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no Location; status {}", self.status)).to_string()
    }

    #[track_caller]
    pub fn assert_page(&self, status: u16, contains: &[&str]) -> &Self {
        assert_eq!(self.status, status, "{}", self.text);
        let ct = self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(ct.starts_with("text/html"), "not a page: {ct}: {}", self.text);
        for needle in contains {
            assert!(self.text.contains(needle), "page lacks {needle:?}:\n{}", self.text);
        }
        self
    }

    #[track_caller]
    pub fn assert_redirect(&self, to: &str) -> &Self {
        assert_eq!(self.status, 303, "{}", self.text);
        assert!(self.location().starts_with(to), "redirects to {} instead of {to}", self.location());
        self
    }
}

/// The few entities the templates' escaping produces in attribute values.
fn unescape(value: &str) -> String {
    value.replace("&#x2f;", "/").replace("&#47;", "/").replace("&#61;", "=").replace("&#x3d;", "=").replace("&amp;", "&").replace("&#38;", "&")
}

fn attribute_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    Some(text[start..].chars().take_while(|c| *c != '"').collect())
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = awc::Client::builder().disable_redirects().timeout(std::time::Duration::from_secs(60)).finish();
        Browser { app, client, cookies: RefCell::new(BTreeMap::new()) }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.borrow().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies.borrow_mut().insert(name.into(), value.into());
    }

    fn cookie_header(&self) -> String {
        self.cookies.borrow().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&self, res: Result<awc::ClientResponse<impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin>, awc::error::SendRequestError>) -> Html {
        let mut res = res.expect("request reaches the server");
        let set_cookies: Vec<String> =
            res.headers().get_all("set-cookie").filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let mut jar = self.cookies.borrow_mut();
                if value.is_empty() || c.contains("Max-Age=0") { jar.remove(name) } else { jar.insert(name.into(), value.into()) };
            }
        }
        let body = res.body().limit(16 * 1024 * 1024).await.expect("body");
        Html { status: res.status().as_u16(), headers: res.headers().clone(), set_cookies, text: String::from_utf8_lossy(&body).into_owned() }
    }

    pub async fn get(&self, path: &str) -> Html {
        let res = self.client.get(format!("{}{path}", self.app.address)).insert_header(("cookie", self.cookie_header())).send().await;
        self.finish(res).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Html {
        let res = self.client.post(format!("{}{path}", self.app.address)).insert_header(("cookie", self.cookie_header())).send_form(&form).await;
        self.finish(res).await
    }

    /// Signs in through the sign-in page.
    pub async fn sign_in(&self, email: &str, password: &str) -> Html {
        let form = self.get("/login").await;
        self.post("/login", &[("csrf", &form.csrf()), ("email", email), ("password", password), ("next", "")]).await
    }
}

#[actix_web::test]
async fn the_signatory_reads_the_whole_proposal_and_endorses_with_one_button() {
    let app = TestApp::spawn().await;
    let (id, token) = endorsable(&app, "endorse").await;
    let sha = app.get(&format!("/api/v1/proposals/{id}")).token(&app.admin.token).send().await.body["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let web = Browser::new(&app);
    let page = web.get(&format!("/endorse?token={token}")).await;
    page.assert_page(
        200,
        &[
            "提案書への連名のお願い",
            "endorse 地域産学官共同研究拠点",
            "材料科学の産学官共同研究拠点を整備する。",
            "知事",
            "東京都",
            "埼玉県",
            "活動計画（PDCA）",
            "大学敷地内の県有地",
            "施設・設備計画",
            "50,000,000円",
            "100,000,000円",
            "2,000,000,000円",
            "2036",
            "拠点整備計画書.pdf",
            &sha,
        ],
    );
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "no-referrer");

    let done = web.post("/endorse", &[("csrf", &page.csrf()), ("token", &token)]).await;
    done.assert_page(200, &["連名を受け付けました", "endorse 地域産学官共同研究拠点", "年", "知事"]);
    let proposal = app.get(&format!("/api/v1/proposals/{id}")).token(&app.admin.token).send().await;
    let governor = proposal.body["endorsements"].as_array().unwrap().iter().find(|e| e["role"] == "governor").unwrap().clone();
    assert!(governor["endorsed_at"].is_string(), "{}", proposal.body);

    // The used link says what to do, as a page, both when opened and when posted again.
    web.get(&format!("/endorse?token={token}")).await.assert_page(410, &["このリンクは使用できません", "新しい依頼メール"]);
    web.post("/endorse", &[("csrf", &page.csrf()), ("token", &token)]).await.assert_page(410, &["このリンクは使用できません"]);
}

#[actix_web::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (id, token) = endorsable(&app, "csrf").await;
    let web = Browser::new(&app);
    web.get(&format!("/endorse?token={token}")).await.assert_page(200, &[]);
    web.post("/endorse", &[("token", &token)]).await.assert_page(403, &["送信を受け付けられませんでした"]);
    web.post("/endorse", &[("csrf", "forged-forged-forged-forged-forged"), ("token", &token)]).await.assert_page(403, &[]);
    // A page from another site has no CSRF cookie of ours either.
    let stranger = Browser::new(&app);
    stranger.post("/endorse", &[("csrf", &web.cookie("kyoso_csrf").unwrap()), ("token", &token)]).await.assert_page(403, &[]);
    let proposal = app.get(&format!("/api/v1/proposals/{id}")).token(&app.admin.token).send().await;
    assert!(proposal.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_null()));
    // The link still works.
    web.get(&format!("/endorse?token={token}")).await.assert_page(200, &["提案書への連名のお願い"]);
}

#[actix_web::test]
async fn forged_or_missing_links_show_a_page_not_json() {
    let app = TestApp::spawn().await;
    let web = Browser::new(&app);
    web.get("/endorse?token=0123456789abcdef0123456789abcdef.Zm9yZ2Vk").await.assert_page(410, &["このリンクは使用できません"]);
    web.get("/endorse").await.assert_page(410, &["このリンクは使用できません"]);
    web.get("/activate?token=nope").await.assert_page(410, &["パスワード再設定"]);
    web.get("/reset-password?token=nope").await.assert_page(410, &["このリンクは使用できません"]);
}

#[actix_web::test]
async fn english_is_one_click_away_and_remembered() {
    let app = TestApp::spawn().await;
    let (_, token) = endorsable(&app, "lang").await;
    let web = Browser::new(&app);
    let ja = web.get(&format!("/endorse?token={token}")).await;
    ja.assert_page(200, &["lang=\"ja\"", "English"]);
    // The switch keeps the link's token.
    let switch = unescape(&attribute_after(&ja.text, r#"class="lang" href=""#).unwrap());
    assert!(switch.contains(&token) && switch.contains("lang=en"), "{switch}");
    web.get(&switch).await.assert_page(200, &["Request to endorse a proposal", "Tokyo", "¥2,000,000,000", "Saitama"]);
    web.get("/login").await.assert_page(200, &["Sign in", "Email address"]);
    web.get("/login?lang=ja").await.assert_page(200, &["ログイン", "メールアドレス"]);
}

#[actix_web::test]
async fn signing_in_sets_a_protected_cookie_and_signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let reviewer = app.reviewer("東北大学").await;
    let web = Browser::new(&app);
    web.get("/me/assignments").await.assert_redirect("/login?next=%2Fme%2Fassignments");

    let form = web.get("/login?next=/me/assignments").await;
    form.assert_page(200, &["ログイン", r#"for="email""#, r#"for="password""#]);
    let wrong = web.post("/login", &[("csrf", &form.csrf()), ("email", &reviewer.email), ("password", "not the password"), ("next", "")]).await;
    wrong.assert_page(401, &["メールアドレスまたはパスワードが正しくありません", &reviewer.email]);

    let ok = web.post("/login", &[("csrf", &form.csrf()), ("email", &reviewer.email), ("password", PASSWORD), ("next", "/me/assignments")]).await;
    ok.assert_redirect("/me/assignments");
    let cookie = ok.set_cookies.iter().find(|c| c.starts_with("kyoso_session=")).expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let session = web.cookie("kyoso_session").unwrap();
    let list = web.get("/me/assignments").await;
    list.assert_page(200, &["担当する審査", "ログアウト"]);

    // Sign-out is a form too.
    web.post("/logout", &[]).await.assert_page(403, &[]);
    web.post("/logout", &[("csrf", &list.csrf())]).await.assert_redirect("/login");
    assert_eq!(web.cookie("kyoso_session"), None);
    // The old cookie names a revoked session.
    let replay = Browser::new(&app);
    replay.set_cookie("kyoso_session", &session);
    replay.get("/me/assignments").await.assert_redirect("/login");
    // An off-site `next` is ignored.
    let form = web.get("/login").await;
    let res = web.post("/login", &[("csrf", &form.csrf()), ("email", &reviewer.email), ("password", PASSWORD), ("next", "//evil.example")]).await;
    res.assert_redirect("/");
}

#[actix_web::test]
async fn a_page_cookie_exchanged_through_the_api_ends_the_session_for_both_holders() {
    let app = TestApp::spawn().await;
    let reviewer = app.reviewer("京都大学").await;
    let web = Browser::new(&app);
    web.sign_in(&reviewer.email, PASSWORD).await;
    let cookie = web.cookie("kyoso_session").expect("a session cookie");

    // Someone who copied the cookie trades it for a token pair of their own.
    let stolen = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": cookie })).send().await;
    stolen.assert_status(200);
    let thief_refresh = stolen.str("refresh_token");

    // The owner's next page shows the copy: the session ends, for the owner and for the thief.
    web.get("/me/assignments").await.assert_redirect("/login?next=%2Fme%2Fassignments");
    let thief = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": thief_refresh })).send().await;
    thief.assert_problem(401, "session_revoked");
}

#[actix_web::test]
async fn the_session_cookie_is_secure_in_production() {
    let app = TestApp::spawn_with(|s| {
        s.app.mode = kyoso::config::Mode::Production;
        // Production refuses published secrets, the suite's own included.
        s.auth.jwt_secret = "q3Jx9Lw0vT2mZ8rB5nC7yH1kD4fG6sA0pE2uI9oQ".into();
    })
    .await;
    let web = Browser::new(&app);
    let res = web.get("/login").await;
    assert!(res.set_cookies.iter().any(|c| c.starts_with("kyoso_csrf=") && c.contains("Secure")), "{:?}", res.set_cookies);
}

#[actix_web::test]
async fn sign_in_is_throttled_like_the_api_and_says_so() {
    let app = TestApp::spawn_with(|s| s.auth.login_failures_per_account = 2).await;
    let reviewer = app.reviewer("東北大学").await;
    let web = Browser::new(&app);
    for _ in 0..2 {
        web.sign_in(&reviewer.email, "not the password").await.assert_page(401, &[]);
    }
    web.sign_in(&reviewer.email, PASSWORD).await.assert_page(429, &["しばらく受け付けを停止"]);
    // The API counts the same failures.
    let res = app.post("/api/v1/auth/login").json(&json!({ "email": reviewer.email, "password": PASSWORD })).send().await;
    res.assert_problem(429, "too_many_attempts");
}

#[actix_web::test]
async fn an_invitation_link_sets_the_password_once() {
    let app = TestApp::spawn().await;
    let email = "new.reviewer@univ.example.jp";
    app.post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": email, "name": "新任 審査員", "role": "reviewer", "affiliation": "京都大学" }))
        .send()
        .await
        .assert_status(201);
    let token = app.last_email_to(email).await.token();
    let web = Browser::new(&app);
    let form = web.get(&format!("/activate?token={token}")).await;
    form.assert_page(200, &["アカウントの有効化", r#"for="password""#]);
    let short = web.post("/activate", &[("csrf", &form.csrf()), ("token", &token), ("password", "short")]).await;
    short.assert_page(422, &["12文字以上128文字以下", r#"aria-invalid="true""#, &token]);
    web.post("/activate", &[("token", &token), ("password", PASSWORD)]).await.assert_page(403, &[]);
    web.post("/activate", &[("csrf", &form.csrf()), ("token", &token), ("password", PASSWORD)]).await.assert_page(200, &["アカウントが有効になりました"]);
    app.login(email, PASSWORD).await;
    web.get(&format!("/activate?token={token}")).await.assert_page(410, &["このリンクは使用できません"]);
}

#[actix_web::test]
async fn a_forgotten_password_is_reset_through_the_pages() {
    let app = TestApp::spawn().await;
    let reviewer = app.reviewer("東北大学").await;
    let web = Browser::new(&app);
    let form = web.get("/reset-password").await;
    form.assert_page(200, &["パスワードの再設定", r#"for="email""#]);
    web.post("/reset-password", &[("csrf", &form.csrf()), ("email", &reviewer.email)]).await.assert_page(200, &["再設定用のリンクを送信しました"]);
    web.post("/reset-password", &[("csrf", &form.csrf()), ("email", "nobody@example.jp")]).await.assert_page(200, &["再設定用のリンクを送信しました"]);
    let token = app.last_email_to(&reviewer.email).await.token();
    let new_password = "a brand new passphrase";
    let set = web.get(&format!("/reset-password?token={token}")).await;
    set.assert_page(200, &["新しいパスワード"]);
    web.post("/reset-password", &[("csrf", &set.csrf()), ("token", &token), ("password", new_password)]).await.assert_page(200, &["パスワードを変更しました"]);
    web.sign_in(&reviewer.email, new_password).await.assert_redirect("/");
    web.get(&format!("/reset-password?token={token}")).await.assert_page(410, &["このリンクは使用できません"]);
}

#[actix_web::test]
async fn a_reviewer_accepts_grades_saves_and_submits_with_a_confirmation() {
    let app = TestApp::spawn().await;
    let (reviewer, assignment, _, _) = assigned(&app).await;
    let web = Browser::new(&app);
    web.sign_in(&reviewer.email, PASSWORD).await.assert_redirect("/");
    web.get("/").await.assert_redirect("/me/assignments");
    let list = web.get("/me/assignments").await;
    list.assert_page(200, &["受諾待ち", "review 地域産学官共同研究拠点", "宮城県", "受諾する"]);
    web.post(&format!("/me/assignments/{assignment}/accept"), &[("csrf", &list.csrf())]).await.assert_redirect(&format!("/me/assignments/{assignment}"));
    let api = app.get(&format!("/api/v1/me/assignments")).token(&reviewer.token).send().await;
    assert_eq!(api.body["items"][0]["status"], "accepted", "{}", api.body);

    let form = web.get(&format!("/me/assignments/{assignment}")).await;
    form.assert_page(200, &["目的の明確さ", "実現可能性", "×2", "波及効果", "総合評価", "資料.pdf", "材料科学の産学官共同研究拠点を整備する。"]);
    let csrf = form.csrf();
    // The attachment downloads from the page.
    let href = attribute_after(&form.text, r#"<a href="/me/assignments/"#).map(|rest| format!("/me/assignments/{rest}")).unwrap();
    let file = web.get(&href).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.text.as_bytes(), pdf("資料").as_slice());

    // A bad value is shown next to its field, with everything typed kept.
    let bad = web
        .post(
            &format!("/me/assignments/{assignment}/review"),
            &[("csrf", &csrf), ("grade.purpose", "X"), ("comment.purpose", "目的は明確である"), ("overall_comment", "総合所見（下書き）"), ("action", "save")],
        )
        .await;
    bad.assert_page(422, &["a grade is S, A, B or C", "目的は明確である", "総合所見（下書き）"]);

    // A partial draft saves; submitting it is refused with what is missing.
    let saved = web
        .post(&format!("/me/assignments/{assignment}/review"), &[("csrf", &csrf), ("grade.purpose", "S"), ("comment.purpose", "目的は明確"), ("action", "save")])
        .await;
    saved.assert_redirect(&format!("/me/assignments/{assignment}?done=saved"));
    web.get(&saved.location()).await.assert_page(200, &["下書きを保存しました", "目的は明確", r#"value="S" checked"#]);
    let refused = web.post(&format!("/me/assignments/{assignment}/submit"), &[("csrf", &csrf)]).await;
    refused.assert_page(422, &["実現可能性", "目的は明確"]);

    let complete = [
        ("csrf", csrf.as_str()),
        ("grade.purpose", "S"),
        ("grade.feasibility", "A"),
        ("grade.impact", "B"),
        ("comment.feasibility", "根拠が明確"),
        ("overall_grade", "A"),
        ("overall_comment", "総合的に優れている"),
        ("action", "confirm"),
    ];
    web.post(&format!("/me/assignments/{assignment}/review"), &complete).await.assert_redirect(&format!("/me/assignments/{assignment}/confirm"));
    let confirm = web.get(&format!("/me/assignments/{assignment}/confirm")).await;
    confirm.assert_page(200, &["評価の提出内容の確認", "根拠が明確", "総合的に優れている", "提出する"]);
    // Still a draft until confirmed.
    let api = app.get(&format!("/api/v1/assignments/{assignment}/review")).token(&reviewer.token).send().await;
    assert_eq!(api.body["status"], "draft");
    web.post(&format!("/me/assignments/{assignment}/submit"), &[]).await.assert_page(403, &[]);
    let submitted = web.post(&format!("/me/assignments/{assignment}/submit"), &[("csrf", &confirm.csrf())]).await;
    submitted.assert_redirect(&format!("/me/assignments/{assignment}?done=submitted"));
    let api = app.get(&format!("/api/v1/assignments/{assignment}/review")).token(&reviewer.token).send().await;
    assert_eq!(api.body["status"], "submitted");
    assert_eq!(api.body["grades"], json!({ "purpose": "S", "feasibility": "A", "impact": "B" }));

    let shown = web.get(&submitted.location()).await;
    shown.assert_page(200, &["評価を提出しました", "提出済みのため、変更できません", "総合的に優れている"]);
    assert!(!shown.text.contains(r#"name="overall_grade""#), "a submitted review has no form");
    web.get("/me/assignments").await.assert_page(200, &["提出済み"]);
}

#[actix_web::test]
async fn a_reviewer_declines_or_declares_a_conflict_from_the_pages() {
    let app = TestApp::spawn().await;
    let (reviewer, assignment, call, _) = assigned(&app).await;
    let web = Browser::new(&app);
    web.sign_in(&reviewer.email, PASSWORD).await;
    let page = web.get(&format!("/me/assignments/{assignment}")).await;
    page.assert_page(200, &["辞退の理由", "利害関係を申告する"]);
    web.post(&format!("/me/assignments/{assignment}/decline"), &[("csrf", &page.csrf()), ("reason", "海外出張のため")])
        .await
        .assert_redirect("/me/assignments?done=declined");
    let api = app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await;
    assert_eq!(api.body["items"][0]["status"], "declined", "{}", api.body);
    assert_eq!(api.body["items"][0]["decline_reason"], "海外出張のため");

    // Asked again, the reviewer declares a conflict instead: the assignment goes away.
    let proposal = api.body["items"][0]["proposal_id"].as_str().unwrap().to_string();
    let res = assign(&app, &call, &proposal, &reviewer).await;
    res.assert_status(201);
    let page = web.get(&format!("/me/assignments/{assignment}")).await;
    web.post(&format!("/me/assignments/{assignment}/conflict"), &[("csrf", &page.csrf()), ("reason", "共同研究者が参画している")])
        .await
        .assert_redirect("/me/assignments");
    let conflicts = app.get(&format!("/api/v1/proposals/{proposal}/conflicts")).token(&app.admin.token).send().await;
    assert_eq!(conflicts.body["items"][0]["reason"], "共同研究者が参画している", "{}", conflicts.body);
    web.get(&format!("/me/assignments/{assignment}")).await.assert_page(404, &["ページが見つかりません"]);
}

#[actix_web::test]
async fn only_the_reviewer_sees_their_assignment_pages() {
    let app = TestApp::spawn().await;
    let (_, assignment, _, officer) = assigned(&app).await;
    let other = app.reviewer("九州大学").await;
    let web = Browser::new(&app);
    web.sign_in(&other.email, PASSWORD).await;
    web.get(&format!("/me/assignments/{assignment}")).await.assert_page(404, &[]);
    let applicant = Browser::new(&app);
    applicant.sign_in(&officer.email, PASSWORD).await;
    applicant.get("/me/assignments").await.assert_page(403, &["この操作はできません"]);
}

#[actix_web::test]
async fn the_applicant_reads_the_result_once_published() {
    let app = TestApp::spawn().await;
    let (reviewer, assignment, call, officer) = assigned(&app).await;
    review(&app, &reviewer, &assignment, ["S", "A", "B"]).await;
    let listed = app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await;
    let proposal = listed.body["items"][0]["proposal_id"].as_str().unwrap().to_string();
    let web = Browser::new(&app);
    web.sign_in(&officer.email, PASSWORD).await.assert_redirect("/");
    web.get(&format!("/proposals/{proposal}/result")).await.assert_page(404, &["ページが見つかりません"]);

    let body = json!({ "outcome": "conditionally_adopted", "awarded_amount_yen": 1_500_000_000_i64, "conditions": "運営体制の見直し", "feedback": "地域への波及が期待できる" });
    app.put(&format!("/api/v1/proposals/{proposal}/decision")).token(&app.admin.token).json(&body).send().await.assert_status(200);
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_status(200);
    web.get(&format!("/proposals/{proposal}/result")).await.assert_page(
        200,
        &["審査結果", "review 地域産学官共同研究拠点", "条件付き採択", "1,500,000,000円", "運営体制の見直し", "地域への波及が期待できる", "3.00"],
    );
    let anonymous = Browser::new(&app);
    anonymous.get(&format!("/proposals/{proposal}/result")).await.assert_redirect("/login?next=");
    // The adopted list is public, on the home page too; no reviewer is named there.
    let home = anonymous.get("/").await;
    home.assert_page(200, &["採択結果", "review 地域産学官共同研究拠点", "条件付き採択", "1,500,000,000円"]);
    let name = app.get("/api/v1/me").token(&reviewer.token).send().await.str("name");
    assert!(!home.text.contains(&name) && !home.text.contains(&reviewer.email), "no reviewer identity on the public page");
}

#[actix_web::test]
async fn anyone_sees_the_open_calls_on_the_home_page() {
    let app = TestApp::spawn().await;
    let anonymous = Browser::new(&app);
    anonymous.get("/").await.assert_page(200, &["公募中の事業", "現在公募中の事業はありません。"]);
    let call = open_call(&app, "lab_construction").await;
    let title = app.get(&format!("/api/v1/calls/{call}")).token(&app.admin.token).send().await.str("title");
    let home = anonymous.get("/").await;
    home.assert_page(200, &["公募中の事業", &title, "締切"]);
    anonymous.get("/?lang=en").await.assert_page(200, &["Open calls", &title, "Deadline"]);
}

#[actix_web::test]
async fn the_stylesheet_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let web = Browser::new(&app);
    let css = web.get("/static/kyoso.css").await;
    assert_eq!(css.status, 200);
    assert!(css.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
    assert!(css.text.contains("Hiragino") && css.text.contains(":focus-visible"));
    // The API keeps its own error format next to the pages.
    app.get("/api/v1/nothing-here").send().await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_production_bootstrap_admin_gets_no_page_session_before_changing_the_password() {
    let app = TestApp::spawn_with(|s| {
        s.app.mode = kyoso::config::Mode::Production;
        s.auth.jwt_secret = "q3Jx9Lw0vT2mZ8rB5nC7yH1kD4fG6sA0pE2uI9oQ".into();
    })
    .await;
    let web = Browser::new(&app);
    web.sign_in(ADMIN_EMAIL, PASSWORD).await;
    // The cookie it got speaks for nobody: the pages send it to sign in, as the API answers 403.
    web.get("/me/assignments").await.assert_redirect("/login");
}
