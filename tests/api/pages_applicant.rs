//! The prefecture officer's pages, driven over HTTP like a browser without JavaScript.

use serde_json::json;

use crate::fixtures::{complete_content, create_proposal, endorse_all, open_call, pdf};
use crate::helpers::{PASSWORD, TestApp, TestUser};
use crate::pages::{Browser, Html};

async fn signed_in<'a>(app: &'a TestApp, user: &TestUser) -> Browser<'a> {
    let web = Browser::new(app);
    web.sign_in(&user.email, PASSWORD).await.assert_redirect("/");
    web
}

async fn proposal(app: &TestApp, user: &TestUser, id: &str) -> serde_json::Value {
    app.get(&format!("/api/v1/proposals/{id}")).token(&user.token).send().await.body
}

/// The value of the hidden `version` field of the proposal form.
fn version(page: &Html) -> String {
    let marker = r#"name="version" value=""#;
    let start = page.text.find(marker).expect("a version field") + marker.len();
    page.text[start..].chars().take_while(|c| *c != '"').collect()
}

/// Posts the proposal form with the page's CSRF token and version plus `fields`.
async fn save(web: &Browser<'_>, id: &str, page: &Html, fields: &[(&str, &str)]) -> Html {
    let (csrf, version) = (page.csrf(), version(page));
    let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    form.extend_from_slice(fields);
    web.post(&format!("/proposals/{id}"), &form).await
}

#[actix_web::test]
async fn the_home_lists_open_calls_with_the_time_left_and_starts_a_draft() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let web = signed_in(&app, &officer).await;
    let home = web.get("/").await;
    home.assert_page(200, &["公募中の事業", "令和8年度 lab_construction 公募", "あと29日", "提案を作成する", "まだ提案はありません", "東京都"]);
    assert!(home.text.contains(&format!("/calls/{call}/proposals/new")));

    web.post(&format!("/calls/{call}/proposals/new"), &[]).await.assert_page(403, &[]);
    let created = web.post(&format!("/calls/{call}/proposals/new"), &[("csrf", &home.csrf())]).await;
    created.assert_redirect("/proposals/");
    let id = created.location().trim_start_matches("/proposals/").to_string();
    assert_eq!(proposal(&app, &officer, &id).await["status"], "draft");

    let home = web.get("/").await;
    home.assert_page(200, &["本県の提案", "作成中", "代表", &format!("/proposals/{id}")]);
    assert!(!home.text.contains(&format!("/calls/{call}/proposals/new")), "one proposal per prefecture: no second start button");
    web.get(&format!("/proposals/{id}?lang=en")).await.assert_page(200, &["Save draft", "Before submitting", "Add a year"]);

    let admin = Browser::new(&app);
    admin.sign_in(crate::helpers::ADMIN_EMAIL, PASSWORD).await;
    admin.get("/").await.assert_page(200, &[r#"href="/admin""#]);
    let anonymous = Browser::new(&app);
    anonymous.get(&format!("/proposals/{id}")).await.assert_redirect("/login?next=");
}

#[actix_web::test]
async fn the_form_saves_every_field_and_totals_the_funding_plan() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    app.applicant("11").await;
    let id = create_proposal(&app, &officer, &call, &json!({})).await.str("id");
    let web = signed_in(&app, &officer).await;
    let page = web.get(&format!("/proposals/{id}")).await;
    page.assert_page(200, &["提出前チェック", "都道府県知事", "整備区分", "年度を追加", "財源計"]);
    let saved = save(
        &web,
        &id,
        &page,
        &[
            ("title", "水素拠点"),
            ("summary", "概要"),
            ("keywords", "水素、燃料電池"),
            ("partners", "11"),
            ("sig.governor.name", "東京 太郎"),
            ("sig.governor.email", "gov@pref.example.jp"),
            ("representative", "governor"),
            ("sections.purpose", "目的の本文"),
            ("funding_plan[0].fiscal_year", "2027"),
            ("funding_plan[0].prefecture_yen", "1,000,000"),
            ("funding_plan[0].university_yen", "500000円"),
            ("funding_plan[1].fiscal_year", "2028"),
            ("funding_plan[1].industry_yen", "250000"),
            ("requested_amount_yen", "2,000,000,000"),
            ("construction_type", "annex"),
            ("land_provided", "yes"),
            ("action", "save"),
        ],
    )
    .await;
    saved.assert_redirect(&format!("/proposals/{id}?done=saved"));
    let p = proposal(&app, &officer, &id).await;
    assert_eq!(p["title"], "水素拠点");
    assert_eq!(p["keywords"], json!(["水素", "燃料電池"]));
    assert_eq!(p["partner_prefecture_codes"], json!(["11"]));
    assert_eq!(p["signatories"][0]["representative"], true);
    assert_eq!(p["funding_plan"][0]["prefecture_yen"], 1_000_000);
    assert_eq!(p["funding_plan"][0]["university_yen"], 500_000);
    assert_eq!(p["requested_amount_yen"], 2_000_000_000_i64);
    assert_eq!((p["construction_type"].as_str(), p["land_provided"].as_bool()), (Some("annex"), Some(true)));

    let page = web.get(&format!("/proposals/{id}?done=saved")).await;
    // Per-year totals and the column totals, computed by the server.
    page.assert_page(200, &["下書きを保存しました", "1,500,000円", "250,000円", "1,750,000円", "埼玉県: 未確認"]);

    // "Add a year" saves and comes back with one more row.
    let rows = page.text.matches("funding_plan[").count();
    let added = save(&web, &id, &page, &[("title", "水素拠点"), ("action", "add_year"), ("funding_rows", "5")]).await;
    added.assert_redirect(&format!("/proposals/{id}?done=saved&funding_rows=6"));
    let more = web.get(&added.location()).await;
    assert!(more.text.matches("funding_plan[").count() > rows, "a row was added");
    assert!(more.text.contains("funding_plan[5].fiscal_year"));
}

