//! The program officer's pages over HTTP, like a browser without JavaScript.

use serde_json::Value;

use crate::fixtures::{assign, call_under_review, call_under_review_with, expert, open_call, review};
use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp};
use crate::pages::Browser;

async fn officer(app: &TestApp) -> Browser<'_> {
    let web = Browser::new(app);
    web.sign_in(ADMIN_EMAIL, PASSWORD).await.assert_redirect("/");
    web
}

async fn api(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).token(&app.admin.token).send().await;
    res.assert_status(200);
    res.body
}

/// A valid call form: fiscal year 2027, one criterion.
fn call_fields(csrf: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("csrf", csrf),
        ("program", "lab_construction"),
        ("fiscal_year", "2027"),
        ("title", "令和9年度 拠点公募"),
        ("description", "説明"),
        ("opens_at", "2027-04-01T09:00"),
        ("closes_at", "2027-05-31T17:00"),
        ("total_budget_yen", "10,000,000,000"),
        ("max_request_yen", "2,000,000,000"),
        ("reviewers_per_proposal", "2"),
        ("criteria.0.code", "feasibility"),
        ("criteria.0.name", "実現可能性"),
        ("criteria.0.weight", "1"),
    ]
}

#[actix_web::test]
async fn only_program_officers_open_the_admin_pages() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let anonymous = Browser::new(&app);
    for path in ["/admin", &format!("/admin/calls/{call}"), &format!("/admin/calls/{call}/ranking"), "/admin/users"] {
        anonymous.get(path).await.assert_redirect("/login?next=");
    }
    let reviewer = expert(&app, "東北大学", Some("04"), &["materials"], None).await;
    let web = Browser::new(&app);
    web.sign_in(&reviewer.email, PASSWORD).await;
    web.get("/admin").await.assert_page(403, &["この操作はできません"]);
    web.get(&format!("/admin/calls/{call}")).await.assert_page(403, &[]);
    let form = web.get("/me/assignments").await;
    web.post(&format!("/admin/calls/{call}/start-review"), &[("csrf", &form.csrf())]).await.assert_page(403, &[]);
}

#[actix_web::test]
async fn an_officer_creates_a_call_with_weighted_criteria_and_sees_each_problem_next_to_its_field() {
    let app = TestApp::spawn().await;
    let web = officer(&app).await;
    let form = web.get("/admin/calls/new").await;
    form.assert_page(200, &["公募を作成", "評価項目と重み", "締切（日本時間）"]);
    let csrf = form.csrf();
    let mut fields = call_fields(&csrf);
    fields[3] = ("title", "");
    fields[12] = ("criteria.0.weight", "two");
    let refused = web.post("/admin/calls", &fields).await;
    refused.assert_page(422, &["enter the weight as a number", "value=\"feasibility\"", "value=\"10,000,000,000\""]);
    assert_eq!(api(&app, "/api/v1/calls").await["total"], 0, "a refused form creates nothing");

    fields[12] = ("criteria.0.weight", "2");
    let refused = web.post("/admin/calls", &fields).await;
    refused.assert_page(422, &["id=\"title-error\""]);
    fields[3] = ("title", "令和9年度 拠点公募");
    let created = web.post("/admin/calls", &fields).await;
    created.assert_redirect("/admin/calls/");
    let call = api(&app, "/api/v1/calls").await["items"][0].clone();
    assert_eq!(call["title"], "令和9年度 拠点公募");
    assert_eq!(call["total_budget_yen"], 10_000_000_000_i64);
    assert_eq!(call["criteria"][0]["weight"], 2.0);
    assert_eq!(call["closes_at"], "2027-05-31T17:00:00+09:00");
    let id = call["id"].as_str().unwrap().to_string();

    let list = web.get("/admin").await;
    list.assert_page(200, &["令和9年度 拠点公募", "下書き", "2027年5月31日 17:00", "10,000,000,000円"]);
    // Without its CSRF token the publish button does nothing.
    web.post(&format!("/admin/calls/{id}/publish"), &[]).await.assert_page(403, &[]);
    assert_eq!(api(&app, &format!("/api/v1/calls/{id}")).await["status"], "draft");
    web.post(&format!("/admin/calls/{id}/publish"), &[("csrf", &list.csrf())]).await.assert_redirect(&format!("/admin/calls/{id}"));
    assert_eq!(api(&app, &format!("/api/v1/calls/{id}")).await["status"], "published");
    // Starting the review before the deadline is refused in the call's row.
    web.post(&format!("/admin/calls/{id}/start-review"), &[("csrf", &list.csrf())]).await.assert_page(409, &["role=\"alert\""]);
    assert_eq!(api(&app, &format!("/api/v1/calls/{id}")).await["status"], "published");
    web.get("/admin?lang=en").await.assert_page(200, &["Calls", "Create a call", "Published", "31 May 2027, 17:00 JST", "¥10,000,000,000"]);
}

