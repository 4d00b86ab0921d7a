use serde_json::json;

use crate::fixtures::{audit_actions, complete_content, create_proposal, endorse_all, open_call};
use crate::helpers::TestApp;

#[actix_web::test]
async fn partners_are_invited_by_code_and_confirm_through_their_own_officers() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let chiba = app.applicant("12").await;
    let id = create_proposal(&app, &tokyo, &call, &complete_content("joint", "13", &["11"])).await.str("id");
    let p = format!("/api/v1/proposals/{id}");

    // The invited partner reads; a stranger does not.
    let res = app.get(&p).token(&saitama.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["partners"], json!([{ "prefecture_code": "11", "confirmed": false, "confirmed_at": null }]));
    app.get(&p).token(&chiba.token).send().await.assert_problem(404, "not_found");
    // Only the partner's own officers confirm, and partners do not edit.
    app.post(&format!("{p}/partners/11/confirm")).token(&tokyo.token).send().await.assert_problem(403, "forbidden");
    app.patch(&p).token(&saitama.token).json(&json!({ "title": "partner edit" })).send().await.assert_problem(403, "forbidden");
    app.post(&format!("{p}/submit")).token(&saitama.token).send().await.assert_problem(403, "forbidden");

    // Submission needs the confirmation.
    endorse_all(&app, &tokyo, &id, "joint").await;
    let res = app.post(&format!("{p}/submit")).token(&tokyo.token).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "partner_prefecture_codes[0]");
    assert_eq!(res.body["errors"][0]["code"], "not_confirmed");

    let res = app.post(&format!("{p}/partners/11/confirm")).token(&saitama.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["partners"][0]["confirmed"], true);
    // Confirming does not touch the content: the endorsements still hold.
    assert!(res.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_string()));
    app.post(&format!("{p}/partners/11/confirm")).token(&saitama.token).send().await.assert_status(200);

    let res = app.post(&format!("{p}/submit")).token(&tokyo.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["receipt_number"], "R8-LAB-13-0001");
    let listed = app.get("/api/v1/proposals").token(&saitama.token).send().await;
    assert_eq!(listed.body["total"], 1, "partners find the joint proposal in their list");
    assert!(audit_actions(&app, "proposal", &id).await.contains(&"partner_confirmed".to_string()));
}

#[actix_web::test]
async fn a_partner_already_in_another_live_proposal_cannot_confirm() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let kanagawa = app.applicant("14").await;
    create_proposal(&app, &kanagawa, &call, &json!({})).await.assert_status(201);
    let id = create_proposal(&app, &tokyo, &call, &json!({ "partner_prefecture_codes": ["14"] })).await.str("id");
    let res = app.post(&format!("/api/v1/proposals/{id}/partners/14/confirm")).token(&kanagawa.token).send().await;
    res.assert_problem(409, "prefecture_already_participating");
    assert_eq!(res.body["prefecture_code"], "14");
    assert!(res.str("detail").contains("神奈川県"));
}

#[actix_web::test]
async fn a_confirmed_partner_cannot_lead_its_own_proposal_until_it_withdraws_the_confirmation() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let id = create_proposal(&app, &tokyo, &call, &json!({ "partner_prefecture_codes": ["11"] })).await.str("id");
    // Invited but not confirmed: the prefecture is still free.
    let own = create_proposal(&app, &saitama, &call, &json!({})).await;
    own.assert_status(201);
    app.post(&format!("/api/v1/proposals/{}/withdraw", own.str("id"))).token(&saitama.token).send().await.assert_status(200);

    app.post(&format!("/api/v1/proposals/{id}/partners/11/confirm")).token(&saitama.token).send().await.assert_status(200);
    create_proposal(&app, &saitama, &call, &json!({})).await.assert_problem(409, "prefecture_already_participating");

    let res = app.delete(&format!("/api/v1/proposals/{id}/partners/11/confirm")).token(&saitama.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["partners"][0]["confirmed"], false);
    create_proposal(&app, &saitama, &call, &json!({})).await.assert_status(201);
}

#[actix_web::test]
async fn dropping_a_partner_from_the_list_releases_it() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let id = create_proposal(&app, &tokyo, &call, &json!({ "partner_prefecture_codes": ["11"] })).await.str("id");
    app.post(&format!("/api/v1/proposals/{id}/partners/11/confirm")).token(&saitama.token).send().await.assert_status(200);
    let res = app.patch(&format!("/api/v1/proposals/{id}")).token(&tokyo.token).json(&json!({ "partner_prefecture_codes": [] })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["partners"], json!([]));
    app.get(&format!("/api/v1/proposals/{id}")).token(&saitama.token).send().await.assert_problem(404, "not_found");
    create_proposal(&app, &saitama, &call, &json!({})).await.assert_status(201);
}

#[actix_web::test]
async fn withdrawing_a_joint_proposal_releases_every_prefecture() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let id = create_proposal(&app, &tokyo, &call, &json!({ "partner_prefecture_codes": ["11"] })).await.str("id");
    app.post(&format!("/api/v1/proposals/{id}/partners/11/confirm")).token(&saitama.token).send().await.assert_status(200);
    app.post(&format!("/api/v1/proposals/{id}/withdraw")).token(&tokyo.token).send().await.assert_status(200);
    create_proposal(&app, &saitama, &call, &json!({})).await.assert_status(201);
    create_proposal(&app, &tokyo, &call, &json!({})).await.assert_status(201);
}

#[actix_web::test]
async fn a_joint_proposal_must_consult_the_partners_designated_cities_too() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let kanagawa = app.applicant("14").await;
    let mut content = complete_content("capital", "13", &["14"]);
    content["consultations"] = json!([{ "city_code": "14100", "consulted_on": "2026-04-01" }]);
    let id = create_proposal(&app, &tokyo, &call, &content).await.str("id");
    app.post(&format!("/api/v1/proposals/{id}/partners/14/confirm")).token(&kanagawa.token).send().await.assert_status(200);
    endorse_all(&app, &tokyo, &id, "capital").await;
    let res = app.post(&format!("/api/v1/proposals/{id}/submit")).token(&tokyo.token).send().await;
    res.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = res.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["consultations.14130", "consultations.14150"]);
}
