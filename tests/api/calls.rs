use chrono::Duration;
use serde_json::json;

use crate::fixtures::{audit_actions, call_body, open_call, submitted_proposal};
use crate::helpers::TestApp;

#[actix_web::test]
async fn an_admin_opens_a_call_as_a_draft_shown_in_japan_time() {
    let app = TestApp::spawn().await;
    let mut body = call_body("lab_construction");
    body["opens_at"] = json!("2026-12-01T00:00:00Z");
    body["closes_at"] = json!("2027-01-31T08:00:00Z");
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await;
    res.assert_status(201);
    assert_eq!(res.body["status"], "draft");
    assert_eq!(res.body["opens_at"], "2026-12-01T09:00:00+09:00");
    assert_eq!(res.body["closes_at"], "2027-01-31T17:00:00+09:00");
    assert_eq!(res.body["reviewers_per_proposal"], 2);
    assert_eq!(res.body["criteria"].as_array().unwrap().len(), 3);
    assert_eq!(res.header("etag").as_deref(), Some("\"1\""));
    let id = res.str("id");
    assert_eq!(audit_actions(&app, "call", &id).await, ["call_created"]);
}

#[actix_web::test]
async fn reviewers_per_proposal_defaults_to_three() {
    let app = TestApp::spawn().await;
    let mut body = call_body("regional_co_creation");
    body.as_object_mut().unwrap().remove("reviewers_per_proposal");
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await;
    res.assert_status(201);
    assert_eq!(res.body["reviewers_per_proposal"], 3);
    assert_eq!(res.body["program"], "regional_co_creation");
}

#[actix_web::test]
async fn every_problem_with_the_terms_is_listed() {
    let app = TestApp::spawn().await;
    let mut body = call_body("lab_construction");
    body["closes_at"] = body["opens_at"].clone();
    body["total_budget_yen"] = json!(-5);
    body["criteria"] = json!([{ "code": "x", "name": "X", "weight": 0 }, { "code": "x", "name": "Y", "weight": 1 }]);
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await;
    res.assert_problem(422, "validation_failed");
    let errors: Vec<String> = res.body["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    for expected in ["closes_at:before_opening", "total_budget_yen:must_be_positive", "criteria[0].weight:must_be_positive", "criteria[1].code:duplicate"] {
        assert!(errors.contains(&expected.to_string()), "{expected} in {errors:?}");
    }
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&json!({ "program": "space" })).send().await;
    res.assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn applicants_and_reviewers_never_see_draft_calls() {
    let app = TestApp::spawn().await;
    let applicant = app.applicant("13").await;
    let reviewer = app.reviewer("東北大学").await;
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&call_body("lab_construction")).send().await;
    let draft = res.str("id");
    let published = open_call(&app, "regional_co_creation").await;

    for user in [&applicant, &reviewer] {
        let list = app.get("/api/v1/calls").token(&user.token).send().await;
        let ids: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [published.as_str()]);
        assert_eq!(list.body["total"], 1);
        app.get(&format!("/api/v1/calls/{draft}")).token(&user.token).send().await.assert_problem(404, "not_found");
        app.get(&format!("/api/v1/calls/{published}")).token(&user.token).send().await.assert_status(200);
    }
    let all = app.get("/api/v1/calls").token(&app.admin.token).send().await;
    assert_eq!(all.body["total"], 2);
    let drafts = app.get("/api/v1/calls?status=draft").token(&app.admin.token).send().await;
    assert_eq!(drafts.body["total"], 1);
    app.get("/api/v1/calls").send().await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn only_admins_manage_calls() {
    let app = TestApp::spawn().await;
    let applicant = app.applicant("13").await;
    let reviewer = app.reviewer("東北大学").await;
    let id = open_call(&app, "lab_construction").await;
    for user in [&applicant, &reviewer] {
        app.post("/api/v1/calls").token(&user.token).json(&call_body("lab_construction")).send().await.assert_problem(403, "forbidden");
        app.patch(&format!("/api/v1/calls/{id}")).token(&user.token).json(&json!({ "description": "x" })).send().await.assert_problem(403, "forbidden");
        app.post(&format!("/api/v1/calls/{id}/publish")).token(&user.token).send().await.assert_problem(403, "forbidden");
        app.post(&format!("/api/v1/calls/{id}/start-review")).token(&user.token).send().await.assert_problem(403, "forbidden");
    }
}

