//! The funding report: granted and scheduled money per fiscal year and lead prefecture.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::projects::{B, funded, project_of};

fn line(prefecture: &str, region: &str, year: i32, granted: i64, scheduled: i64, projects: i64) -> Value {
    json!({ "prefecture_code": prefecture, "region": region, "fiscal_year": year, "granted_yen": granted, "scheduled_yen": scheduled, "projects": projects })
}

/// The report's items without the Japanese region name (checked once on its own).
async fn report(app: &TestApp, query: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/reports/funding{query}")).token(&app.admin.token).send().await;
    res.assert_status(200);
    let mut items = res.body["items"].as_array().unwrap().clone();
    for item in &mut items {
        item.as_object_mut().unwrap().remove("region_name_ja");
    }
    items
}

#[actix_web::test]
async fn the_report_adds_up_each_year_by_lead_prefecture_and_region() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let single = project_of(&app, &f.call, &f.single).await["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/projects/{single}/grants/2026")).token(&app.admin.token).send().await.assert_status(200);

    // Aomori (Tohoku) has its 2026 granted; Tokyo (Kanto) leads the joint project, nothing granted yet.
    assert_eq!(report(&app, "?fiscal_year=2026").await, [line("02", "tohoku", 2026, B, B, 1), line("13", "kanto", 2026, 0, B, 1)]);
    assert_eq!(
        report(&app, "").await,
        [line("02", "tohoku", 2026, B, B, 1), line("13", "kanto", 2026, 0, B, 1), line("13", "kanto", 2027, 0, B, 1)],
        "every year, by year then prefecture; Saitama, a partner, has no line"
    );
    assert!(report(&app, "?fiscal_year=2031").await.is_empty());
    let res = app.get("/api/v1/reports/funding?fiscal_year=2026").token(&app.admin.token).send().await;
    assert_eq!(res.body["items"][1]["region_name_ja"], "関東地方");
    app.get("/api/v1/reports/funding?fiscal_year=next").token(&app.admin.token).send().await.assert_status(422);

    let csv = app.get("/api/v1/reports/funding?fiscal_year=2026").token(&app.admin.token).header("Accept", "text/csv").send().await;
    csv.assert_status(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(csv.header("content-disposition").unwrap(), "attachment; filename=\"funding-2026.csv\"");
    let text = String::from_utf8(csv.bytes.clone()).unwrap();
    let text = text.strip_prefix('\u{FEFF}').expect("a byte-order mark for Excel");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines, [
        "prefecture_code,region,region_name_ja,fiscal_year,granted_yen,scheduled_yen,projects",
        "02,tohoku,東北地方,2026,1000000000,1000000000,1",
        "13,kanto,関東地方,2026,0,1000000000,1",
    ]);
    let all = app.get("/api/v1/reports/funding?format=csv").token(&app.admin.token).send().await;
    assert_eq!(all.header("content-disposition").unwrap(), "attachment; filename=\"funding-all.csv\"");
}

#[actix_web::test]
async fn a_terminated_projects_ungranted_years_are_no_longer_scheduled() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/projects/{joint}/conditions/clear")).token(&app.admin.token).json(&json!({ "note": "済" })).send().await.assert_status(200);
    app.post(&format!("/api/v1/projects/{joint}/grants/2026")).token(&app.admin.token).send().await.assert_status(200);
    app.post(&format!("/api/v1/projects/{joint}/phase")).token(&app.admin.token).json(&json!({ "to": "terminated", "reason": "拠点整備の断念" })).send().await.assert_status(200);
    assert_eq!(
        report(&app, "").await,
        [line("02", "tohoku", 2026, 0, B, 1), line("13", "kanto", 2026, B, B, 1)],
        "granted money stays; Tokyo's 2027 is no longer planned"
    );
}

#[actix_web::test]
async fn only_program_officers_read_the_funding_report() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    app.get("/api/v1/reports/funding").token(&f.tokyo.token).send().await.assert_problem(403, "forbidden");
    app.get("/api/v1/reports/funding").send().await.assert_status(401);
}
