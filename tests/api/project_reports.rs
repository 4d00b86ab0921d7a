//! 実績報告: drafts and the locked submission of each scheduled fiscal year's progress report,
//! who may write and read them, and the program officer's KPI progress view.

use futures_util::future::join;
use serde_json::{Value, json};

use crate::fixtures::{close_and_review, complete_content, create_proposal, endorse_all, open_call};
use crate::helpers::{Response, TestApp, TestUser};
use crate::projects::{B, decide_with, funded, project_of};

const OUTCOMES: [&str; 9] = [
    "papers",
    "patents_domestic_filed",
    "patents_domestic_granted",
    "patents_foreign_filed",
    "patents_foreign_granted",
    "products",
    "revenue_yen",
    "press",
    "awards",
];

/// A regional co-creation proposal's content: jobs rising from 0 to "300人" by FY2030, CO2
/// falling from 1000 t to 600 t by FY2028 (the call's fiscal year is 2026).
fn co_creation_content(tag: &str, lead: &str, partners: &[&str]) -> Value {
    let mut content = complete_content(tag, lead, partners);
    let fields = content.as_object_mut().unwrap();
    fields.remove("construction_type");
    fields.remove("land_provided");
    fields.insert("regional_vision".into(), json!("2040年、産学官の共創で若者が集う地域"));
    fields.insert(
        "kpis".into(),
        json!([
            { "name": "新規雇用", "baseline": 0, "target": "300人", "target_fiscal_year": 2030 },
            { "name": "CO2排出量", "baseline": "1,000t", "target": 600, "target_fiscal_year": 2028 }
        ]),
    );
    fields.insert(
        "members".into(),
        json!([
            { "kind": "university", "name": "地域大学" },
            { "kind": "company", "name": "地域製作所" },
            { "kind": "municipality", "name": "地域市" }
        ]),
    );
    content
}

pub struct CoCreation {
    pub call: String,
    /// Tokyo leads with Saitama as partner.
    pub joint: String,
    /// Aomori alone.
    pub single: String,
    pub tokyo: TestUser,
    pub saitama: TestUser,
    pub aomori: TestUser,
}

/// A regional co-creation call of FY2026 with two projects, each scheduled over 2026–2027.
pub async fn co_created(app: &TestApp) -> CoCreation {
    let call = open_call(app, "regional_co_creation").await;
    let tokyo = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let aomori = app.applicant("02").await;
    let joint = create_proposal(app, &tokyo, &call, &co_creation_content("vision", "13", &["11"])).await.str("id");
    app.post(&format!("/api/v1/proposals/{joint}/partners/11/confirm")).token(&saitama.token).send().await.assert_status(200);
    let single = create_proposal(app, &aomori, &call, &co_creation_content("north", "02", &[])).await.str("id");
    for (id, officer, tag) in [(&joint, &tokyo, "vision"), (&single, &aomori, "north")] {
        endorse_all(app, officer, id, tag).await;
        app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await.assert_status(200);
    }
    close_and_review(app, &call, &[&joint, &single]).await;
    for id in [&joint, &single] {
        decide_with(app, id, "adopted", 2 * B, Some(&[(2026, B), (2027, B)])).await.assert_status(200);
    }
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_status(200);
    let joint = project_of(app, &call, &joint).await["id"].as_str().unwrap().to_string();
    let single = project_of(app, &call, &single).await["id"].as_str().unwrap().to_string();
    CoCreation { call, joint, single, tokyo, saitama, aomori }
}

fn outcomes(value: i64) -> Value {
    Value::Object(OUTCOMES.iter().map(|k| (k.to_string(), json!(value))).collect())
}

/// A complete report body: the two KPIs' actuals, every outcome count, a narrative.
fn complete_report(jobs: Value, co2: Value) -> Value {
    json!({
        "kpis": [{ "name": "新規雇用", "actual": jobs }, { "name": "CO2排出量", "actual": co2 }],
        "outcomes": outcomes(2),
        "narrative": "拠点の本格稼働により共同研究が拡大した。"
    })
}

async fn put_report(app: &TestApp, user: &TestUser, project: &str, year: i32, body: &Value) -> Response {
    app.put(&format!("/api/v1/projects/{project}/reports/{year}")).token(&user.token).json(body).send().await
}

async fn submit_report(app: &TestApp, user: &TestUser, project: &str, year: i32) -> Response {
    app.post(&format!("/api/v1/projects/{project}/reports/{year}/submit")).token(&user.token).send().await
}

async fn reports_of(app: &TestApp, token: &str, project: &str) -> Response {
    app.get(&format!("/api/v1/projects/{project}/reports")).token(token).send().await
}