#[actix_web::test]
async fn a_draft_changes_freely_but_a_published_call_only_extends_its_deadline_or_description() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&call_body("lab_construction")).send().await;
    let id = res.str("id");
    let path = format!("/api/v1/calls/{id}");
    let res = app
        .patch(&path)
        .token(&app.admin.token)
        .json(&json!({ "title": "改題", "total_budget_yen": 10_000_000_000_i64, "criteria": [{ "code": "overall", "name": "総合", "weight": 1 }] }))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!((res.body["title"].as_str(), res.body["version"].as_i64()), (Some("改題"), Some(2)));
    assert_eq!(res.body["criteria"].as_array().unwrap().len(), 1);

    app.post(&format!("{path}/publish")).token(&app.admin.token).send().await.assert_status(200);
    app.post(&format!("{path}/publish")).token(&app.admin.token).send().await.assert_problem(409, "invalid_state");

    let res = app.patch(&path).token(&app.admin.token).json(&json!({ "title": "again", "description": "ok" })).send().await;
    res.assert_problem(409, "invalid_state");
    assert_eq!(res.body["fields"], json!(["title"]));

    let current = app.get(&path).token(&app.admin.token).send().await;
    let closes: chrono::DateTime<chrono::FixedOffset> = current.str("closes_at").parse().unwrap();
    let earlier = (closes - Duration::days(1)).to_rfc3339();
    let res = app.patch(&path).token(&app.admin.token).json(&json!({ "closes_at": earlier })).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["code"], "deadline_brought_forward");

    let later = (closes + Duration::days(7)).to_rfc3339();
    let res = app.patch(&path).token(&app.admin.token).json(&json!({ "closes_at": later, "description": "延長しました" })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["description"], "延長しました");
    let new_close: chrono::DateTime<chrono::FixedOffset> = res.str("closes_at").parse().unwrap();
    assert_eq!(new_close, closes + Duration::days(7));
    assert_eq!(audit_actions(&app, "call", &id).await, ["call_updated", "call_published", "call_updated", "call_created"]);
}

#[actix_web::test]
async fn a_stale_if_match_is_refused_with_412() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&call_body("lab_construction")).send().await;
    let id = res.str("id");
    let etag = res.header("etag").unwrap();
    let path = format!("/api/v1/calls/{id}");
    app.patch(&path).token(&app.admin.token).header("If-Match", &etag).json(&json!({ "title": "first" })).send().await.assert_status(200);
    let res = app.patch(&path).token(&app.admin.token).header("If-Match", &etag).json(&json!({ "title": "second" })).send().await;
    res.assert_problem(412, "version_conflict");
    assert_eq!(app.get(&path).token(&app.admin.token).send().await.body["title"], "first");
}

#[actix_web::test]
async fn review_starts_only_after_the_deadline_and_takes_the_submitted_proposals() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let applicant = app.applicant("13").await;
    let proposal = submitted_proposal(&app, &applicant, &call, "tokyo", "13").await;
    let start = format!("/api/v1/calls/{call}/start-review");
    app.post(&start).token(&app.admin.token).send().await.assert_problem(409, "invalid_state");
    app.advance(Duration::days(31));
    let res = app.post(&start).token(&app.admin.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "under_review");
    assert_eq!(res.body["accepting_submissions"], false);
    let p = app.get(&format!("/api/v1/proposals/{}", proposal["id"].as_str().unwrap())).token(&applicant.token).send().await;
    assert_eq!(p.body["status"], "under_review");
    app.post(&start).token(&app.admin.token).send().await.assert_problem(409, "invalid_state");
}

#[actix_web::test]
async fn a_passed_deadline_can_no_longer_be_extended() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let path = format!("/api/v1/calls/{call}");
    let current = app.get(&path).token(&app.admin.token).send().await;
    let closes: chrono::DateTime<chrono::FixedOffset> = current.str("closes_at").parse().unwrap();
    app.advance(Duration::days(31));
    let later = (closes + Duration::days(7)).to_rfc3339();
    let res = app.patch(&path).token(&app.admin.token).json(&json!({ "closes_at": later })).send().await;
    res.assert_problem(409, "invalid_state");
    let after = app.get(&path).token(&app.admin.token).send().await;
    assert_eq!(after.body["closes_at"], current.body["closes_at"]);
    assert_eq!(after.body["version"], current.body["version"]);
    // The description may still be corrected, and restating the deadline changes nothing.
    let res = app.patch(&path).token(&app.admin.token).json(&json!({ "description": "訂正", "closes_at": current.body["closes_at"] })).send().await;
    res.assert_status(200);
}
