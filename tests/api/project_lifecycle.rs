//! A call through two fiscal years after adoption: schedules within yearly budgets, a
//! conditional adoption cleared, annual grants, progress reports with their refusals, an interim
//! round that raises one project, cuts another and terminates a third, an ex-post round that
//! completes the rest, and the funding report over it all.

use serde_json::{Value, json};

use crate::fixtures::{assign, call_body_at, call_under_review_of, expert, review};
use crate::helpers::{TestApp, TestUser};
use crate::projects::{B, decide_with, project_of};

struct Hubs {
    call: String,
    /// Miyagi: conditionally adopted, 2026–2027.
    strong: String,
    /// Aichi: adopted, 2026–2027.
    middling: String,
    /// Hiroshima: adopted, 2026–2027.
    weak: String,
    officers: [TestUser; 3],
}

/// A call of fiscal year 2026 budgeting 4 B yen in 2026 and `budget_2027` in 2027, with three
/// projects of 1 B yen a year each.
async fn three_projects(app: &TestApp, budget_2027: i64) -> Hubs {
    let mut body = call_body_at("lab_construction", app.state.now());
    body["total_budget_yen"] = json!(10 * B);
    body["budget_by_year"] = json!({ "2026": 4 * B, "2027": budget_2027 });
    let (call, p) = call_under_review_of(app, &body, &[("miyagi", "04", &[], 2 * B), ("aichi", "23", &[], 2 * B), ("hiroshima", "34", &[], 2 * B)]).await;
    let reviewer = expert(app, "九州大学", Some("40"), &[], None).await;
    for id in &p {
        let a = assign(app, &call, id, &reviewer).await.str("id");
        review(app, &reviewer, &a, ["A", "A", "A"]).await;
    }
    let years: &[(i32, i64)] = &[(2026, B), (2027, B)];
    decide_with(app, &p[0], "conditionally_adopted", 2 * B, Some(years)).await.assert_status(200);
    decide_with(app, &p[1], "adopted", 2 * B, Some(years)).await.assert_status(200);
    decide_with(app, &p[2], "adopted", 2 * B, Some(years)).await.assert_status(200);
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_status(200);
    let id = |proposal: &str| {
        let (app, call, proposal) = (app, call.clone(), proposal.to_string());
        async move { project_of(app, &call, &proposal).await["id"].as_str().unwrap().to_string() }
    };
    let officers = [app.applicant("04").await, app.applicant("23").await, app.applicant("34").await];
    Hubs { strong: id(&p[0]).await, middling: id(&p[1]).await, weak: id(&p[2]).await, call, officers }
}

async fn grant(app: &TestApp, project: &str, year: i32) -> crate::helpers::Response {
    app.post(&format!("/api/v1/projects/{project}/grants/{year}")).token(&app.admin.token).send().await
}

fn outcomes() -> Value {
    json!({
        "papers": 12, "patents_domestic_filed": 3, "patents_domestic_granted": 1,
        "patents_foreign_filed": 2, "patents_foreign_granted": 0, "products": 1,
        "revenue_yen": 25_000_000, "press": 4, "awards": 1
    })
}

async fn report(app: &TestApp, officer: &TestUser, project: &str, year: i32) {
    let body = json!({ "kpis": [], "outcomes": outcomes(), "narrative": "共同研究棟の整備を完了し、企業12社が入居した。" });
    app.put(&format!("/api/v1/projects/{project}/reports/{year}")).token(&officer.token).json(&body).send().await.assert_status(200);
    let submitted = app.post(&format!("/api/v1/projects/{project}/reports/{year}/submit")).token(&officer.token).send().await;
    submitted.assert_status(200);
    assert_eq!(submitted.body["status"], "submitted");
}

/// The money a grade moves: S +10 %, B −10 %, C ends the project.
fn adjustments() -> Value {
    json!({ "S": 110, "A": 100, "B": 90, "C": 0 })
}

