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