/// Whether `needle` follows the field closely, inside its table cell.
fn near(page: &Html, field: &str, needle: &str) -> bool {
    let start = page.text.find(field).unwrap_or_else(|| panic!("no {field}"));
    let cell = &page.text[start..];
    let cell = &cell[..cell.find("</td>").unwrap_or(cell.len())];
    cell.contains(needle)
}

#[actix_web::test]
async fn a_bad_value_is_shown_next_to_its_field_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "title": "元の題" })).await.str("id");
    let web = signed_in(&app, &officer).await;
    let page = web.get(&format!("/proposals/{id}")).await;
    let refused = save(&web, &id, &page, &[("title", "新しい題"), ("funding_plan[0].fiscal_year", "2027"), ("funding_plan[0].other_yen", "たくさん")]).await;
    refused.assert_page(422, &["数字で入力してください", "たくさん", "新しい題"]);
    assert!(near(&refused, r#"name="funding_plan[0].other_yen""#, "数字で入力してください"), "the message sits next to its field");
    // The domain's own refusals land next to their field too.
    let refused = save(&web, &id, &page, &[("title", "新しい題"), ("funding_plan[1].fiscal_year", "2027"), ("funding_plan[1].other_yen", "-5")]).await;
    refused.assert_page(422, &["-5"]);
    assert!(near(&refused, r#"name="funding_plan[1].other_yen""#, r#"class="error""#), "{}", refused.text);
    assert_eq!(proposal(&app, &officer, &id).await["title"], "元の題");
}

#[actix_web::test]
async fn a_stale_form_does_not_overwrite_and_shows_the_difference() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "title": "最初の題", "summary": "同じ概要" })).await.str("id");
    let web = signed_in(&app, &officer).await;
    let stale = web.get(&format!("/proposals/{id}")).await;
    let colleague = json!({ "title": "同僚の題" });
    app.patch(&format!("/api/v1/proposals/{id}")).token(&officer.token).json(&colleague).send().await.assert_status(200);

    let refused = save(&web, &id, &stale, &[("title", "私の題"), ("summary", "同じ概要")]).await;
    refused.assert_page(409, &["他の方がこの提案を変更しました", "同僚の題", "私の題"]);
    let diff = &refused.text[refused.text.find(r#"id="conflict""#).unwrap()..];
    let diff = &diff[..diff.find("</table>").unwrap()];
    assert!(!diff.contains("同じ概要"), "only the fields that differ are listed");
    assert_eq!(proposal(&app, &officer, &id).await["title"], "同僚の題");
    // What was typed is kept, with the current version: saving again is a deliberate overwrite.
    assert!(refused.text.contains(r#"value="私の題""#));
    save(&web, &id, &refused, &[("title", "私の題")]).await.assert_redirect(&format!("/proposals/{id}?done=saved"));
    assert_eq!(proposal(&app, &officer, &id).await["title"], "私の題");
}

#[actix_web::test]
async fn the_checklist_names_missing_endorsements_and_voiding_them_needs_a_confirmation() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("void", "13", &[])).await.str("id");
    let web = signed_in(&app, &officer).await;
    let page = web.get(&format!("/proposals/{id}")).await;
    page.assert_page(200, &["提出するには次の点を解消してください", "同意（都道府県知事）: 現在の内容への同意がまだありません", "未同意"]);
    web.post(&format!("/proposals/{id}/endorsements/request"), &[("csrf", &page.csrf())]).await.assert_redirect(&format!("/proposals/{id}?done=requested"));
    endorse_all(&app, &officer, &id, "void").await;

    let page = web.get(&format!("/proposals/{id}")).await;
    page.assert_page(200, &["提出できる状態です", "同意が無効になることを了解して保存する"]);
    let title = proposal(&app, &officer, &id).await["title"].as_str().unwrap().to_string();
    let fields = |title: &'static str| vec![("title", title)];
    let warned = save(&web, &id, &page, &fields("変えた題")).await;
    warned.assert_page(409, &["内容を変更すると同意は無効になり", r#"value="変えた題""#]);
    let p = proposal(&app, &officer, &id).await;
    assert_eq!(p["title"], title.as_str());
    assert!(p["endorsements"].as_array().unwrap().iter().all(|e| !e["endorsed_at"].is_null()));

    save(&web, &id, &page, &[("title", "変えた題"), ("confirm_void", "yes")]).await.assert_redirect(&format!("/proposals/{id}?done=saved"));
    let p = proposal(&app, &officer, &id).await;
    assert_eq!(p["title"], "変えた題");
    assert!(p["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_null()));
}

#[actix_web::test]
async fn a_partner_prefecture_confirms_and_withdraws_on_its_own_view() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "title": "連携拠点", "partner_prefecture_codes": ["11"] })).await.str("id");
    let web = signed_in(&app, &saitama).await;
    web.get("/").await.assert_page(200, &["連携拠点", "連携"]);
    let page = web.get(&format!("/proposals/{id}")).await;
    page.assert_page(200, &["本県はこの提案の連携都道府県として招待されています", "本県の参加を確認する", "埼玉県: 未確認"]);
    assert!(!page.text.contains(r#"id="proposal-form""#), "a partner does not edit");
    web.post(&format!("/proposals/{id}/partners/11/confirm"), &[]).await.assert_page(403, &[]);
    web.post(&format!("/proposals/{id}/partners/11/confirm"), &[("csrf", &page.csrf())]).await.assert_redirect(&format!("/proposals/{id}?done=confirmed"));
    assert_eq!(proposal(&app, &officer, &id).await["partners"][0]["confirmed"], true);
    let page = web.get(&format!("/proposals/{id}?done=confirmed")).await;
    page.assert_page(200, &["本県の参加を確認しました", "参加確認を取り消す", "確認済み"]);
    web.post(&format!("/proposals/{id}/partners/11/withdraw"), &[("csrf", &page.csrf())]).await.assert_redirect(&format!("/proposals/{id}?done=withdrawn_partner"));
    assert_eq!(proposal(&app, &officer, &id).await["partners"][0]["confirmed"], false);
    // Saving the lead's form is not the partner's to do.
    web.post(&format!("/proposals/{id}"), &[("csrf", &page.csrf()), ("version", "1"), ("title", "乗っ取り")]).await.assert_page(403, &[]);
}

/// Posts a PDF with the upload form, as a browser does (the CSRF token beside the file).
async fn upload(app: &TestApp, web: &Browser<'_>, id: &str, csrf: &str, name: &str) -> (u16, String) {
    let boundary = "kyoso-page-boundary";
    let mut body = Vec::new();
    if !csrf.is_empty() {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes());
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes());
    body.extend(pdf(name));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let cookies = ["kyoso_session", "kyoso_csrf"].iter().filter_map(|c| web.cookie(c).map(|v| format!("{c}={v}"))).collect::<Vec<_>>().join("; ");
    let mut res = awc::Client::builder()
        .disable_redirects()
        .finish()
        .post(format!("{}/proposals/{id}/attachments", app.address))
        .insert_header(("cookie", cookies))
        .content_type(format!("multipart/form-data; boundary={boundary}"))
        .send_body(body)
        .await
        .unwrap();
    let location = res.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
    let _ = res.body().await;
    (res.status().as_u16(), location)
}

#[actix_web::test]
async fn attachments_are_uploaded_listed_downloaded_and_removed_from_the_page() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "title": "添付" })).await.str("id");
    let web = signed_in(&app, &officer).await;
    let page = web.get(&format!("/proposals/{id}")).await;

    assert_eq!(upload(&app, &web, &id, "", "無印.pdf").await.0, 403);
    assert_eq!(proposal(&app, &officer, &id).await["attachments"], json!([]));
    let (status, location) = upload(&app, &web, &id, &page.csrf(), "計画書.pdf").await;
    assert_eq!((status, location.as_str()), (303, format!("/proposals/{id}?done=uploaded#attachments").as_str()));
    let p = proposal(&app, &officer, &id).await;
    let aid = p["attachments"][0]["id"].as_str().unwrap().to_string();
    let page = web.get(&format!("/proposals/{id}?done=uploaded")).await;
    page.assert_page(200, &["ファイルを添付しました", "計画書.pdf", p["attachments"][0]["sha256"].as_str().unwrap()]);
    let download = web.get(&format!("/proposals/{id}/attachments/{aid}")).await;
    assert_eq!((download.status, download.text.as_bytes()), (200, pdf("計画書.pdf").as_slice()));

    let remove = format!("/proposals/{id}/attachments/{aid}/remove");
    web.post(&remove, &[]).await.assert_page(403, &[]);
    web.post(&remove, &[("csrf", &page.csrf())]).await.assert_redirect(&format!("/proposals/{id}?done=removed"));
    assert_eq!(proposal(&app, &officer, &id).await["attachments"], json!([]));
}

