use chrono::Duration;
use serde_json::{Value, json};

use crate::fixtures::{audit_actions, complete_content, create_proposal, endorse_all, open_call, submitted_proposal};
use crate::helpers::TestApp;

fn error_fields(body: &Value) -> Vec<String> {
    body["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect()
}

#[actix_web::test]
async fn an_applicant_starts_a_draft_led_by_their_prefecture() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("14").await;
    let res = create_proposal(&app, &officer, &call, &json!({ "title": "神奈川拠点" })).await;
    res.assert_status(201);
    assert_eq!(res.body["status"], "draft");
    assert_eq!(res.body["lead_prefecture_code"], "14");
    assert_eq!(res.body["call_id"], call);
    assert_eq!(res.body["title"], "神奈川拠点");
    assert_eq!(res.body["version"], 1);
    assert_eq!(res.body["receipt_number"], Value::Null);
    assert_eq!(res.body["partners"], json!([]));
    let roles: Vec<&str> = res.body["endorsements"].as_array().unwrap().iter().map(|e| e["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["governor", "university_head", "industry_representative"]);
    assert!(res.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_null()));
    // An empty body is a blank draft.
    let other = app.applicant("13").await;
    let res = app.post(&format!("/api/v1/calls/{call}/proposals")).token(&other.token).send().await;
    res.assert_status(201);
    assert_eq!(res.body["title"], Value::Null);
}

#[actix_web::test]
async fn a_prefecture_leads_only_one_proposal_per_call() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let first = app.applicant("14").await;
    let second = app.applicant("14").await;
    create_proposal(&app, &first, &call, &json!({})).await.assert_status(201);
    let res = create_proposal(&app, &second, &call, &json!({})).await;
    res.assert_problem(409, "prefecture_already_participating");
    assert_eq!(res.body["prefecture_code"], "14");
    assert!(res.str("detail").contains("神奈川県") && res.str("detail").contains("Kanagawa"), "{}", res.body);
    // Another call is another matter.
    let other_call = open_call(&app, "regional_co_creation").await;
    create_proposal(&app, &second, &other_call, &json!({})).await.assert_status(201);
}

#[actix_web::test]
async fn only_applicants_create_proposals_and_only_in_open_published_calls() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let reviewer = app.reviewer("東北大学").await;
    app.post(&format!("/api/v1/calls/{call}/proposals")).token(&reviewer.token).send().await.assert_problem(403, "forbidden");
    app.post(&format!("/api/v1/calls/{call}/proposals")).token(&app.admin.token).send().await.assert_problem(403, "forbidden");

    let officer = app.applicant("13").await;
    let draft = app.post("/api/v1/calls").token(&app.admin.token).json(&crate::fixtures::call_body("lab_construction")).send().await.str("id");
    create_proposal(&app, &officer, &draft, &json!({})).await.assert_problem(404, "not_found");
    app.advance(Duration::days(31));
    create_proposal(&app, &officer, &call, &json!({})).await.assert_problem(409, "call_not_open");
}

#[actix_web::test]
async fn a_call_not_yet_open_refuses_proposals() {
    let app = TestApp::spawn().await;
    let mut body = crate::fixtures::call_body("lab_construction");
    body["opens_at"] = json!((chrono::Utc::now() + Duration::days(2)).to_rfc3339());
    body["closes_at"] = json!((chrono::Utc::now() + Duration::days(20)).to_rfc3339());
    let call = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await.str("id");
    app.post(&format!("/api/v1/calls/{call}/publish")).token(&app.admin.token).send().await.assert_status(200);
    let officer = app.applicant("13").await;
    create_proposal(&app, &officer, &call, &json!({})).await.assert_problem(409, "call_not_open");
    app.advance(Duration::days(3));
    create_proposal(&app, &officer, &call, &json!({})).await.assert_status(201);
}

