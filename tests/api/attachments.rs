use serde_json::json;
use sha2::{Digest, Sha256};

use crate::fixtures::{audit_actions, complete_content, create_proposal, endorse_all, multipart, open_call, pdf, signatory_emails, submitted_proposal};
use crate::helpers::TestApp;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[actix_web::test]
async fn a_pdf_is_stored_with_its_sha256_and_served_back_byte_for_byte() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "partner_prefecture_codes": ["11"] })).await.str("id");
    let bytes = pdf(&"拠点計画".repeat(5000));
    let (ct, body) = multipart("file", "計画書.pdf", "application/pdf", &bytes);
    let res = app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await;
    res.assert_status(201);
    assert_eq!(res.body["filename"], "計画書.pdf");
    assert_eq!(res.body["size"], bytes.len());
    assert_eq!(res.body["sha256"], hex(&Sha256::digest(&bytes)));
    let aid = res.str("id");

    for reader in [&officer, &saitama] {
        let download = app.get(&format!("/api/v1/proposals/{id}/attachments/{aid}")).token(&reader.token).send().await;
        download.assert_status(200);
        assert_eq!(download.header("content-type").as_deref(), Some("application/pdf"));
        assert_eq!(download.bytes, bytes);
        assert!(download.header("content-disposition").unwrap().contains("filename*=UTF-8''%E8%A8%88"));
    }
    let proposal = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    assert_eq!(proposal.body["attachments"][0]["id"], aid);

    let outsider = app.applicant("47").await;
    app.get(&format!("/api/v1/proposals/{id}/attachments/{aid}")).token(&outsider.token).send().await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/proposals/{id}/attachments/nope")).token(&officer.token).send().await.assert_problem(404, "not_found");
    // Partners read but do not upload.
    let (ct, body) = multipart("file", "x.pdf", "application/pdf", &pdf("partner"));
    app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&saitama.token).raw(&ct, body).send().await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn anything_but_a_pdf_is_refused_whatever_it_is_called() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({})).await.str("id");
    let url = format!("/api/v1/proposals/{id}/attachments");
    for bytes in [b"PK\x03\x04 zipped word document".to_vec(), b"%PDF-1.7 but cut short".to_vec(), b"<html>%PDF-1.4</html>".to_vec()] {
        let (ct, body) = multipart("file", "plan.pdf", "application/pdf", &bytes);
        app.post(&url).token(&officer.token).raw(&ct, body).send().await.assert_problem(415, "unsupported_media_type");
    }
    let (ct, body) = multipart("document", "plan.pdf", "application/pdf", &pdf("wrong field"));
    app.post(&url).token(&officer.token).raw(&ct, body).send().await.assert_problem(422, "validation_failed");
    app.post(&url).token(&officer.token).json(&json!({ "file": "not multipart" })).send().await.assert_problem(415, "unsupported_media_type");
    let proposal = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    assert_eq!(proposal.body["attachments"], json!([]));
    let leftovers = std::fs::read_dir(app.state.settings.storage.attachments_dir.join(&id)).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "refused uploads leave no files behind");
}

#[actix_web::test]
async fn uploads_over_the_limit_are_refused_with_413() {
    let app = TestApp::spawn_with(|s| s.storage.max_attachment_bytes = 1024).await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({})).await.str("id");
    let (ct, body) = multipart("file", "big.pdf", "application/pdf", &pdf(&"x".repeat(4096)));
    app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await.assert_problem(413, "payload_too_large");
    let (ct, body) = multipart("file", "small.pdf", "application/pdf", &pdf("ok"));
    app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await.assert_status(201);
}

#[actix_web::test]
async fn a_submitted_proposal_takes_no_new_attachments() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = submitted_proposal(&app, &officer, &call, "att", "13").await["id"].as_str().unwrap().to_string();
    let (ct, body) = multipart("file", "late.pdf", "application/pdf", &pdf("late"));
    app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await.assert_problem(409, "invalid_state");
}

#[actix_web::test]
async fn an_upload_voids_the_endorsements_and_the_snapshot_holds_the_attachments() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("files", "13", &[])).await.str("id");
    let path = format!("/api/v1/proposals/{id}");
    endorse_all(&app, &officer, &id, "files").await;
    // A fresh link to the governor, outstanding when the file arrives.
    app.post(&format!("{path}/endorsements/request")).token(&officer.token).send().await.assert_status(202);
    let before = app.get(&path).token(&officer.token).send().await;
    assert!(before.body["endorsements"].as_array().unwrap().iter().all(|e| !e["endorsed_at"].is_null()));

    let bytes = pdf("after endorsement");
    let (ct, body) = multipart("file", "追加資料.pdf", "application/pdf", &bytes);
    app.post(&format!("{path}/attachments")).token(&officer.token).raw(&ct, body).send().await.assert_status(201);
    let after = app.get(&path).token(&officer.token).send().await;
    assert_eq!(after.body["version"], before.body["version"].as_i64().unwrap() + 1);
    assert!(after.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_null()), "{:?}", after.body["endorsements"]);
    app.post(&format!("{path}/submit")).token(&officer.token).send().await.assert_problem(422, "validation_failed");

    endorse_all(&app, &officer, &id, "files").await;
    app.post(&format!("{path}/submit")).token(&officer.token).send().await.assert_status(200);
    let versions = app.get(&format!("{path}/versions")).token(&officer.token).send().await;
    let snapshot = &versions.body["items"][0];
    assert_eq!(snapshot["attachments"][0]["filename"], "追加資料.pdf");
    assert_eq!(snapshot["attachments"][0]["sha256"], hex(&Sha256::digest(&bytes)));
}