#[actix_web::test]
async fn a_draft_is_saved_then_submitted_once_everything_is_there_and_stays_locked() {
    let app = TestApp::spawn().await;
    let c = co_created(&app).await;
    let draft = json!({ "kpis": [{ "name": "新規雇用", "actual": "40人" }], "outcomes": { "papers": 3, "revenue_yen": 0 } });
    let saved = put_report(&app, &c.tokyo, &c.joint, 2026, &draft).await;
    saved.assert_status(200);
    assert_eq!(saved.body["status"], "draft");
    assert_eq!(saved.body["fiscal_year"], 2026);
    assert_eq!(saved.body["kpis"], json!([{ "name": "新規雇用", "actual": "40人" }]));
    assert_eq!(saved.body["outcomes"]["papers"], 3);
    assert!(saved.body["outcomes"]["awards"].is_null());
    assert!(saved.body["submitted_at"].is_null());
    assert_eq!(saved.header("etag").as_deref(), Some("\"1\""));

    // Submitting the partial draft lists every gap at once and changes nothing.
    let refused = submit_report(&app, &c.tokyo, &c.joint, 2026).await;
    refused.assert_problem(422, "validation_failed");
    let mut gaps: Vec<String> = refused.body["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    gaps.sort();
    let mut expected: Vec<String> = OUTCOMES
        .iter()
        .filter(|o| !["papers", "revenue_yen"].contains(o))
        .map(|o| format!("outcomes.{o}:required"))
        .chain(["kpis.CO2排出量:required".to_string(), "narrative:required".to_string()])
        .collect();
    expected.sort();
    assert_eq!(gaps, expected);
    let listed = reports_of(&app, &c.saitama.token, &c.joint).await;
    assert_eq!(listed.body["items"][0]["status"], "draft");

    // A stale If-Match is refused; the current one is taken.
    let complete = complete_report(json!("90人"), json!(780.0));
    app.put(&format!("/api/v1/projects/{}/reports/2026", c.joint)).token(&c.tokyo.token).header("If-Match", "\"7\"").json(&complete).send().await.assert_problem(412, "version_conflict");
    let full = app.put(&format!("/api/v1/projects/{}/reports/2026", c.joint)).token(&c.tokyo.token).header("If-Match", "\"1\"").json(&complete).send().await;
    full.assert_status(200);
    assert_eq!(full.body["version"], 2);

    let submitted = submit_report(&app, &c.tokyo, &c.joint, 2026).await;
    submitted.assert_status(200);
    assert_eq!(submitted.body["status"], "submitted");
    assert!(submitted.body["submitted_at"].is_string());
    assert_eq!(submitted.body["outcomes"], outcomes(2));
    put_report(&app, &c.tokyo, &c.joint, 2026, &complete).await.assert_problem(409, "report_locked");
    submit_report(&app, &c.tokyo, &c.joint, 2026).await.assert_problem(409, "report_locked");
    let shown = reports_of(&app, &app.admin.token, &c.joint).await;
    assert_eq!(shown.body["items"][0]["kpis"], complete["kpis"], "the locked report is what was submitted");
    assert_eq!(crate::fixtures::audit_actions(&app, "project", &c.joint).await[..3], ["report_submitted", "report_saved", "report_saved"]);

    // The next year is a report of its own.
    put_report(&app, &c.tokyo, &c.joint, 2027, &json!({ "kpis": null, "outcomes": null, "narrative": null })).await.assert_status(200);
    let years: Vec<Value> = reports_of(&app, &c.tokyo.token, &c.joint).await.body["items"].as_array().unwrap().iter().map(|r| r["fiscal_year"].clone()).collect();
    assert_eq!(years, [json!(2026), json!(2027)]);
}

#[actix_web::test]
async fn a_report_names_only_the_projects_kpis_and_counts_nothing_negative() {
    let app = TestApp::spawn().await;
    let c = co_created(&app).await;
    let mut body = complete_report(json!(10), json!(900));
    body["kpis"] = json!([{ "name": "新規雇用", "actual": 10 }, { "name": "観光客数", "actual": 5 }, { "name": "新規雇用", "actual": 11 }]);
    body["outcomes"]["papers"] = json!(-1);
    body["outcomes"]["revenue_yen"] = json!(-500);
    let res = put_report(&app, &c.tokyo, &c.joint, 2026, &body).await;
    res.assert_problem(422, "validation_failed");
    res.assert_field_error("kpis[1].name", "unknown_kpi");
    res.assert_field_error("kpis[2].name", "duplicate");
    res.assert_field_error("outcomes.papers", "negative");
    res.assert_field_error("outcomes.revenue_yen", "negative");
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 4, "{}", res.body);
    assert_eq!(reports_of(&app, &c.tokyo.token, &c.joint).await.body["total"], 0, "nothing saved");

    // Submitting with nothing saved lists everything.
    let res = submit_report(&app, &c.aomori, &c.single, 2027).await;
    res.assert_field_error("kpis.新規雇用", "required");
    res.assert_field_error("kpis.CO2排出量", "required");
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 2 + OUTCOMES.len() + 1);

    // Only scheduled years are reported.
    put_report(&app, &c.tokyo, &c.joint, 2028, &json!({})).await.assert_problem(404, "not_found");
    submit_report(&app, &c.tokyo, &c.joint, 2025).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn only_the_lead_prefecture_writes_a_report_and_its_partners_read_it() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    // A lab-construction project names no KPI: any name is unknown.
    let res = put_report(&app, &f.tokyo, &joint, 2026, &json!({ "kpis": [{ "name": "新規雇用", "actual": 1 }] })).await;
    res.assert_field_error("kpis[0].name", "unknown_kpi");

    let draft = json!({ "outcomes": { "papers": 4 }, "narrative": "研究棟の設計を完了" });
    put_report(&app, &f.saitama, &joint, 2026, &draft).await.assert_problem(403, "forbidden");
    put_report(&app, &app.admin, &joint, 2026, &draft).await.assert_problem(403, "forbidden");
    put_report(&app, &f.aomori, &joint, 2026, &draft).await.assert_problem(404, "not_found");
    put_report(&app, &f.tokyo, &joint, 2026, &draft).await.assert_status(200);
    submit_report(&app, &f.saitama, &joint, 2026).await.assert_problem(403, "forbidden");
    submit_report(&app, &app.admin, &joint, 2026).await.assert_problem(403, "forbidden");

    let seen = reports_of(&app, &f.saitama.token, &joint).await;
    seen.assert_status(200);
    assert_eq!(seen.body["total"], 1);
    assert_eq!(seen.body["items"][0]["narrative"], "研究棟の設計を完了");
    assert_eq!(seen.body["items"][0]["project_id"], joint.as_str());
    reports_of(&app, &app.admin.token, &joint).await.assert_status(200);
    reports_of(&app, &f.aomori.token, &joint).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn the_officer_sees_each_kpi_against_the_straight_line_to_its_target() {
    let app = TestApp::spawn().await;
    let c = co_created(&app).await;
    // FY2027 is a quarter of the way to the jobs target (0 → 300 by 2030: 75) and half of the
    // way to the CO2 target (1000 → 600 by 2028: 800).
    let ahead = complete_report(json!("90人"), json!("780t"));
    let behind = complete_report(json!(60), json!(850));
    for (officer, project, body) in [(&c.tokyo, &c.joint, &ahead), (&c.aomori, &c.single, &behind)] {
        put_report(&app, officer, project, 2026, &complete_report(json!(1), json!(1))).await.assert_status(200);
        submit_report(&app, officer, project, 2026).await.assert_status(200);
        put_report(&app, officer, project, 2027, body).await.assert_status(200);
        submit_report(&app, officer, project, 2027).await.assert_status(200);
    }

    let res = app.get(&format!("/api/v1/calls/{}/kpi-progress", c.call)).token(&app.admin.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["total"], 4);
    let item = |project: &str, kpi: &str| -> Value {
        res.body["items"].as_array().unwrap().iter().find(|i| i["project_id"] == project && i["kpi"] == kpi).cloned().unwrap_or_else(|| panic!("no {kpi} of {project} in {}", res.body))
    };
    assert_eq!(
        item(&c.joint, "新規雇用"),
        json!({ "project_id": c.joint, "kpi": "新規雇用", "baseline": 0.0, "target": "300人", "target_fiscal_year": 2030,
                "fiscal_year": 2027, "actual": "90人", "expected": 75.0, "on_track": true })
    );
    let co2 = item(&c.joint, "CO2排出量");
    assert_eq!((co2["expected"].as_f64(), co2["on_track"].as_bool()), (Some(800.0), Some(true)), "a falling target: 780 t is ahead of 800 t");
    let jobs = item(&c.single, "新規雇用");
    assert_eq!((jobs["actual"].as_f64(), jobs["expected"].as_f64(), jobs["on_track"].as_bool()), (Some(60.0), Some(75.0), Some(false)));
    let co2 = item(&c.single, "CO2排出量");
    assert_eq!((co2["expected"].as_f64(), co2["on_track"].as_bool()), (Some(800.0), Some(false)));

    app.get(&format!("/api/v1/calls/{}/kpi-progress", c.call)).token(&c.tokyo.token).send().await.assert_problem(403, "forbidden");
    app.get("/api/v1/calls/no-such-call/kpi-progress").token(&app.admin.token).send().await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_save_racing_the_submission_never_changes_a_submitted_report() {
    let app = TestApp::spawn().await;
    let c = co_created(&app).await;
    put_report(&app, &c.tokyo, &c.joint, 2026, &complete_report(json!(10), json!(900))).await.assert_status(200);
    let late = complete_report(json!(20), json!(880));
    let (saved, submitted) = join(put_report(&app, &c.tokyo, &c.joint, 2026, &late), submit_report(&app, &c.tokyo, &c.joint, 2026)).await;
    submitted.assert_status(200);
    let stored = reports_of(&app, &c.tokyo.token, &c.joint).await.body["items"][0].clone();
    assert_eq!(stored["status"], "submitted");
    match saved.status.as_u16() {
        // The save came first: it is what was submitted.
        200 => assert_eq!(stored["kpis"][0]["actual"], 20.0),
        409 => {
            assert_eq!(saved.body["code"], "report_locked");
            assert_eq!(stored["kpis"][0]["actual"], 10.0);
        }
        other => panic!("unexpected {other}: {}", saved.body),
    }
    assert_eq!(stored["kpis"], submitted.body["kpis"], "the submission answers what it locked");
}