#[actix_web::test]
async fn the_deadline_is_extended_on_the_edit_form_and_never_brought_forward() {
    let app = TestApp::spawn().await;
    let id = open_call(&app, "lab_construction").await;
    let web = officer(&app).await;
    let form = web.get(&format!("/admin/calls/{id}/edit")).await;
    form.assert_page(200, &["公募を編集", "目的の明確さ", "value=\"69,500,000,000\""]);
    let closes = api(&app, &format!("/api/v1/calls/{id}")).await["closes_at"].as_str().unwrap().to_string();
    let at = chrono::DateTime::parse_from_rfc3339(&closes).unwrap();
    let text = |t: chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%dT%H:%M").to_string();
    let posted = |closes_at: String| {
        let page = form.text.clone();
        let value = |name: &str| -> String {
            let marker = format!("name=\"{name}\" value=\"");
            page.find(&marker).map(|i| page[i + marker.len()..].chars().take_while(|c| *c != '"').collect()).unwrap_or_default()
        };
        let mut f: Vec<(String, String)> = vec![("csrf".into(), form.csrf()), ("program".into(), "lab_construction".into())];
        for name in ["fiscal_year", "title", "opens_at", "total_budget_yen", "max_request_yen", "reviewers_per_proposal"] {
            f.push((name.into(), value(name)));
        }
        f.push(("description".into(), "地域の科学技術拠点の公募".into()));
        f.push(("closes_at".into(), closes_at));
        for (i, (code, name, weight)) in [("purpose", "目的の明確さ", "1"), ("feasibility", "実現可能性", "2"), ("impact", "波及効果", "1")].iter().enumerate() {
            f.push((format!("criteria.{i}.code"), code.to_string()));
            f.push((format!("criteria.{i}.name"), name.to_string()));
            f.push((format!("criteria.{i}.weight"), weight.to_string()));
        }
        f
    };
    let earlier = posted(text(at - chrono::Duration::days(2)));
    let pairs: Vec<(&str, &str)> = earlier.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = web.post(&format!("/admin/calls/{id}/edit"), &pairs).await;
    refused.assert_page(422, &["a published deadline can only be extended", "id=\"closes_at-error\""]);
    assert_eq!(api(&app, &format!("/api/v1/calls/{id}")).await["closes_at"], closes);

    let later = posted(text(at + chrono::Duration::days(7)));
    let pairs: Vec<(&str, &str)> = later.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    web.post(&format!("/admin/calls/{id}/edit"), &pairs).await.assert_redirect(&format!("/admin/calls/{id}"));
    let moved = chrono::DateTime::parse_from_rfc3339(api(&app, &format!("/api/v1/calls/{id}")).await["closes_at"].as_str().unwrap()).unwrap();
    assert_eq!(text(moved), text(at + chrono::Duration::days(7)));
}