#[actix_web::test]
async fn edits_are_merge_patches_that_bump_the_version_and_etag() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("14").await;
    let created = create_proposal(&app, &officer, &call, &json!({ "title": "A", "keywords": ["x", "y"], "sections": { "purpose": "P" } })).await;
    let id = created.str("id");
    let path = format!("/api/v1/proposals/{id}");
    let res = app
        .patch(&path)
        .token(&officer.token)
        .raw("application/merge-patch+json", r#"{"keywords":["z"],"sections":{"goals":"G"},"title":null}"#)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.body["version"], 2);
    assert_eq!(res.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(res.body["keywords"], json!(["z"]));
    assert_eq!(res.body["sections"]["purpose"], "P");
    assert_eq!(res.body["sections"]["goals"], "G");
    assert_eq!(res.body["title"], Value::Null);

    // A stale ETag is refused and changes nothing.
    let stale = created.header("etag").unwrap();
    let res = app.patch(&path).token(&officer.token).header("If-Match", &stale).json(&json!({ "title": "lost update" })).send().await;
    res.assert_problem(412, "version_conflict");
    let res = app.patch(&path).token(&officer.token).header("If-Match", "\"2\"").json(&json!({ "title": "B" })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["title"], "B");
    assert_eq!(res.body["version"], 3);
}

#[actix_web::test]
async fn content_of_the_wrong_shape_is_refused_with_its_path() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("14").await;
    let id = create_proposal(&app, &officer, &call, &json!({})).await.str("id");
    let path = format!("/api/v1/proposals/{id}");
    for (patch, field) in [
        (json!({ "funding_plan": [{ "fiscal_year": 2027, "prefecture_yen": -1 }] }), "funding_plan[0].prefecture_yen"),
        (json!({ "partner_prefecture_codes": ["99"] }), "partner_prefecture_codes[0]"),
        (json!({ "construction_type": "castle" }), "construction_type"),
        (json!({ "sections": { "purpse": "typo" } }), "sections.purpse"),
        (json!({ "partner_prefecture_codes": ["14"] }), "partner_prefecture_codes[0]"),
    ] {
        let res = app.patch(&path).token(&officer.token).json(&patch).send().await;
        res.assert_problem(422, "validation_failed");
        assert_eq!(res.body["errors"][0]["field"], field, "{}", res.body);
    }
    let res = app.get(&path).token(&officer.token).send().await;
    assert_eq!(res.body["version"], 1, "nothing changed");
}

#[actix_web::test]
async fn submission_lists_every_problem_at_once() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("14").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "requested_amount_yen": 5_000_000_000_i64 })).await.str("id");
    let res = app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await;
    res.assert_problem(422, "validation_failed");
    let fields = error_fields(&res.body);
    for expected in [
        "title:required",
        "summary:required",
        "sections.purpose:required",
        "sections.goals:required",
        "sections.activity_plan:required",
        "sections.positioning:required",
        "sections.expected_outcomes:required",
        "sections.operating_body:required",
        "sections.facility_management:required",
        "sections.land:required",
        "sections.facility_plan:required",
        "funding_plan:too_few_years",
        "requested_amount_yen:exceeds_call_maximum",
        "construction_type:required",
        "signatories.governor:required",
        "signatories.university_head:required",
        "signatories.industry_representative:required",
        "consultations.14100:consultation_missing",
        "consultations.14130:consultation_missing",
        "consultations.14150:consultation_missing",
    ] {
        assert!(fields.contains(&expected.to_string()), "{expected} missing from {fields:?}");
    }
    let res = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    assert_eq!(res.body["status"], "draft");
}