/// Opens a round, has each lead prefecture write its self-evaluation, and one evaluator grade
/// every project with the given grade on every item.
async fn round(app: &TestApp, hubs: &Hubs, kind: &str, year: i32, adjustments: Value, grades: &[(&str, &str)]) -> String {
    let due = (app.state.now() + chrono::Duration::days(14)).to_rfc3339();
    let body = json!({
        "kind": kind, "fiscal_year": year, "title": format!("{year}年度 {kind} 評価"), "self_evaluation_due": due,
        "adjustments": adjustments
    });
    let created = app.post(&format!("/api/v1/calls/{}/evaluations", hubs.call)).token(&app.admin.token).json(&body).send().await;
    created.assert_status(201);
    let id = created.str("id");
    let items: Vec<String> = created.body["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_string()).collect();
    let evaluator = expert(app, "北海道大学", Some("01"), &[], None).await;
    for (project, grade) in grades {
        let officer = &hubs.officers[[&hubs.strong, &hubs.middling, &hubs.weak].iter().position(|p| p == project).unwrap()];
        app.put(&format!("/api/v1/evaluations/{id}/projects/{project}/self-evaluation"))
            .token(&officer.token)
            .json(&json!({ "text": "計画どおり進捗している。" }))
            .send()
            .await
            .assert_status(200);
        let assignment = app
            .post(&format!("/api/v1/evaluations/{id}/assignments"))
            .token(&app.admin.token)
            .json(&json!({ "project_id": project, "reviewer_id": evaluator.id }))
            .send()
            .await;
        assignment.assert_status(201);
        let assignment = assignment.str("id");
        let graded: serde_json::Map<String, Value> = items.iter().map(|code| (code.clone(), json!(grade))).collect();
        app.put(&format!("/api/v1/assignments/{assignment}/review")).token(&evaluator.token).json(&json!({ "grades": graded })).send().await.assert_status(200);
        app.post(&format!("/api/v1/assignments/{assignment}/review/submit")).token(&evaluator.token).send().await.assert_status(200);
    }
    id
}

async fn project(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/projects/{id}")).token(&app.admin.token).send().await.body
}

#[actix_web::test]
async fn a_call_through_two_fiscal_years_of_grants_reports_and_evaluations() {
    let app = TestApp::spawn().await;
    let hubs = three_projects(&app, 4 * B).await;
    let [miyagi, aichi, hiroshima] = &hubs.officers;

    // Year one: the conditional adoption is cleared before anything is granted.
    grant(&app, &hubs.strong, 2026).await.assert_problem(409, "conditions_open");
    app.post(&format!("/api/v1/projects/{}/conditions/clear", hubs.strong)).token(&app.admin.token).json(&json!({ "note": "条件を満たした" })).send().await.assert_status(200);
    for p in [&hubs.strong, &hubs.middling, &hubs.weak] {
        grant(&app, p, 2026).await.assert_status(200);
    }
    grant(&app, &hubs.weak, 2026).await.assert_problem(409, "already_granted");

    // Progress reports: each refusal, then a draft and its submission.
    let strong_report = format!("/api/v1/projects/{}/reports/2026", hubs.strong);
    let bad = json!({ "kpis": [{ "name": "架空の指標", "actual": 3 }], "outcomes": { "papers": -1 }, "narrative": "" });
    let res = app.put(&strong_report).token(&miyagi.token).json(&bad).send().await;
    res.assert_problem(422, "validation_failed");
    let codes: Vec<&str> = res.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"unknown_kpi") && codes.iter().any(|c| *c == "negative" || *c == "out_of_range"), "{codes:?}");
    app.put(&format!("/api/v1/projects/{}/reports/2031", hubs.strong)).token(&miyagi.token).json(&json!({ "narrative": "x" })).send().await.assert_problem(404, "not_found");
    app.put(&strong_report).token(&aichi.token).json(&json!({ "narrative": "x" })).send().await.assert_problem(404, "not_found");
    let partial = app.put(&strong_report).token(&miyagi.token).json(&json!({ "outcomes": { "papers": 3 }, "narrative": "途中" })).send().await;
    partial.assert_status(200);
    assert_eq!(partial.body["status"], "draft");
    let gaps = app.post(&format!("{strong_report}/submit")).token(&miyagi.token).send().await;
    gaps.assert_problem(422, "validation_failed");
    assert!(gaps.body["errors"].as_array().unwrap().len() >= 8, "every missing outcome at once: {}", gaps.body);
    report(&app, miyagi, &hubs.strong, 2026).await;
    app.put(&strong_report).token(&miyagi.token).json(&json!({ "narrative": "改訂" })).send().await.assert_problem(409, "report_locked");
    report(&app, aichi, &hubs.middling, 2026).await;
    report(&app, hiroshima, &hubs.weak, 2026).await;

    // The interim round: S raises the next year within its budget, B cuts it, C (0 %) ends the project.
    let interim = round(&app, &hubs, "interim", 2026, adjustments(), &[(&hubs.strong, "S"), (&hubs.middling, "B"), (&hubs.weak, "C")]).await;
    app.get(&format!("/api/v1/public/evaluations/{interim}/results")).send().await.assert_problem(404, "not_found");
    let published = app.post(&format!("/api/v1/evaluations/{interim}/publish")).token(&app.admin.token).send().await;
    published.assert_status(200);
    let public = app.get(&format!("/api/v1/public/evaluations/{interim}/results")).send().await;
    public.assert_status(200);
    assert_eq!(public.body["cohort_mean"], 2.33, "(4.00 + 2.00 + 1.00) / 3");
    let grades: Vec<(&str, &str, f64)> = public.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["project_id"].as_str().unwrap(), i["grade"].as_str().unwrap(), i["score"].as_f64().unwrap()))
        .collect();
    assert_eq!(grades, [(hubs.strong.as_str(), "S", 4.0), (hubs.middling.as_str(), "B", 2.0), (hubs.weak.as_str(), "C", 1.0)]);
    assert!(!String::from_utf8_lossy(&public.bytes).contains("北海道大学"), "no evaluator is named");
    let strong = project(&app, &hubs.strong).await;
    assert_eq!(strong["schedule"][1]["amount_yen"], 1_100_000_000_i64, "S: 110 %");
    assert_eq!(strong["schedule"][0]["amount_yen"], B, "the granted year stays");
    assert_eq!(project(&app, &hubs.middling).await["schedule"][1]["amount_yen"], 900_000_000_i64, "B: 90 %");
    let weak = project(&app, &hubs.weak).await;
    assert_eq!(weak["phase"], "terminated");
    assert_eq!(weak["schedule"][1]["amount_yen"], 0);
    grant(&app, &hubs.weak, 2027).await.assert_problem(409, "invalid_state");
    let email = app.last_email_to(&hiroshima.email).await;
    assert!(email.subject.contains("評価結果") && email.body.contains("中止"), "{}", email.body);

    // Year two: grants, reports, and the ex-post round completes the projects still running.
    // (Fiscal years are the schedule's, not the clock's: a few weeks pass, within the test tokens' lifetime.)
    app.advance(chrono::Duration::days(30));
    grant(&app, &hubs.strong, 2027).await.assert_status(200);
    grant(&app, &hubs.middling, 2027).await.assert_status(200);
    report(&app, miyagi, &hubs.strong, 2027).await;
    report(&app, aichi, &hubs.middling, 2027).await;
    let ex_post = round(&app, &hubs, "ex_post", 2027, adjustments(), &[(&hubs.strong, "A"), (&hubs.middling, "A")]).await;
    app.post(&format!("/api/v1/evaluations/{ex_post}/publish")).token(&app.admin.token).send().await.assert_status(200);
    assert_eq!(project(&app, &hubs.strong).await["phase"], "completed");
    assert_eq!(project(&app, &hubs.middling).await["phase"], "completed");

    // The funding report: what each prefecture was granted and what stays planned.
    let funding = app.get("/api/v1/reports/funding?fiscal_year=2027").token(&app.admin.token).send().await;
    funding.assert_status(200);
    let granted: i64 = funding.body["items"].as_array().unwrap().iter().map(|i| i["granted_yen"].as_i64().unwrap()).sum();
    assert_eq!(granted, 2_000_000_000, "1.1 B to Miyagi and 0.9 B to Aichi in 2027");
}

