//! The one-prefecture rule under concurrency: the database decides, exactly one request wins.

use futures_util::future::join_all;
use serde_json::json;

use crate::fixtures::{complete_content, create_proposal, endorse_all, open_call};
use crate::helpers::TestApp;

#[actix_web::test]
async fn officers_racing_to_create_for_one_prefecture_yield_exactly_one_proposal() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let mut officers = Vec::new();
    for _ in 0..8 {
        officers.push(app.applicant("14").await);
    }
    let empty = json!({});
    let attempts = officers.iter().map(|o| create_proposal(&app, o, &call, &empty));
    let results = join_all(attempts).await;
    let created = results.iter().filter(|r| r.status.as_u16() == 201).count();
    let refused = results.iter().filter(|r| r.status.as_u16() == 409 && r.body["code"] == "prefecture_already_participating").count();
    assert_eq!((created, refused), (1, 7), "{:?}", results.iter().map(|r| r.status.as_u16()).collect::<Vec<_>>());
    let all = app.get(&format!("/api/v1/proposals?call_id={call}")).token(&app.admin.token).send().await;
    assert_eq!(all.body["total"], 1);
}

#[actix_web::test]
async fn a_partner_confirming_two_proposals_at_once_joins_exactly_one() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let chiba = app.applicant("12").await;
    let saitama_a = app.applicant("11").await;
    let saitama_b = app.applicant("11").await;
    let a = create_proposal(&app, &tokyo, &call, &json!({ "partner_prefecture_codes": ["11"] })).await.str("id");
    let b = create_proposal(&app, &chiba, &call, &json!({ "partner_prefecture_codes": ["11"] })).await.str("id");
    let path_a = format!("/api/v1/proposals/{a}/partners/11/confirm");
    let path_b = format!("/api/v1/proposals/{b}/partners/11/confirm");
    let rounds = [
        app.post(&path_a).token(&saitama_a.token).send(),
        app.post(&path_b).token(&saitama_b.token).send(),
    ];
    let results = join_all(rounds).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses == [200, 409] || statuses == [409, 200], "{statuses:?}");
    let loser = results.iter().find(|r| r.status.as_u16() == 409).unwrap();
    assert_eq!(loser.body["code"], "prefecture_already_participating");
    assert_eq!(loser.body["prefecture_code"], "11");
}

#[actix_web::test]
async fn concurrent_retries_with_one_idempotency_key_submit_once() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("race", "13", &[])).await.str("id");
    endorse_all(&app, &officer, &id, "race").await;
    let path = format!("/api/v1/proposals/{id}/submit");
    let results = join_all((0..4).map(|_| app.post(&path).token(&officer.token).header("Idempotency-Key", "same-key-1").send())).await;
    for r in &results {
        r.assert_status(200);
        assert_eq!(r.body["receipt_number"], "R8-LAB-13-0001");
    }
    let versions = app.get(&format!("/api/v1/proposals/{id}/versions")).token(&officer.token).send().await;
    assert_eq!(versions.body["total"], 1);
}

/// A submitted proposal's live content is what was checked and endorsed: its latest snapshot
/// equals it and every endorsement shown covers it.
async fn assert_submitted_as_checked(app: &TestApp, officer: &crate::helpers::TestUser, id: &str) -> bool {
    let live = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    if live.body["status"] != "submitted" {
        return false;
    }
    let versions = app.get(&format!("/api/v1/proposals/{id}/versions")).token(&officer.token).send().await;
    let snapshot = versions.body["items"].as_array().and_then(|v| v.last()).expect("a submitted proposal has a snapshot");
    assert_eq!(snapshot["content"]["title"], live.body["title"], "submitted content differs from its snapshot");
    assert_eq!(snapshot["content"]["partner_prefecture_codes"], live.body["partner_prefecture_codes"]);
    for e in live.body["endorsements"].as_array().unwrap() {
        assert!(!e["endorsed_at"].is_null(), "submitted without an endorsement of its live content: {e}");
    }
    for p in live.body["partners"].as_array().unwrap() {
        assert_eq!(p["confirmed"], true, "submitted with an unconfirmed partner: {p}");
    }
    true
}