#[actix_web::test]
async fn a_complete_endorsed_proposal_is_submitted_with_a_receipt_snapshot_and_email() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("14").await;
    let colleague = app.applicant("14").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("kanagawa", "14", &[])).await.str("id");
    endorse_all(&app, &officer, &id, "kanagawa").await;
    let before = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    assert!(before.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_string()), "{}", before.body);

    let res = app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "submitted");
    assert_eq!(res.body["receipt_number"], "R8-LAB-14-0001");
    assert!(res.str("submitted_at").ends_with("+09:00"));

    let versions = app.get(&format!("/api/v1/proposals/{id}/versions")).token(&officer.token).send().await;
    versions.assert_status(200);
    assert_eq!(versions.body["total"], 1);
    assert_eq!(versions.body["items"][0]["receipt_number"], "R8-LAB-14-0001");
    assert_eq!(versions.body["items"][0]["content"]["title"], "kanagawa 地域産学官共同研究拠点");

    app.deliver_mail().await;
    for to in [&officer.email, &colleague.email] {
        let email = app.emails().into_iter().rev().find(|e| &e.to == to).expect("receipt email");
        assert!(email.subject.contains("R8-LAB-14-0001"), "{}", email.subject);
        assert!(email.body.contains("受付番号") && email.body.contains("Receipt number"));
    }
    assert_eq!(
        audit_actions(&app, "proposal", &id).await,
        ["proposal_submitted", "proposal_endorsed", "proposal_endorsed", "proposal_endorsed", "endorsements_requested", "proposal_created"]
    );
    // Submitted content is frozen.
    let res = app.patch(&format!("/api/v1/proposals/{id}")).token(&officer.token).json(&json!({ "title": "x" })).send().await;
    res.assert_problem(409, "invalid_state");
}

#[actix_web::test]
async fn receipt_numbers_count_up_within_a_call() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let aomori = app.applicant("02").await;
    let first = submitted_proposal(&app, &tokyo, &call, "tokyo", "13").await;
    let second = submitted_proposal(&app, &aomori, &call, "aomori", "02").await;
    assert_eq!(first["receipt_number"], "R8-LAB-13-0001");
    assert_eq!(second["receipt_number"], "R8-LAB-02-0002");
}

#[actix_web::test]
async fn a_retried_submission_with_the_same_key_returns_the_same_receipt() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("retry", "13", &[])).await.str("id");
    endorse_all(&app, &officer, &id, "retry").await;
    let submit = |key: &'static str| app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).header("Idempotency-Key", key);
    let first = submit("9f1c2d").send().await;
    first.assert_status(200);
    let retry = submit("9f1c2d").send().await;
    retry.assert_status(200);
    assert_eq!(retry.body["receipt_number"], first.body["receipt_number"]);
    assert_eq!(retry.body["submitted_at"], first.body["submitted_at"]);
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    // A new key is a new request, and the proposal is no longer a draft.
    submit("another-key").send().await.assert_problem(409, "invalid_state");
    let versions = app.get(&format!("/api/v1/proposals/{id}/versions")).token(&officer.token).send().await;
    assert_eq!(versions.body["total"], 1, "the retry stored no second snapshot");
}

#[actix_web::test]
async fn before_the_deadline_a_submission_can_be_pulled_back_and_resubmitted() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let submitted = submitted_proposal(&app, &officer, &call, "again", "13").await;
    let id = submitted["id"].as_str().unwrap().to_string();
    let res = app.post(&format!("/api/v1/proposals/{id}/unsubmit")).token(&officer.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "draft");
    let res = app.patch(&format!("/api/v1/proposals/{id}")).token(&officer.token).json(&json!({ "summary": "改訂版" })).send().await;
    res.assert_status(200);
    endorse_all(&app, &officer, &id, "again").await;
    let res = app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["receipt_number"], submitted["receipt_number"], "the receipt number stays");
    let versions = app.get(&format!("/api/v1/proposals/{id}/versions")).token(&officer.token).send().await;
    assert_eq!(versions.body["total"], 2);
    assert_eq!(versions.body["items"][0]["content"]["summary"], "材料科学の産学官共同研究拠点を整備する。");
    assert_eq!(versions.body["items"][1]["content"]["summary"], "改訂版");
    assert_ne!(versions.body["items"][0]["content_hash"], versions.body["items"][1]["content_hash"]);
}

