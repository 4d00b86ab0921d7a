//! Projects after adoption: award schedules within yearly budgets, projects created at
//! publication, conditions, annual grants and stage gates.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::fixtures::{call_body_at, call_under_review_of, expert};
use crate::helpers::{TestApp, TestUser};

pub const B: i64 = 1_000_000_000;

/// A call of fiscal year 2026 budgeting `per_year` in 2026 and in 2027, under review with one
/// proposal per `(tag, prefecture, requested)`.
pub async fn call_with_year_budgets(app: &TestApp, per_year: i64, proposals: &[(&str, &str, &[&str], i64)]) -> (String, Vec<String>) {
    let mut body = call_body_at("lab_construction", app.state.now());
    body["total_budget_yen"] = json!(10 * B);
    body["budget_by_year"] = json!({ "2026": per_year, "2027": per_year });
    call_under_review_of(app, &body, proposals).await
}

pub fn schedule(years: &[(i32, i64)]) -> Value {
    Value::Array(years.iter().map(|(y, a)| json!({ "fiscal_year": y, "amount_yen": a })).collect())
}

pub async fn decide_with(app: &TestApp, proposal: &str, outcome: &str, amount: i64, years: Option<&[(i32, i64)]>) -> crate::helpers::Response {
    let mut body = json!({ "outcome": outcome, "awarded_amount_yen": amount, "feedback": "審査委員会の所見" });
    if outcome == "conditionally_adopted" {
        body["conditions"] = json!("運営体制に地元金融機関を加えること");
    }
    if let Some(years) = years {
        body["schedule"] = schedule(years);
    }
    app.put(&format!("/api/v1/proposals/{proposal}/decision")).token(&app.admin.token).json(&body).send().await
}

#[actix_web::test]
async fn a_schedule_runs_from_the_calls_year_and_sums_to_the_award() {
    let app = TestApp::spawn().await;
    let (_, p) = call_with_year_budgets(&app, 5 * B, &[("a", "01", &[], 3 * B)]).await;
    let res = decide_with(&app, &p[0], "adopted", 3 * B, Some(&[(2026, B), (2028, 2 * B)])).await;
    res.assert_problem(422, "validation_failed");
    res.assert_field_error("schedule[1].fiscal_year", "not_consecutive");
    let res = decide_with(&app, &p[0], "adopted", 3 * B, Some(&[(2026, B), (2027, B)])).await;
    res.assert_field_error("schedule", "sum_mismatch");
    let res = decide_with(&app, &p[0], "rejected", 0, Some(&[(2026, 0)])).await;
    res.assert_field_error("schedule", "not_applicable");

    let res = decide_with(&app, &p[0], "adopted", 3 * B, Some(&[(2026, B), (2027, 2 * B)])).await;
    res.assert_status(200);
    assert_eq!(res.body["schedule"], schedule(&[(2026, B), (2027, 2 * B)]));
    // Without a schedule the whole award falls in the call's fiscal year.
    let res = decide_with(&app, &p[0], "adopted", 2 * B, None).await;
    res.assert_status(200);
    assert_eq!(res.body["schedule"], schedule(&[(2026, 2 * B)]));
    let res = decide_with(&app, &p[0], "rejected", 0, None).await;
    assert_eq!(res.body["schedule"], json!([]));
}

#[actix_web::test]
async fn no_fiscal_year_of_the_awards_exceeds_its_budget() {
    let app = TestApp::spawn().await;
    let (call, p) = call_with_year_budgets(&app, 3 * B, &[("a", "01", &[], 3 * B), ("b", "02", &[], 3 * B)]).await;
    let shown = app.get(&format!("/api/v1/calls/{call}")).token(&app.admin.token).send().await;
    assert_eq!(shown.body["budget_by_year"], json!({ "2026": 3 * B, "2027": 3 * B }));
    decide_with(&app, &p[0], "adopted", 3 * B, Some(&[(2026, 2 * B), (2027, B)])).await.assert_status(200);
    let res = decide_with(&app, &p[1], "adopted", 3 * B, Some(&[(2026, B + 1), (2027, 2 * B - 1)])).await;
    res.assert_problem(409, "budget_exceeded");
    assert_eq!(res.body["fiscal_year"], 2026);
    assert_eq!(res.body["remaining_yen"], B);
    // Exactly what is left of each year fits.
    decide_with(&app, &p[1], "adopted", 3 * B, Some(&[(2026, B), (2027, 2 * B)])).await.assert_status(200);
    // A year the call does not budget is not limited by the others.
    decide_with(&app, &p[0], "adopted", 3 * B, Some(&[(2026, 0), (2027, 0), (2028, 3 * B)])).await.assert_status(200);
}