#[actix_web::test]
async fn submitting_asks_for_confirmation_and_shows_the_receipt_then_unsubmit_and_withdraw() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("receipt", "13", &[])).await.str("id");
    let web = signed_in(&app, &officer).await;
    web.get(&format!("/proposals/{id}/submit")).await.assert_page(200, &["提出するには次の点を解消してください"]);
    endorse_all(&app, &officer, &id, "receipt").await;

    let confirm = web.get(&format!("/proposals/{id}/submit")).await;
    confirm.assert_page(200, &["提出の確認", "この内容で提出する", "receipt 地域産学官共同研究拠点"]);
    web.post(&format!("/proposals/{id}/submit"), &[]).await.assert_page(403, &[]);
    assert_eq!(proposal(&app, &officer, &id).await["status"], "draft");
    let key = {
        let marker = r#"name="key" value=""#;
        let start = confirm.text.find(marker).unwrap() + marker.len();
        confirm.text[start..].chars().take_while(|c| *c != '"').collect::<String>()
    };
    let form = [("csrf", confirm.csrf()), ("key", key)];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    web.post(&format!("/proposals/{id}/submit"), &form).await.assert_redirect(&format!("/proposals/{id}/receipt"));
    // A second click is the same submission.
    web.post(&format!("/proposals/{id}/submit"), &form).await.assert_redirect(&format!("/proposals/{id}/receipt"));
    let p = proposal(&app, &officer, &id).await;
    let receipt_number = p["receipt_number"].as_str().unwrap().to_string();
    let receipt = web.get(&format!("/proposals/{id}/receipt")).await;
    receipt.assert_page(200, &["受付票", &receipt_number, "提出された内容", "receipt 地域産学官共同研究拠点"]);

    let page = web.get(&format!("/proposals/{id}")).await;
    page.assert_page(200, &["提出済み", "提出を取り消して修正する", "受付票を見る"]);
    web.post(&format!("/proposals/{id}/unsubmit"), &[("csrf", &page.csrf())]).await.assert_page(422, &["確認のチェックを入れてください"]);
    assert_eq!(proposal(&app, &officer, &id).await["status"], "submitted");
    web.post(&format!("/proposals/{id}/unsubmit"), &[("csrf", &page.csrf()), ("understood", "yes")]).await.assert_redirect(&format!("/proposals/{id}?done=unsubmitted"));
    assert_eq!(proposal(&app, &officer, &id).await["status"], "draft");
    web.post(&format!("/proposals/{id}/withdraw"), &[("csrf", &page.csrf()), ("understood", "yes")]).await.assert_redirect(&format!("/proposals/{id}?done=withdrawn"));
    assert_eq!(proposal(&app, &officer, &id).await["status"], "withdrawn");
    web.get(&format!("/proposals/{id}?done=withdrawn")).await.assert_page(200, &["提案を取り下げました", "取下げ"]);
}

#[actix_web::test]
async fn only_applicants_of_the_prefecture_see_its_proposal_pages() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "title": "秘密" })).await.str("id");
    let outsider = app.applicant("47").await;
    signed_in(&app, &outsider).await.get(&format!("/proposals/{id}")).await.assert_page(404, &["ページが見つかりません"]);
    let reviewer = app.reviewer("大学").await;
    let web = Browser::new(&app);
    web.sign_in(&reviewer.email, PASSWORD).await;
    web.get(&format!("/proposals/{id}")).await.assert_page(403, &[]);
}