#[actix_web::test]
async fn after_the_deadline_nothing_an_applicant_sends_changes_a_proposal() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let draft = create_proposal(&app, &officer, &call, &complete_content("late", "13", &[])).await.str("id");
    endorse_all(&app, &officer, &draft, "late").await;
    let other = app.applicant("02").await;
    let submitted = submitted_proposal(&app, &other, &call, "ontime", "02").await["id"].as_str().unwrap().to_string();

    app.advance(Duration::days(31));
    for (path, body) in [
        (format!("/api/v1/proposals/{draft}/submit"), None),
        (format!("/api/v1/proposals/{draft}/endorsements/request"), None),
        (format!("/api/v1/proposals/{submitted}/unsubmit"), None),
        (format!("/api/v1/proposals/{submitted}/withdraw"), None),
    ] {
        let user = if path.contains(&draft) { &officer } else { &other };
        let req = app.post(&path).token(&user.token);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        req.send().await.assert_problem(409, "call_not_open");
    }
    let res = app.patch(&format!("/api/v1/proposals/{draft}")).token(&officer.token).json(&json!({ "title": "late edit" })).send().await;
    res.assert_problem(409, "call_not_open");
    let res = app.get(&format!("/api/v1/proposals/{draft}")).token(&officer.token).send().await;
    assert_eq!(res.body["status"], "draft");
    assert_eq!(res.body["title"], "late 地域産学官共同研究拠点");
}

#[actix_web::test]
async fn withdrawing_releases_the_prefecture_for_good() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({})).await.str("id");
    let res = app.post(&format!("/api/v1/proposals/{id}/withdraw")).token(&officer.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "withdrawn");
    app.post(&format!("/api/v1/proposals/{id}/withdraw")).token(&officer.token).send().await.assert_problem(409, "invalid_state");
    app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await.assert_problem(409, "invalid_state");
    create_proposal(&app, &officer, &call, &json!({})).await.assert_status(201);
    assert_eq!(audit_actions(&app, "proposal", &id).await, ["proposal_withdrawn", "proposal_created"]);
}

#[actix_web::test]
async fn an_uninvolved_prefecture_gets_404_for_everything_about_a_proposal() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let outsider = app.applicant("47").await;
    let reviewer = app.reviewer("琉球大学").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "title": "秘密" })).await.str("id");
    let p = format!("/api/v1/proposals/{id}");
    for user in [&outsider, &reviewer] {
        app.get(&p).token(&user.token).send().await.assert_problem(404, "not_found");
        app.patch(&p).token(&user.token).json(&json!({ "title": "x" })).send().await.assert_problem(404, "not_found");
        app.get(&format!("{p}/versions")).token(&user.token).send().await.assert_problem(404, "not_found");
        app.post(&format!("{p}/submit")).token(&user.token).send().await.assert_problem(404, "not_found");
        app.post(&format!("{p}/withdraw")).token(&user.token).send().await.assert_problem(404, "not_found");
        app.post(&format!("{p}/endorsements/request")).token(&user.token).send().await.assert_problem(404, "not_found");
        let list = app.get("/api/v1/proposals").token(&user.token).send().await;
        assert_eq!(list.body["total"], 0);
    }
    app.post(&format!("{p}/partners/47/confirm")).token(&outsider.token).send().await.assert_problem(404, "not_found");
    app.get(&p).token(&app.admin.token).send().await.assert_status(200);
    app.get(&p).send().await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn proposals_are_listed_by_call_and_status() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let other_call = open_call(&app, "regional_co_creation").await;
    let tokyo = app.applicant("13").await;
    submitted_proposal(&app, &tokyo, &call, "t", "13").await;
    create_proposal(&app, &tokyo, &other_call, &json!({})).await.assert_status(201);
    let mine = app.get("/api/v1/proposals").token(&tokyo.token).send().await;
    assert_eq!(mine.body["total"], 2);
    let in_call = app.get(&format!("/api/v1/proposals?call_id={call}")).token(&tokyo.token).send().await;
    assert_eq!(in_call.body["total"], 1);
    let drafts = app.get("/api/v1/proposals?status=draft").token(&app.admin.token).send().await;
    assert_eq!(drafts.body["total"], 1);
    assert_eq!(drafts.body["items"][0]["call_id"], other_call);
    app.get("/api/v1/proposals?status=nonsense").token(&app.admin.token).send().await.assert_problem(422, "validation_failed");
}