#[actix_web::test]
async fn edits_racing_a_submission_never_leave_unchecked_content_submitted() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    for lead in ["13", "14", "11", "12", "23", "27"] {
        let officer = app.applicant(lead).await;
        let tag = format!("edit-race-{lead}");
        let id = create_proposal(&app, &officer, &call, &complete_content(&tag, lead, &[])).await.str("id");
        endorse_all(&app, &officer, &id, &tag).await;
        let path = format!("/api/v1/proposals/{id}");
        let submit = app.post(&format!("{path}/submit")).token(&officer.token).send();
        let edits = join_all((0..4).map(|i| app.patch(&path).token(&officer.token).json(&json!({ "title": format!("edited {i}") })).send()));
        let (submit, edits) = futures_util::join!(submit, edits);
        assert!([200, 422].contains(&submit.status.as_u16()), "{:?}", submit.body);
        for e in &edits {
            assert!(e.status.as_u16() == 200 || e.body["code"] == "invalid_state", "{:?}", e.body);
        }
        // Either order is fine; a submission must hold what it checked.
        assert_submitted_as_checked(&app, &officer, &id).await;
    }
}

#[actix_web::test]
async fn a_partner_withdrawing_while_the_lead_submits_never_leaves_it_submitted_unconfirmed() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    for (lead, partner) in [("13", "12"), ("14", "11"), ("23", "22"), ("27", "26")] {
        let officer = app.applicant(lead).await;
        let partner_officer = app.applicant(partner).await;
        let tag = format!("partner-race-{lead}");
        let id = create_proposal(&app, &officer, &call, &complete_content(&tag, lead, &[partner])).await.str("id");
        let confirm = format!("/api/v1/proposals/{id}/partners/{partner}/confirm");
        app.post(&confirm).token(&partner_officer.token).send().await.assert_status(200);
        endorse_all(&app, &officer, &id, &tag).await;
        let submit = app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send();
        let withdraw = app.delete(&confirm).token(&partner_officer.token).send();
        let (submit, withdraw) = futures_util::join!(submit, withdraw);
        assert!([200, 422].contains(&submit.status.as_u16()), "{:?}", submit.body);
        assert!(withdraw.status.as_u16() == 200 || withdraw.body["code"] == "invalid_state", "{:?}", withdraw.body);
        if assert_submitted_as_checked(&app, &officer, &id).await {
            let claim = create_proposal(&app, &partner_officer, &call, &json!({})).await;
            claim.assert_problem(409, "prefecture_already_participating");
        }
    }
}

#[actix_web::test]
async fn concurrent_patches_without_if_match_all_apply_in_turn() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let created = create_proposal(&app, &officer, &call, &json!({})).await;
    let path = format!("/api/v1/proposals/{}", created.str("id"));
    let results = join_all((0..50).map(|i| app.patch(&path).token(&officer.token).json(&json!({ "title": format!("title {i}") })).send())).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let after = app.get(&path).token(&officer.token).send().await;
    assert_eq!(after.body["version"], created.body["version"].as_i64().unwrap() + 50);
    let stale = app.patch(&path).token(&officer.token).header("If-Match", "\"1\"").json(&json!({ "title": "stale" })).send().await;
    stale.assert_problem(412, "version_conflict");
}

#[actix_web::test]
async fn concurrent_call_patches_without_if_match_all_apply_in_turn() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let path = format!("/api/v1/calls/{call}");
    let before = app.get(&path).token(&app.admin.token).send().await;
    let results = join_all((0..50).map(|i| app.patch(&path).token(&app.admin.token).json(&json!({ "description": format!("説明 {i}") })).send())).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let after = app.get(&path).token(&app.admin.token).send().await;
    assert_eq!(after.body["version"], before.body["version"].as_i64().unwrap() + 50);
    let stale = app.patch(&path).token(&app.admin.token).header("If-Match", &before.header("etag").unwrap()).json(&json!({ "description": "stale" })).send().await;
    stale.assert_problem(412, "version_conflict");
}