#[actix_web::test]
async fn the_dashboard_shows_prefectures_conflicts_and_a_dry_run_that_creates_nothing() {
    let app = TestApp::spawn().await;
    let (call, p) = call_under_review(&app, &[("hokkaido", "01", &["materials"]), ("aichi", "23", &["energy"])]).await;
    let near = expert(&app, "北海道大学", Some("01"), &["materials"], None).await;
    let far = expert(&app, "九州大学", Some("40"), &["materials", "energy"], None).await;
    let web = officer(&app).await;
    let page = web.get(&format!("/admin/calls/{call}")).await;
    page.assert_page(200, &["北海道", "愛知県", "沖縄県", "st-under_review", "参加都道府県に所属", "九州大学", "審査委員ごとの進捗"]);
    assert_eq!(page.text.matches("class=\"pref ").count(), 47, "one cell per prefecture");

    app.deliver_mail().await;
    let mailed_before = app.emails().len();
    let preview = web.post(&format!("/admin/calls/{call}/auto-assign"), &[("csrf", &page.csrf()), ("reviewers_per_proposal", "2"), ("max_per_reviewer", "")]).await;
    preview.assert_page(200, &["自動割当の確認", "九州大学", "割り当てきれない提案", "利害関係のない審査委員が足りません"]);
    assert_eq!(api(&app, &format!("/api/v1/calls/{call}/assignments")).await["total"], 0, "the preview assigns nobody");
    app.deliver_mail().await;
    assert_eq!(app.emails().len(), mailed_before, "and emails nobody");

    web.post(&format!("/admin/calls/{call}/auto-assign/apply"), &[("reviewers_per_proposal", "2")]).await.assert_page(403, &[]);
    web.post(&format!("/admin/calls/{call}/auto-assign/apply"), &[("csrf", &page.csrf()), ("reviewers_per_proposal", "2"), ("max_per_reviewer", "")])
        .await
        .assert_redirect(&format!("/admin/calls/{call}"));
    let held = api(&app, &format!("/api/v1/calls/{call}/assignments")).await;
    assert_eq!(held["total"], 3, "{held}");

    // The conflicted pair cannot be assigned by hand either; the refusal is shown on the dashboard.
    let refused = web.post(&format!("/admin/calls/{call}/assignments"), &[("csrf", &page.csrf()), ("pair", &format!("{} {}", p[0], near.id))]).await;
    refused.assert_page(409, &["conflict of interest"]);

    // Taking one back by hand.
    let one = held["items"].as_array().unwrap().iter().find(|a| a["reviewer_id"] == far.id.as_str() && a["proposal_id"] == p[1].as_str()).unwrap();
    let aid = one["id"].as_str().unwrap();
    web.post(&format!("/admin/calls/{call}/assignments/{aid}/remove"), &[("csrf", &page.csrf())]).await.assert_redirect(&format!("/admin/calls/{call}"));
    assert_eq!(api(&app, &format!("/api/v1/calls/{call}/assignments")).await["total"], 2);
    // Automatic assignment does not put the reviewer back on that proposal...
    let again = app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(&app.admin.token).json(&serde_json::json!({ "reviewers_per_proposal": 2 })).send().await;
    again.assert_status(200);
    assert_eq!(again.body["created"], 0, "{}", again.body);
    // ... but the officer may, and the pair's row comes back pending.
    let restored = app.post(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).json(&serde_json::json!({ "proposal_id": p[1], "reviewer_id": far.id })).send().await;
    restored.assert_status(201);
    assert_eq!((restored.str("id"), restored.str("status")), (aid.to_string(), "pending".to_string()));
    web.post(&format!("/admin/calls/{call}/assignments/{aid}/remove"), &[("csrf", &page.csrf())]).await.assert_redirect(&format!("/admin/calls/{call}"));
    let trail = web.get(&format!("/admin/proposals/{}/audit", p[1])).await;
    trail.assert_page(200, &["操作履歴", "proposal_submitted"]);
    // ... and giving the place to another reviewer from the matrix.
    let other = expert(&app, "京都大学", Some("26"), &["energy"], None).await;
    web.get(&format!("/admin/calls/{call}")).await.assert_page(200, &["京都大学", &format!("value=\"{} {}\"", p[1], other.id)]);
    web.post(&format!("/admin/calls/{call}/assignments"), &[("csrf", &page.csrf()), ("pair", &format!("{} {}", p[1], other.id))]).await.assert_redirect(&format!("/admin/calls/{call}"));
    assert_eq!(api(&app, &format!("/api/v1/calls/{call}/assignments")).await["total"], 3);
}