fn problem_fields(body: &Value) -> Vec<String> {
    body["problems"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect()
}

#[actix_web::test]
async fn the_checklist_lists_what_submit_would_refuse_without_submitting() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("check", "13", &[])).await.str("id");
    let path = format!("/api/v1/proposals/{id}");

    // Complete but not endorsed: exactly the problems submit gives.
    let checklist = app.get(&format!("{path}/checklist")).token(&officer.token).send().await;
    checklist.assert_status(200);
    assert_eq!(checklist.body["ready"], false);
    let refused = app.post(&format!("{path}/submit")).token(&officer.token).send().await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(problem_fields(&checklist.body), error_fields(&refused.body));
    assert!(problem_fields(&checklist.body).contains(&"endorsements.governor:not_endorsed".to_string()));
    app.patch(&path).token(&officer.token).json(&json!({ "title": null })).send().await.assert_status(200);
    let checklist = app.get(&format!("{path}/checklist")).token(&officer.token).send().await;
    assert!(problem_fields(&checklist.body).contains(&"title:required".to_string()), "{:?}", checklist.body);
    app.patch(&path).token(&officer.token).json(&json!({ "title": "check 地域産学官共同研究拠点" })).send().await.assert_status(200);

    endorse_all(&app, &officer, &id, "check").await;
    let checklist = app.get(&format!("{path}/checklist")).token(&officer.token).send().await;
    assert_eq!(checklist.body, json!({ "ready": true, "problems": [] }));
    assert_eq!(app.get(&path).token(&officer.token).send().await.body["status"], "draft", "the checklist submits nothing");
    app.post(&format!("{path}/submit")).token(&officer.token).send().await.assert_status(200);

    // Once submitted, submit's own refusal is the one line.
    let checklist = app.get(&format!("{path}/checklist")).token(&app.admin.token).send().await;
    assert_eq!(checklist.body["ready"], false);
    assert_eq!(problem_fields(&checklist.body), ["status:invalid_state"]);
    let stranger = app.applicant("14").await;
    app.get(&format!("{path}/checklist")).token(&stranger.token).send().await.assert_problem(404, "not_found");
}

/// An edit's answer is built from what it wrote, not read back: it must be exactly what a
/// read then shows, whatever the edit touched.
#[actix_web::test]
async fn an_edit_answers_the_proposal_exactly_as_a_later_read_and_the_list_show_it() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let content = complete_content("same", "13", &["11", "12"]);
    let id = create_proposal(&app, &officer, &call, &content).await.str("id");
    let path = format!("/api/v1/proposals/{id}");
    for name in ["plan", "budget"] {
        let (ct, body) = crate::fixtures::multipart("file", &format!("{name}.pdf"), "application/pdf", &crate::fixtures::pdf(name));
        app.post(&format!("{path}/attachments")).token(&officer.token).raw(&ct, body).send().await.assert_status(201);
    }
    app.post(&format!("{path}/partners/11/confirm")).token(&saitama.token).send().await.assert_status(200);
    endorse_all(&app, &officer, &id, "same").await;

    let edits = [
        // Nothing changes: the endorsements still count.
        json!({ "title": content["title"] }),
        // The text changes: the endorsements no longer count.
        json!({ "title": "A new title" }),
        // The partners change: Saitama stays confirmed, Chiba is dropped, Kanagawa invited.
        json!({ "partner_prefecture_codes": ["11", "14"] }),
        // Back to the endorsed text, with the partners it had: those endorsements count again.
        json!({ "title": content["title"], "partner_prefecture_codes": ["11", "12"] }),
    ];
    for edit in edits {
        let answer = app.patch(&path).token(&officer.token).json(&edit).send().await;
        answer.assert_status(200);
        let read = app.get(&path).token(&officer.token).send().await;
        assert_eq!(answer.body, read.body, "after {edit}");
        assert_eq!(answer.header("etag"), read.header("etag"));
        // The answers send the stored content text as it is; the list parses and serialises it.
        let listed = app.get(&format!("/api/v1/proposals?call_id={call}")).token(&officer.token).send().await;
        assert_eq!(listed.body["items"][0], read.body, "after {edit}");
    }
    let last = app.get(&path).token(&officer.token).send().await;
    assert_eq!(last.body["partners"][0]["prefecture_code"], "11");
    assert_eq!(last.body["partners"][0]["confirmed"], true);
    assert_eq!(last.body["partners"][1]["confirmed"], false);
    let files: Vec<&str> = last.body["attachments"].as_array().unwrap().iter().map(|a| a["filename"].as_str().unwrap()).collect();
    assert_eq!(files, ["plan.pdf", "budget.pdf"], "oldest first");
    assert_eq!(last.body["attachments"][1]["sha256"].as_str().map(str::len), Some(64));
    assert!(last.body["endorsements"].as_array().unwrap().iter().all(|e| e["endorsed_at"].is_string()));
    assert_eq!(last.body["version"], 6);
    // What each edit voided, newest first: the unchanged one wrote nothing; the first change
    // voided the three endorsements; the later contents had none (those given for the content
    // restored at the end count again, as the read above shows, and were not voided by it).
    let audit = app.get(&format!("/api/v1/audit?entity_type=proposal&entity_id={id}&limit=500")).token(&app.admin.token).send().await;
    let updates: Vec<(i64, Value)> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "proposal_updated")
        .map(|e| (e["details"]["endorsements_voided"].as_i64().unwrap(), e["details"]["partners_dropped"].clone()))
        .collect();
    assert_eq!(updates, [(0, json!(["14"])), (0, json!(["12"])), (3, json!([]))]);
}