#[actix_web::test]
async fn interim_increases_stop_at_the_years_budget_best_score_first() {
    let app = TestApp::spawn().await;
    // 2027 budgets 3.03 B yen for three projects of 1 B yen each.
    let hubs = three_projects(&app, 3_030_000_000).await;
    let raises = json!({ "S": 110, "A": 105, "B": 90, "C": 0 });
    let grades = [(hubs.strong.as_str(), "S"), (hubs.middling.as_str(), "A"), (hubs.weak.as_str(), "B")];
    let interim = round(&app, &hubs, "interim", 2026, raises, &grades).await;
    app.post(&format!("/api/v1/evaluations/{interim}/publish")).token(&app.admin.token).send().await.assert_status(200);

    // Hiroshima's cut (B, −10 %) comes first and frees 0.1 B; Miyagi (S, best score) gets its
    // full +10 %; Aichi (A, +5 % = 1.05 B wanted) gets only what is left of the 3.03 B.
    let year_2027 = |p: Value| p["schedule"][1]["amount_yen"].as_i64().unwrap();
    assert_eq!(year_2027(project(&app, &hubs.weak).await), 900_000_000);
    assert_eq!(year_2027(project(&app, &hubs.strong).await), 1_100_000_000);
    assert_eq!(year_2027(project(&app, &hubs.middling).await), 1_030_000_000, "capped by the year's budget");

    // The audit trail records what was wanted and what the budget allowed.
    let audit = app.get(&format!("/api/v1/audit?entity_type=project&entity_id={}", hubs.middling)).token(&app.admin.token).send().await;
    audit.assert_status(200);
    let text = audit.body.to_string();
    assert!(text.contains("1050000000") && text.contains("1030000000"), "{text}");
}
