use chrono::Duration;
use serde_json::json;

use crate::fixtures::{complete_content, create_proposal, endorse_all, open_call, signatory_emails};
use crate::helpers::TestApp;

#[actix_web::test]
async fn each_signatory_gets_a_link_that_endorses_once() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("e1", "13", &[])).await.str("id");
    let res = app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&officer.token).send().await;
    res.assert_status(202);
    assert_eq!(res.body["requested"], json!(["governor", "university_head", "industry_representative"]));

    let [governor, _, _] = signatory_emails("e1");
    let email = app.last_email_to(&governor).await;
    assert!(email.subject.contains("連名") && email.subject.contains("endorse"), "{}", email.subject);
    assert!(email.body.contains("知事 太郎 様") && email.body.contains("/endorse?token="));
    let token = email.token();

    let preview = app.get(&format!("/api/v1/endorsements/{token}")).send().await;
    preview.assert_status(200);
    assert_eq!(preview.body["role"], "governor");
    assert_eq!(preview.body["title"], "e1 地域産学官共同研究拠点");

    let res = app.post(&format!("/api/v1/endorsements/{token}")).send().await;
    res.assert_status(200);
    assert_eq!(res.body["role"], "governor");
    assert!(res.str("endorsed_at").ends_with("+09:00"));
    app.post(&format!("/api/v1/endorsements/{token}")).send().await.assert_problem(410, "endorsement_token_invalid");

    let p = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    let endorsed: Vec<bool> = p.body["endorsements"].as_array().unwrap().iter().map(|e| e["endorsed_at"].is_string()).collect();
    assert_eq!(endorsed, [true, false, false]);

    // A second request goes only to those who have not endorsed yet.
    let res = app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&officer.token).send().await;
    assert_eq!(res.body["requested"], json!(["university_head", "industry_representative"]));
}

#[actix_web::test]
async fn any_content_change_voids_every_endorsement_and_outstanding_link() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("v", "13", &[])).await.str("id");
    endorse_all(&app, &officer, &id, "v").await;
    // A fresh round of links for a proposal that is fully endorsed sends nothing; change the
    // content, then ask again and keep one link unused.
    let res = app.patch(&format!("/api/v1/proposals/{id}")).token(&officer.token).json(&json!({ "summary": "変更" })).send().await;
    res.assert_status(200);
    assert!(res.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_null()), "{}", res.body);

    app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&officer.token).send().await.assert_status(202);
    let [governor, president, _] = signatory_emails("v");
    let pending = app.last_email_to(&president).await.token();
    let governor_token = app.last_email_to(&governor).await.token();
    app.post(&format!("/api/v1/endorsements/{governor_token}")).send().await.assert_status(200);
    app.patch(&format!("/api/v1/proposals/{id}")).token(&officer.token).json(&json!({ "keywords": ["robotics"] })).send().await.assert_status(200);
    app.post(&format!("/api/v1/endorsements/{pending}")).send().await.assert_problem(410, "endorsement_token_invalid");
    app.get(&format!("/api/v1/endorsements/{pending}")).send().await.assert_problem(410, "endorsement_token_invalid");

    let res = app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await;
    res.assert_problem(422, "validation_failed");
    let codes: Vec<&str> = res.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["not_endorsed", "not_endorsed", "not_endorsed"]);
}

#[actix_web::test]
async fn an_edit_that_changes_nothing_keeps_the_endorsements() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("same", "13", &[])).await.str("id");
    endorse_all(&app, &officer, &id, "same").await;
    let res = app.patch(&format!("/api/v1/proposals/{id}")).token(&officer.token).json(&json!({ "land_provided": true })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["version"], 1);
    assert!(res.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_string()));
}

#[actix_web::test]
async fn links_expire_and_forged_ones_are_refused() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("x", "13", &[])).await.str("id");
    app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&officer.token).send().await.assert_status(202);
    let [governor, _, _] = signatory_emails("x");
    let token = app.last_email_to(&governor).await.token();
    for forged in ["abc", "0123456789abcdef0123456789abcdef.AAAA"] {
        app.post(&format!("/api/v1/endorsements/{forged}")).send().await.assert_problem(410, "endorsement_token_invalid");
    }
    app.advance(Duration::hours(24 * 14 + 1));
    app.post(&format!("/api/v1/endorsements/{token}")).send().await.assert_problem(410, "endorsement_token_invalid");
}

#[actix_web::test]
async fn a_request_needs_three_reachable_signatories_with_one_representative() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let content = json!({ "signatories": [
        { "role": "governor", "name": "知事", "organization": "県", "email": "g@example.jp", "representative": true },
        { "role": "university_head", "name": "学長", "organization": "大学", "representative": true }
    ] });
    let id = create_proposal(&app, &officer, &call, &content).await.str("id");
    let res = app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&officer.token).send().await;
    res.assert_problem(422, "validation_failed");
    let fields: Vec<String> = res.body["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(fields, ["signatories.industry_representative:required", "signatories[1].email:required", "signatories:representative"]);
    let partner_only = app.applicant("11").await;
    app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&partner_only.token).send().await.assert_problem(404, "not_found");
}