/// The writes of an auto-save are prepared once per connection and then reused: Diesel would
/// parse and plan an `UPDATE` on every run, and on SQLite an `INSERT`.
#[actix_web::test]
async fn the_writes_of_an_auto_save_stay_prepared_on_the_connection() {
    use diesel::connection::{Connection, InstrumentationEvent};
    use kyoso::auth::one_time::Purpose;
    use kyoso::domain::proposal::ProposalContent;
    use kyoso::repo::{audit, proposals, tokens};
    use std::sync::{Arc, Mutex};

    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &json!({ "title": "t" })).await.str("id");
    // A new connection, which has prepared nothing yet.
    let mut conn = match kyoso::db::Target::parse(&app.state.settings.database.url) {
        kyoso::db::Target::Postgres(url) => kyoso::db::DbConn::Pg(diesel::PgConnection::establish(&url).expect("connect")),
        kyoso::db::Target::Sqlite(path) => kyoso::db::DbConn::Sqlite(diesel::SqliteConnection::establish(&path.to_string_lossy()).expect("open")),
    };
    let prepared = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&prepared);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::CacheQuery { sql, .. } = event {
            seen.lock().unwrap().push(sql.to_string());
        }
    });
    let now = chrono::Utc::now();
    for n in 0..3 {
        let row = proposals::find(&mut conn, &id).unwrap().unwrap();
        let content = ProposalContent { title: Some(format!("title {n}")), ..ProposalContent::default() };
        assert!(proposals::update_content(&mut conn, &row, &content, &[], now).unwrap().is_some());
        tokens::void_for_subject(&mut conn, &id, Purpose::Endorsement, None, now).unwrap();
        tokens::void_for_subject(&mut conn, &id, Purpose::Endorsement, Some("governor"), now).unwrap();
        audit::record(&mut conn, &audit::Actor::system(), now, "test", "proposal", &id, json!({})).unwrap();
    }
    let prepared = prepared.lock().unwrap().clone();
    for write in ["UPDATE proposals SET content", "UPDATE action_tokens SET voided_at", "INSERT INTO audit_events"] {
        let times = prepared.iter().filter(|sql| sql.starts_with(write)).count();
        let expected = if write.contains("action_tokens") { 2 } else { 1 };
        assert_eq!(times, expected, "{write}… prepared {times} times in three runs: {prepared:#?}");
    }
}