#[actix_web::test]
async fn yearly_budgets_lie_within_the_calls_years_and_total() {
    let app = TestApp::spawn().await;
    let mut body = call_body_at("lab_construction", app.state.now());
    body["budget_by_year"] = json!({ "2025": B, "2027": 70_000_000_000_i64 });
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await;
    res.assert_problem(422, "validation_failed");
    res.assert_field_error("budget_by_year.2025", "out_of_range");
    res.assert_field_error("budget_by_year.2027", "exceeds_total_budget");
}

#[actix_web::test]
async fn concurrent_decisions_against_a_yearly_budget_cannot_both_win() {
    let app = TestApp::spawn().await;
    let (call, p) = call_with_year_budgets(&app, 3 * B, &[("a", "01", &[], 3 * B), ("b", "02", &[], 3 * B)]).await;
    // Each fits the total budget and the call's year alone; together they overrun 2027.
    let body = json!({ "outcome": "adopted", "awarded_amount_yen": 3 * B, "schedule": schedule(&[(2026, B), (2027, 2 * B)]) });
    let results = join_all(p.iter().map(|id| app.put(&format!("/api/v1/proposals/{id}/decision")).token(&app.admin.token).json(&body).send())).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses == [200, 409] || statuses == [409, 200], "{statuses:?}");
    let refused = results.iter().find(|r| r.status.as_u16() == 409).unwrap();
    assert_eq!(refused.body["code"], "budget_exceeded");
    assert_eq!(refused.body["fiscal_year"], 2027);
    let listed = app.get(&format!("/api/v1/calls/{call}/decisions")).token(&app.admin.token).send().await;
    assert_eq!(listed.body["total"], 1);
}

pub struct Funded {
    pub call: String,
    /// Tokyo leads with Saitama as partner: conditionally adopted over 2026–2027.
    pub joint: String,
    /// Aomori alone: adopted for 2026 only.
    pub single: String,
    pub tokyo: TestUser,
    pub saitama: TestUser,
    pub aomori: TestUser,
}

/// A call of fiscal year 2026 with its decisions published: two projects.
pub async fn funded(app: &TestApp) -> Funded {
    let crate::fixtures::JointAndSingle { call, joint, single, tokyo, saitama, aomori } = crate::fixtures::joint_and_single(app).await;
    crate::fixtures::close_and_review(app, &call, &[&joint, &single]).await;
    decide_with(app, &joint, "conditionally_adopted", 2 * B, Some(&[(2026, B), (2027, B)])).await.assert_status(200);
    decide_with(app, &single, "adopted", B, None).await.assert_status(200);
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_status(200);
    Funded { call, joint, single, tokyo, saitama, aomori }
}

pub async fn project_of(app: &TestApp, call: &str, proposal: &str) -> Value {
    let list = app.get(&format!("/api/v1/projects?call_id={call}")).token(&app.admin.token).send().await;
    list.assert_status(200);
    list.body["items"].as_array().unwrap().iter().find(|p| p["proposal_id"] == proposal).cloned().expect("a project for the proposal")
}