#[actix_web::test]
async fn an_old_endorsement_link_dies_with_an_upload() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("oldlink", "13", &[])).await.str("id");
    app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&officer.token).send().await.assert_status(202);
    let token = app.last_email_to(&signatory_emails("oldlink")[0]).await.token();
    let (ct, body) = multipart("file", "plan.pdf", "application/pdf", &pdf("late"));
    app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await.assert_status(201);
    app.post(&format!("/api/v1/endorsements/{token}")).send().await.assert_problem(410, "endorsement_token_invalid");
}

#[actix_web::test]
async fn a_proposal_carries_at_most_twenty_attachments() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({})).await.str("id");
    let url = format!("/api/v1/proposals/{id}/attachments");
    for i in 0..20 {
        let (ct, body) = multipart("file", &format!("{i}.pdf"), "application/pdf", &pdf(&i.to_string()));
        app.post(&url).token(&officer.token).raw(&ct, body).send().await.assert_status(201);
    }
    let (ct, body) = multipart("file", "21.pdf", "application/pdf", &pdf("one too many"));
    let res = app.post(&url).token(&officer.token).raw(&ct, body).send().await;
    res.assert_problem(409, "too_many_attachments");
    let proposal = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    assert_eq!(proposal.body["attachments"].as_array().unwrap().len(), 20);
}

#[actix_web::test]
async fn an_encrypted_pdf_is_refused() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({})).await.str("id");
    let encrypted = b"%PDF-1.6\n1 0 obj\n<< /Type /Catalog >>\nendobj\n5 0 obj\n<< /Filter /Standard /V 4 /R 4 >>\nendobj\ntrailer\n<< /Root 1 0 R /Encrypt 5 0 R >>\nstartxref\n9\n%%EOF\n";
    let (ct, body) = multipart("file", "secret.pdf", "application/pdf", encrypted);
    let res = app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "file");
    assert_eq!(res.body["errors"][0]["code"], "encrypted_pdf");
    let proposal = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    assert_eq!(proposal.body["attachments"], json!([]));
}

async fn uploaded(app: &TestApp, officer: &crate::helpers::TestUser, id: &str, name: &str) -> String {
    let (ct, body) = multipart("file", name, "application/pdf", &pdf(name));
    let res = app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await;
    res.assert_status(201);
    res.str("id")
}

#[actix_web::test]
async fn the_lead_removes_an_attachment_from_a_draft_and_its_file_goes() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "partner_prefecture_codes": ["11"] })).await.str("id");
    let kept = uploaded(&app, &officer, &id, "残す.pdf").await;
    let gone = uploaded(&app, &officer, &id, "消す.pdf").await;
    let url = format!("/api/v1/proposals/{id}/attachments/{gone}");

    // A partner reads but does not remove; an outsider does not learn it exists.
    app.delete(&url).token(&saitama.token).send().await.assert_problem(403, "forbidden");
    app.delete(&url).token(&app.applicant("47").await.token).send().await.assert_problem(404, "not_found");
    let before = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;

    let res = app.delete(&url).token(&officer.token).send().await;
    res.assert_status(204);
    let after = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    let ids: Vec<&str> = after.body["attachments"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [kept.as_str()]);
    assert_eq!(after.body["version"], before.body["version"].as_i64().unwrap() + 1);
    assert!(!app.state.settings.storage.attachments_dir.join(&id).join(format!("{gone}.pdf")).exists());
    app.get(&url).token(&officer.token).send().await.assert_problem(404, "not_found");
    app.delete(&url).token(&officer.token).send().await.assert_problem(404, "not_found");
    assert_eq!(audit_actions(&app, "proposal", &id).await[0], "attachment_removed");
}

#[actix_web::test]
async fn a_removal_voids_the_endorsements_and_their_links() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("rm", "13", &[])).await.str("id");
    let aid = uploaded(&app, &officer, &id, "plan.pdf").await;
    endorse_all(&app, &officer, &id, "rm").await;
    app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&officer.token).send().await.assert_status(202);
    let path = format!("/api/v1/proposals/{id}");
    let before = app.get(&path).token(&officer.token).send().await;
    assert!(before.body["endorsements"].as_array().unwrap().iter().all(|e| !e["endorsed_at"].is_null()));

    app.delete(&format!("{path}/attachments/{aid}")).token(&officer.token).send().await.assert_status(204);
    let after = app.get(&path).token(&officer.token).send().await;
    assert!(after.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_null()));
    app.post(&format!("{path}/submit")).token(&officer.token).send().await.assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn a_submitted_proposal_keeps_its_attachments() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("keep", "13", &[])).await.str("id");
    let aid = uploaded(&app, &officer, &id, "plan.pdf").await;
    endorse_all(&app, &officer, &id, "keep").await;
    app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await.assert_status(200);
    let url = format!("/api/v1/proposals/{id}/attachments/{aid}");
    app.delete(&url).token(&officer.token).send().await.assert_problem(409, "invalid_state");
    app.get(&url).token(&officer.token).send().await.assert_status(200);
}
