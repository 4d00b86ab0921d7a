//! The project pages over HTTP: the lead prefecture's project page and home section, the program
//! officer's project list, project page and its three actions, and the funding report page.

use serde_json::Value;

use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp};
use crate::pages::Browser;
use crate::projects::{funded, project_of};

async fn officer(app: &TestApp) -> Browser<'_> {
    let web = Browser::new(app);
    web.sign_in(ADMIN_EMAIL, PASSWORD).await.assert_redirect("/");
    web
}

async fn project(app: &TestApp, id: &str) -> Value {
    let res = app.get(&format!("/api/v1/projects/{id}")).token(&app.admin.token).send().await;
    res.assert_status(200);
    res.body
}

#[actix_web::test]
async fn the_lead_prefecture_sees_its_project_and_lists_it_on_its_home() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    let web = Browser::new(&app);
    web.sign_in(&f.tokyo.email, PASSWORD).await.assert_redirect("/");
    web.get("/").await.assert_page(200, &["採択課題", &format!("href=\"/projects/{joint}\""), "実施中", "2026 1,000,000,000円"]);
    web.get(&format!("/projects/{joint}")).await.assert_page(
        200,
        &["capital 地域産学官共同研究拠点", "東京都", "埼玉県", "運営体制に地元金融機関を加えること", "未解除", "年度別の交付予定", "2027", "1,000,000,000円", "2,000,000,000円", "未交付", "成果指標（KPI）", "実績報告", "実績報告はまだありません。", "評価はまだありません。"],
    );
    let en = web.get(&format!("/projects/{joint}?lang=en")).await;
    en.assert_page(200, &["Schedule by fiscal year", "¥1,000,000,000", "Not yet granted", "Tokyo"]);
    assert!(!en.text.contains("/admin/projects"), "no officer action on the prefecture's page");

    // A prefecture not taking part finds nothing; a program officer is sent to the officer's page.
    let other = Browser::new(&app);
    other.sign_in(&f.aomori.email, PASSWORD).await;
    other.get(&format!("/projects/{joint}")).await.assert_page(404, &[]);
    Browser::new(&app).get(&format!("/projects/{joint}")).await.assert_redirect("/login?next=");
    officer(&app).await.get(&format!("/projects/{joint}")).await.assert_redirect(&format!("/admin/projects/{joint}"));
}