#[actix_web::test]
async fn publication_makes_a_project_of_every_adoption_seen_by_its_prefectures() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let list = app.get(&format!("/api/v1/projects?call_id={}", f.call)).token(&app.admin.token).send().await;
    assert_eq!(list.body["total"], 2);
    let joint = project_of(&app, &f.call, &f.joint).await;
    assert_eq!(joint["phase"], "active");
    assert_eq!(joint["lead_prefecture_code"], "13");
    assert_eq!(joint["partner_prefecture_codes"], json!(["11"]));
    assert_eq!(joint["conditions_cleared"], false);
    assert_eq!(joint["schedule"], json!([
        { "fiscal_year": 2026, "amount_yen": B, "granted_at": null },
        { "fiscal_year": 2027, "amount_yen": B, "granted_at": null }
    ]));
    let single = project_of(&app, &f.call, &f.single).await;
    assert_eq!(single["conditions_cleared"], true, "nothing to clear in an unconditional adoption");
    assert_eq!(single["schedule"], json!([{ "fiscal_year": 2026, "amount_yen": B, "granted_at": null }]));

    let id = joint["id"].as_str().unwrap();
    for officer in [&f.tokyo, &f.saitama] {
        let mine = app.get("/api/v1/projects").token(&officer.token).send().await;
        assert_eq!(mine.body["total"], 1, "{}", mine.body);
        app.get(&format!("/api/v1/projects/{id}")).token(&officer.token).send().await.assert_status(200);
    }
    app.get(&format!("/api/v1/projects/{id}")).token(&f.aomori.token).send().await.assert_problem(404, "not_found");
    let reviewer = expert(&app, "東北大学", Some("04"), &[], None).await;
    app.get("/api/v1/projects").token(&reviewer.token).send().await.assert_status(403);
    assert_eq!(crate::fixtures::audit_actions(&app, "project", id).await, ["project_created"]);
}

#[actix_web::test]
async fn money_is_granted_once_a_year_after_the_conditions_are_cleared() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let id = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    let grant = |year: i32| app.post(&format!("/api/v1/projects/{id}/grants/{year}")).token(&app.admin.token).send();
    grant(2026).await.assert_problem(409, "conditions_open");
    app.post(&format!("/api/v1/projects/{id}/conditions/clear")).token(&f.tokyo.token).json(&json!({ "note": "済" })).send().await.assert_status(403);
    app.post(&format!("/api/v1/projects/{id}/conditions/clear")).token(&app.admin.token).json(&json!({ "note": " " })).send().await.assert_field_error("note", "required");
    let cleared = app.post(&format!("/api/v1/projects/{id}/conditions/clear")).token(&app.admin.token).json(&json!({ "note": "運営委員会に地元金融機関が加わった" })).send().await;
    cleared.assert_status(200);
    assert_eq!(cleared.body["conditions_cleared"], true);
    assert_eq!(cleared.body["conditions_note"], "運営委員会に地元金融機関が加わった");

    let res = grant(2026).await;
    res.assert_status(200);
    assert_eq!(res.body["amount_yen"], B);
    assert!(res.body["granted_at"].is_string());
    let email = app.last_email_to(&f.tokyo.email).await;
    assert!(email.subject.contains("交付決定") && email.subject.contains("Grant"), "{}", email.subject);
    assert!(email.body.contains("1,000,000,000 円") && email.body.contains(&format!("/projects/{id}")), "{}", email.body);
    grant(2026).await.assert_problem(409, "already_granted");
    grant(2030).await.assert_problem(404, "not_found");
    let shown = app.get(&format!("/api/v1/projects/{id}")).token(&f.saitama.token).send().await;
    assert!(shown.body["schedule"][0]["granted_at"].is_string());
    assert!(shown.body["schedule"][1]["granted_at"].is_null());

    // A stage gate by hand ends the project: nothing more is granted.
    let body = json!({ "to": "terminated", "reason": "拠点整備の断念" });
    app.post(&format!("/api/v1/projects/{id}/phase")).token(&app.admin.token).json(&json!({ "to": "terminated", "reason": "" })).send().await.assert_field_error("reason", "required");
    let ended = app.post(&format!("/api/v1/projects/{id}/phase")).token(&app.admin.token).json(&body).send().await;
    ended.assert_status(200);
    assert_eq!(ended.body["phase"], "terminated");
    assert_eq!(ended.body["phase_reason"], "拠点整備の断念");
    grant(2027).await.assert_problem(409, "invalid_state");
    app.post(&format!("/api/v1/projects/{id}/phase")).token(&app.admin.token).json(&json!({ "to": "completed", "reason": "x" })).send().await.assert_problem(409, "invalid_state");
    let actions = crate::fixtures::audit_actions(&app, "project", &id).await;
    assert_eq!(actions, ["project_phase_changed", "grant_made", "project_conditions_cleared", "project_created"]);
}