#[actix_web::test]
async fn decisions_are_entered_beside_the_ranking_and_published_after_naming_who_is_emailed() {
    const B: i64 = 1_000_000_000;
    let app = TestApp::spawn().await;
    let (call, p) = call_under_review_with(&app, 3 * B, &[("miyagi", "04", &[], 2 * B), ("kyoto", "26", &[], 2 * B)]).await;
    let reviewer = expert(&app, "九州大学", Some("40"), &["materials"], None).await;
    for id in &p {
        let a = assign(&app, &call, id, &reviewer).await.str("id");
        app.post(&format!("/api/v1/assignments/{a}/accept")).token(&reviewer.token).send().await.assert_status(200);
        review(&app, &reviewer, &a, ["S", "A", "B"]).await;
    }
    let web = officer(&app).await;
    let page = web.get(&format!("/admin/calls/{call}/ranking")).await;
    page.assert_page(200, &["ランキングと採否", "補正後スコア", "ばらつき", "S1 A1 B1 C0", "3,000,000,000円", "budget-bar", "予算計画で推奨"]);
    let csrf = page.csrf();
    let csv = web.get(&format!("/admin/calls/{call}/ranking.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.text.contains("miyagi") || csv.text.contains("kyoto"), "{}", csv.text);

    let refused = web.post(&format!("/admin/calls/{call}/decisions/{}", p[0]), &[("csrf", &csrf), ("outcome", "adopted"), ("awarded_amount_yen", "lots"), ("feedback", "所見")]).await;
    refused.assert_page(422, &["enter the amount in yen as a whole number", "value=\"lots\""]);
    web.post(&format!("/admin/calls/{call}/decisions/{}", p[0]), &[("csrf", &csrf), ("outcome", "adopted"), ("awarded_amount_yen", "2,000,000,000"), ("feedback", "所見")])
        .await
        .assert_redirect(&format!("/admin/calls/{call}/ranking"));
    let over = web.post(&format!("/admin/calls/{call}/decisions/{}", p[1]), &[("csrf", &csrf), ("outcome", "adopted"), ("awarded_amount_yen", "2000000000")]).await;
    over.assert_page(409, &["would exceed the call", "value=\"2000000000\""]);
    web.get(&format!("/admin/calls/{call}/ranking")).await.assert_page(200, &["1,000,000,000円", "w65", "value=\"2,000,000,000\""]);

    // Not all decided: the confirmation says why and publishes nothing.
    web.get(&format!("/admin/calls/{call}/publish-decisions")).await.assert_page(409, &["have no decision yet"]);
    web.post(&format!("/admin/calls/{call}/decisions/{}", p[1]), &[("csrf", &csrf), ("outcome", "rejected"), ("awarded_amount_yen", "0")]).await.assert_redirect("/admin/");
    app.deliver_mail().await;
    let before = app.emails().len();
    let confirm = web.get(&format!("/admin/calls/{call}/publish-decisions")).await;
    confirm.assert_page(200, &["採否を公表", "@example.jp"]);
    app.deliver_mail().await;
    assert_eq!(app.emails().len(), before, "the confirmation emails nobody");
    assert_eq!(api(&app, &format!("/api/v1/calls/{call}")).await["status"], "under_review", "the confirmation publishes nothing");
    web.post(&format!("/admin/calls/{call}/publish-decisions"), &[]).await.assert_page(403, &[]);
    web.post(&format!("/admin/calls/{call}/publish-decisions"), &[("csrf", &confirm.csrf())]).await.assert_redirect(&format!("/admin/calls/{call}"));
    assert_eq!(api(&app, &format!("/api/v1/calls/{call}")).await["status"], "decided");
    web.get(&format!("/admin/calls/{call}")).await.assert_page(200, &["採否公表済み", "採択", "不採択"]);
}

#[actix_web::test]
async fn users_are_invited_edited_and_deactivated_from_the_pages() {
    let app = TestApp::spawn().await;
    let web = officer(&app).await;
    let page = web.get("/admin/users").await;
    page.assert_page(200, &["ユーザーを招待", ADMIN_EMAIL]);
    let csrf = page.csrf();
    let invite = |email: &'static str, affiliation: &'static str| {
        vec![("csrf", csrf.clone()), ("role", "reviewer".to_string()), ("email", email.into()), ("name", "審査 太郎".into()), ("affiliation", affiliation.into()), ("expertise", "materials, energy".into()), ("max_assignments", "5".into())]
    };
    let form = invite("expert@example.jp", "");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    web.post("/admin/users", &pairs).await.assert_page(422, &["id=\"affiliation-error\"", "value=\"expert@example.jp\""]);
    let form = invite("expert@example.jp", "東北大学");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    web.post("/admin/users", &pairs).await.assert_redirect("/admin/users");
    app.last_email_to("expert@example.jp").await;
    let listed = api(&app, "/api/v1/users").await;
    let user = listed["items"].as_array().unwrap().iter().find(|u| u["email"] == "expert@example.jp").unwrap().clone();
    assert_eq!(user["expertise"], serde_json::json!(["materials", "energy"]));
    let id = user["id"].as_str().unwrap();

    // Invited, not yet activated: nothing to deactivate.
    web.get(&format!("/admin/users/{id}")).await.assert_page(200, &["expert@example.jp", "materials, energy", "無効"]);
    let active = expert(&app, "東北大学", Some("04"), &["energy"], None).await;
    let id = active.id.as_str();
    web.get(&format!("/admin/users/{id}")).await.assert_page(200, &["アカウントを無効にする"]);
    web.post(&format!("/admin/users/{id}"), &[("csrf", &csrf), ("name", "審査 次郎"), ("affiliation", "東北大学"), ("expertise", "energy"), ("max_assignments", "x")])
        .await
        .assert_page(422, &["id=\"max_assignments-error\""]);
    web.post(&format!("/admin/users/{id}"), &[("csrf", &csrf), ("name", "審査 次郎"), ("affiliation", "東北大学"), ("expertise", "energy"), ("max_assignments", "3")])
        .await
        .assert_redirect(&format!("/admin/users/{id}"));
    web.post(&format!("/admin/users/{id}"), &[("csrf", &csrf), ("active", "false")]).await.assert_redirect(&format!("/admin/users/{id}"));
    let after = api(&app, "/api/v1/users").await;
    let user = after["items"].as_array().unwrap().iter().find(|u| u["id"] == id).unwrap().clone();
    assert_eq!((user["name"].as_str(), user["max_assignments"].as_i64(), user["active"].as_bool()), (Some("審査 次郎"), Some(3), Some(false)));
    web.get(&format!("/admin/users/{id}?lang=en")).await.assert_page(200, &["Reactivate the account"]);
}

#[actix_web::test]
async fn the_call_form_takes_yearly_budgets_and_the_selection_stages() {
    let app = TestApp::spawn().await;
    let web = officer(&app).await;
    let form = web.get("/admin/calls/new").await;
    form.assert_page(200, &["年度別予算", "選考の段階", "name=\"selection_stages\" value=\"1\" checked", "name=\"budget.0.year\""]);
    let csrf = form.csrf();
    let mut fields = call_fields(&csrf);
    fields.extend([
        ("selection_stages", "2"),
        ("budget.0.year", "2027"),
        ("budget.0.yen", "lots"),
        ("budget.1.year", ""),
        ("budget.1.yen", ""),
        ("budget.2.year", "2026"),
        ("budget.2.yen", "1,000,000,000"),
    ]);
    // A row that is not a number is refused at once, beside its row, keeping what was typed.
    let refused = web.post("/admin/calls", &fields).await;
    refused.assert_page(422, &["id=\"budget-0-error\"", "enter the budget in yen as a whole number", "value=\"lots\"", "value=\"2\" checked"]);
    fields[15] = ("budget.0.yen", "5,000,000,000");
    // The use-case's problem (a year before the call's) lands beside the row of that year; the blank row is gone.
    let refused = web.post("/admin/calls", &fields).await;
    refused.assert_page(422, &["id=\"budget-1-error\"", "value=\"2026\""]);
    assert!(!refused.text.contains("id=\"budget-0-error\""), "{}", refused.text);
    assert_eq!(api(&app, "/api/v1/calls").await["total"], 0, "a refused form creates nothing");
    fields[18] = ("budget.2.year", "2028");
    web.post("/admin/calls", &fields).await.assert_redirect("/admin/calls/");
    let call = api(&app, "/api/v1/calls").await["items"][0].clone();
    assert_eq!(call["selection_stages"], 2);
    assert_eq!(call["budget_by_year"], serde_json::json!({ "2027": 5_000_000_000_i64, "2028": 1_000_000_000_i64 }));
    let id = call["id"].as_str().unwrap();
    web.get(&format!("/admin/calls/{id}/edit")).await.assert_page(200, &["value=\"2028\"", "value=\"5,000,000,000\"", "value=\"2\" checked"]);
}

#[actix_web::test]
async fn the_decision_form_spreads_the_award_over_fiscal_years_within_their_budgets() {
    use crate::projects::{B, call_with_year_budgets};
    let app = TestApp::spawn().await;
    let (call, p) = call_with_year_budgets(&app, 3 * B, &[("miyagi", "04", &[], 3 * B), ("kyoto", "26", &[], 3 * B)]).await;
    let reviewer = expert(&app, "九州大学", Some("40"), &["materials"], None).await;
    for id in &p {
        let a = assign(&app, &call, id, &reviewer).await.str("id");
        review(&app, &reviewer, &a, ["S", "A", "B"]).await;
    }
    let web = officer(&app).await;
    let page = web.get(&format!("/admin/calls/{call}/ranking")).await;
    page.assert_page(200, &["年度別の配分", "name=\"schedule.2026\"", "name=\"schedule.2035\""]);
    let csrf = page.csrf();
    let decide = |proposal: &str, amount: &'static str, years: Vec<(&'static str, &'static str)>| {
        let mut form = vec![("csrf".to_string(), csrf.clone()), ("outcome".into(), "adopted".into()), ("awarded_amount_yen".into(), amount.to_string())];
        form.extend(years.into_iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let path = format!("/admin/calls/{call}/decisions/{proposal}");
        let web = &web;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            web.post(&path, &pairs).await
        }
    };
    let (a, b) = (&p[0], &p[1]);
    decide(a, "3,000,000,000", vec![("schedule.2026", "1,000,000,000"), ("schedule.2027", "x")])
        .await
        .assert_page(422, &[&format!("id=\"schedule-{a}-2027-error\""), "enter the amount in yen as a whole number", "value=\"x\""]);
    decide(a, "3,000,000,000", vec![("schedule.2026", "1,000,000,000"), ("schedule.2027", "1,000,000,000")]).await.assert_page(422, &[&format!("id=\"schedule-{a}-error\"")]);
    decide(a, "3,000,000,000", vec![("schedule.2026", "2,000,000,000"), ("schedule.2027", "1,000,000,000"), ("schedule.2028", "")])
        .await
        .assert_redirect(&format!("/admin/calls/{call}/ranking"));
    let saved = api(&app, &format!("/api/v1/proposals/{a}/decision")).await;
    assert_eq!(saved["schedule"], crate::projects::schedule(&[(2026, 2 * B), (2027, B)]));
    web.get(&format!("/admin/calls/{call}/ranking")).await.assert_page(200, &["name=\"schedule.2026\" value=\"2,000,000,000\""]);

    // 2026 has 1,000,000,000 left: the refusal sits beside that year, what was typed is kept.
    decide(b, "3,000,000,000", vec![("schedule.2026", "2,000,000,000"), ("schedule.2027", "1,000,000,000")])
        .await
        .assert_page(409, &[&format!("id=\"schedule-{b}-2026-error\""), "fiscal year 2026", "value=\"2,000,000,000\""]);
    // All blank: the whole award in the call's year.
    decide(b, "1,000,000,000", vec![("schedule.2026", ""), ("schedule.2027", "")]).await.assert_redirect(&format!("/admin/calls/{call}/ranking"));
    assert_eq!(api(&app, &format!("/api/v1/proposals/{b}/decision")).await["schedule"], crate::projects::schedule(&[(2026, B)]));
}