#[actix_web::test]
async fn the_officer_lists_a_calls_projects_and_clears_grants_and_ends_one() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    let web = officer(&app).await;
    web.get(&format!("/admin/calls/{}", f.call)).await.assert_page(200, &[&format!("href=\"/admin/projects?call_id={}\"", f.call)]);
    web.get(&format!("/admin/projects?call_id={}", f.call)).await.assert_page(200, &["capital 地域産学官共同研究拠点", "north 地域産学官共同研究拠点", "青森県", "未解除", "条件なしの採択"]);
    let page = web.get(&format!("/admin/projects/{joint}")).await;
    page.assert_page(200, &["採択条件を解除", "交付決定へ", "完了・中止"]);
    let csrf = page.csrf();

    // Granting before the conditions are cleared: the confirmation says why, nothing is granted.
    web.get(&format!("/admin/projects/{joint}/grants/2026")).await.assert_page(409, &["採択条件が解除されていないため"]);
    web.post(&format!("/admin/projects/{joint}/grants/2026"), &[("csrf", &csrf)]).await.assert_page(409, &["採択条件が解除されていないため", "role=\"alert\""]);

    // Clearing the conditions: refused without the token, the missing note shown beside its field.
    web.post(&format!("/admin/projects/{joint}/conditions"), &[("note", "済")]).await.assert_page(403, &[]);
    web.post(&format!("/admin/projects/{joint}/conditions"), &[("csrf", &csrf), ("note", " ")]).await.assert_page(422, &["id=\"note-error\""]);
    assert_eq!(project(&app, &joint).await["conditions_cleared"], false);
    web.post(&format!("/admin/projects/{joint}/conditions"), &[("csrf", &csrf), ("note", "地元金融機関が参画")]).await.assert_redirect(&format!("/admin/projects/{joint}?done="));
    web.get(&format!("/admin/projects/{joint}?done=conditions")).await.assert_page(200, &["記録しました。", "解除済み", "地元金融機関が参画"]);

    // The confirmation names the amount and who is emailed, and grants nothing itself.
    let confirm = web.get(&format!("/admin/projects/{joint}/grants/2026")).await;
    confirm.assert_page(200, &["交付決定の確認", "1,000,000,000円", &f.tokyo.email]);
    assert!(project(&app, &joint).await["schedule"][0]["granted_at"].is_null());
    web.post(&format!("/admin/projects/{joint}/grants/2026"), &[]).await.assert_page(403, &[]);
    web.post(&format!("/admin/projects/{joint}/grants/2026"), &[("csrf", &confirm.csrf())]).await.assert_redirect(&format!("/admin/projects/{joint}?done=grant"));
    assert!(project(&app, &joint).await["schedule"][0]["granted_at"].is_string());
    assert!(app.last_email_to(&f.tokyo.email).await.subject.contains("交付決定"));
    web.post(&format!("/admin/projects/{joint}/grants/2026"), &[("csrf", &csrf)]).await.assert_page(409, &["この年度は交付決定済みです。"]);
    web.get(&format!("/admin/projects/{joint}")).await.assert_page(200, &["交付決定済み", "1,000,000,000円"]);

    // Ending it: the reason is required, beside its field, and the choice is kept.
    web.post(&format!("/admin/projects/{joint}/phase"), &[("to", "terminated"), ("reason", "x")]).await.assert_page(403, &[]);
    web.post(&format!("/admin/projects/{joint}/phase"), &[("csrf", &csrf), ("to", "terminated"), ("reason", "")]).await.assert_page(422, &["id=\"reason-error\"", "value=\"terminated\" checked"]);
    web.post(&format!("/admin/projects/{joint}/phase"), &[("csrf", &csrf), ("reason", "断念")]).await.assert_page(422, &["id=\"to-error\"", "断念"]);
    web.post(&format!("/admin/projects/{joint}/phase"), &[("csrf", &csrf), ("to", "terminated"), ("reason", "拠点整備の断念")]).await.assert_redirect(&format!("/admin/projects/{joint}?done=phase"));
    assert_eq!(project(&app, &joint).await["phase"], "terminated");
    let ended = web.get(&format!("/admin/projects/{joint}")).await;
    ended.assert_page(200, &["中止", "拠点整備の断念"]);
    assert!(!ended.text.contains("交付決定へ"), "nothing is granted to a terminated project");
    web.post(&format!("/admin/projects/{joint}/phase"), &[("csrf", &csrf), ("to", "completed"), ("reason", "x")]).await.assert_page(409, &["role=\"alert\""]);
    web.get(&format!("/admin/projects/{joint}?lang=en")).await.assert_page(200, &["Terminated", "Schedule by fiscal year", "¥1,000,000,000"]);

    // Prefecture officers never open these pages.
    let tokyo = Browser::new(&app);
    tokyo.sign_in(&f.tokyo.email, PASSWORD).await;
    tokyo.get(&format!("/admin/projects/{joint}")).await.assert_page(403, &[]);
}

#[actix_web::test]
async fn the_funding_report_page_shows_a_year_and_downloads_its_csv() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let single = project_of(&app, &f.call, &f.single).await["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/projects/{single}/grants/2026")).token(&app.admin.token).send().await.assert_status(200);
    let web = officer(&app).await;
    let all = web.get("/admin/reports/funding").await;
    all.assert_page(200, &["資金投入状況", "青森県", "東北地方", "東京都", "関東地方", "<option value=\"2027\">", "3,000,000,000円", "href=\"/admin/reports/funding.csv?fiscal_year=\""]);
    let year = web.get("/admin/reports/funding?fiscal_year=2027").await;
    year.assert_page(200, &["<option value=\"2027\" selected>", "href=\"/admin/reports/funding.csv?fiscal_year=2027\""]);
    assert!(!year.text.contains("青森県"), "Aomori has nothing in 2027");
    web.get("/admin/reports/funding?fiscal_year=next").await.assert_page(422, &["年度は数字"]);
    web.get("/admin/reports/funding?lang=en").await.assert_page(200, &["Funding report", "Tohoku", "¥1,000,000,000"]);

    let csv = web.get("/admin/reports/funding.csv?fiscal_year=2026").await;
    assert_eq!(csv.status, 200);
    let text = csv.text.strip_prefix('\u{FEFF}').expect("a byte-order mark for Excel");
    assert!(text.starts_with("prefecture_code,region,region_name_ja,fiscal_year,granted_yen,scheduled_yen,projects\n02,tohoku,東北地方,2026,1000000000,1000000000,1\n"), "{text}");
}
