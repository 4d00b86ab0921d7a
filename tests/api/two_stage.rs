//! Two-stage selection (SPEC §5.4): document review, shortlist, hearing slots with iCalendar
//! invitations, hearing reviews, the ranking per stage and decisions over the shortlist.

use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::fixtures::{assign, call_body_at, call_under_review, call_under_review_of, review};
use crate::helpers::{Response, TestApp, TestUser};

/// A two-stage call under review with one submitted proposal per prefecture (Tokyo, Kanagawa,
/// Osaka), and the applicants of each lead prefecture.
async fn two_stage_call(app: &TestApp) -> (String, Vec<String>) {
    let mut body = call_body_at("lab_construction", app.state.now());
    body["selection_stages"] = json!(2);
    let proposals: [(&str, &str, &[&str], i64); 3] =
        [("ts-a", "13", &[], 2_000_000_000), ("ts-b", "14", &[], 2_000_000_000), ("ts-c", "27", &[], 2_000_000_000)];
    call_under_review_of(app, &body, &proposals).await
}

/// Assigns `reviewer` to each proposal and submits a review with the given grades.
async fn reviewed(app: &TestApp, call: &str, reviewer: &TestUser, graded: &[(&str, [&str; 3])]) -> Vec<Response> {
    let mut assignments = Vec::new();
    for (proposal, grades) in graded {
        let res = assign(app, call, proposal, reviewer).await;
        res.assert_status(201);
        review(app, reviewer, &res.str("id"), *grades).await;
        assignments.push(res);
    }
    assignments
}

async fn shortlist(app: &TestApp, call: &str, ids: &[&str]) -> Response {
    app.post(&format!("/api/v1/calls/{call}/shortlist")).token(&app.admin.token).json(&json!({ "proposal_ids": ids })).send().await
}

async fn schedule(app: &TestApp, call: &str, proposal: &str, starts_at: DateTime<Utc>, minutes: i64) -> Response {
    let body = json!({
        "proposal_id": proposal,
        "starts_at": starts_at.to_rfc3339(),
        "ends_at": (starts_at + Duration::minutes(minutes)).to_rfc3339(),
        "place": "文部科学省 東館16F 第2会議室",
    });
    app.post(&format!("/api/v1/calls/{call}/hearings")).token(&app.admin.token).json(&body).send().await
}

/// The raw text of every delivered email whose source contains `needle`.
fn raw_emails_with(app: &TestApp, needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(&app.mail_dir) else { return Vec::new() };
    let mut found: Vec<(std::time::SystemTime, String)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| {
            let raw = String::from_utf8_lossy(&std::fs::read(e.path()).ok()?).into_owned();
            let modified = e.metadata().and_then(|m| m.modified()).ok()?;
            raw.contains(needle).then_some((modified, raw))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, raw)| raw).collect()
}

async fn status_of(app: &TestApp, proposal: &str) -> Value {
    app.get(&format!("/api/v1/proposals/{proposal}")).token(&app.admin.token).send().await.body["status"].clone()
}

/// A time in the future of the server's clock, on the hour.
fn tomorrow_at(app: &TestApp, hour_utc: u32) -> DateTime<Utc> {
    let day = (app.state.now() + Duration::days(1)).date_naive();
    day.and_hms_opt(hour_utc, 0, 0).unwrap().and_utc()
}

#[actix_web::test]
async fn a_two_stage_call_goes_from_documents_through_hearings_to_decisions() {
    let app = TestApp::spawn().await;
    let (call, ids) = two_stage_call(&app).await;
    let (a, b, c) = (ids[0].as_str(), ids[1].as_str(), ids[2].as_str());
    let got = app.get(&format!("/api/v1/calls/{call}")).token(&app.admin.token).send().await;
    assert_eq!(got.body["selection_stages"], 2);

    let reader = app.reviewer("東北大学").await;
    reviewed(&app, &call, &reader, &[(a, ["S", "S", "A"]), (b, ["A", "A", "A"]), (c, ["C", "B", "C"])]).await;
    // A two-stage call decides after its hearing.
    let early = app.put(&format!("/api/v1/proposals/{a}/decision")).token(&app.admin.token)
        .json(&json!({ "outcome": "adopted", "awarded_amount_yen": 1_000_000_000 })).send().await;
    early.assert_problem(409, "invalid_state");

    let listed = shortlist(&app, &call, &[a, b]).await;
    listed.assert_status(200);
    assert_eq!(listed.body["status"], "hearing");
    assert_eq!(status_of(&app, a).await, "shortlisted");
    assert_eq!(status_of(&app, c).await, "not_shortlisted");
    let filtered = app.get(&format!("/api/v1/proposals?call_id={call}&status=shortlisted")).token(&app.admin.token).send().await;
    assert_eq!(filtered.body["total"], 2);
    app.deliver_mail().await;
    let passed_over = app.emails().into_iter().filter(|e| e.subject.contains("Document review result")).count();
    assert_eq!(passed_over, 1, "the Osaka applicant is told at once");
    let told = app.emails().into_iter().find(|e| e.subject.contains("Document review result")).unwrap();
    assert!(told.body.contains("4.00") && told.body.contains("feasibility"), "{}", told.body);
    assert!(app.emails().iter().any(|e| e.subject.contains("shortlisted for a hearing")));

    // Hearing slots, each emailed with its invitation.
    let ten = tomorrow_at(&app, 1);
    let slot_a = schedule(&app, &call, a, ten, 45).await;
    slot_a.assert_status(201);
    assert_eq!(slot_a.body["proposal_id"], a);
    schedule(&app, &call, b, ten + Duration::hours(1), 45).await.assert_status(201);
    let slots = app.get(&format!("/api/v1/calls/{call}/hearings")).token(&app.admin.token).send().await;
    assert_eq!(slots.body["total"], 2);
    assert_eq!(slots.body["items"][0]["proposal_id"], a);
    app.deliver_mail().await;
    let invitation = raw_emails_with(&app, "hearing.ics");
    assert_eq!(invitation.len(), 2, "one invitation per slot to each lead prefecture's applicant");
    let expected = format!("DTSTART;TZID=Asia/Tokyo:{}", ten.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap()).format("%Y%m%dT%H%M%S"));
    assert!(invitation.iter().any(|raw| raw.contains("multipart/mixed") && raw.contains("text/calendar") && raw.contains(&expected)), "{}", invitation[0]);

    // Hearing reviewers: the shortlist only, graded once heard.
    let panel = app.reviewer("九州大学").await;
    assign(&app, &call, c, &panel).await.assert_problem(409, "not_shortlisted");
    let heard = assign(&app, &call, a, &panel).await;
    heard.assert_status(201);
    assert_eq!(heard.body["stage"], "hearing");
    let mine = app.get("/api/v1/me/assignments").token(&panel.token).send().await;
    assert_eq!(mine.body["items"][0]["stage"], "hearing");
    // The reviewer's page says which assignments are hearings.
    let web = crate::pages::Browser::new(&app);
    web.sign_in(&panel.email, crate::helpers::PASSWORD).await;
    web.get("/me/assignments").await.assert_page(200, &["ヒアリング審査"]);
    let grades = json!({ "grades": { "purpose": "A" } });
    let too_soon = app.put(&format!("/api/v1/assignments/{}/review", heard.str("id"))).token(&panel.token).json(&grades).send().await;
    too_soon.assert_problem(409, "hearing_not_held");
    let heard_b = assign(&app, &call, b, &panel).await.str("id");
    app.advance(Duration::days(2));
    review(&app, &panel, &heard.str("id"), ["A", "B", "B"]).await;
    review(&app, &panel, &heard_b, ["S", "S", "S"]).await;

    // The hearing ranks by default: b, heard better, comes first; the documents stay visible.
    let ranking = app.get(&format!("/api/v1/calls/{call}/ranking")).token(&app.admin.token).send().await;
    assert_eq!(ranking.body["stage"], "hearing");
    assert_eq!(ranking.body["total"], 2);
    assert_eq!(ranking.body["items"][0]["proposal_id"], b);
    let documents = app.get(&format!("/api/v1/calls/{call}/ranking?stage=document")).token(&app.admin.token).send().await;
    assert_eq!(documents.body["total"], 3);
    assert_eq!(documents.body["items"][0]["proposal_id"], a);
    let csv = app.get(&format!("/api/v1/calls/{call}/ranking?stage=hearing&format=csv")).token(&app.admin.token).send().await;
    assert_eq!(String::from_utf8_lossy(&csv.bytes).lines().count(), 3);

    // Decisions over the shortlist; the not-shortlisted proposal is rejected at publication.
    let decide = |id: &str, outcome: &str, yen: i64| {
        app.put(&format!("/api/v1/proposals/{id}/decision")).token(&app.admin.token).json(&json!({ "outcome": outcome, "awarded_amount_yen": yen })).send()
    };
    decide(c, "adopted", 1_000_000_000).await.assert_problem(409, "not_shortlisted");
    decide(b, "adopted", 1_500_000_000).await.assert_status(200);
    let missing = app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await;
    missing.assert_problem(409, "decisions_missing");
    assert_eq!(missing.body["missing"], json!([a]));
    decide(a, "rejected", 0).await.assert_status(200);
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_status(200);
    assert_eq!(status_of(&app, c).await, "rejected");
    assert_eq!(status_of(&app, b).await, "adopted");
    let public = app.get(&format!("/api/v1/public/calls/{call}/results")).send().await;
    assert_eq!(public.body["total"], 1);
    let osaka = app.applicant("27").await;
    let result_c = app.get(&format!("/api/v1/proposals/{c}/result")).token(&osaka.token).send().await;
    result_c.assert_status(200);
    assert_eq!(result_c.body["stage_reached"], "document");
    assert_eq!(result_c.body["outcome"], "rejected");
    assert_eq!(result_c.body["reviews"], 1);
    let kanagawa = app.applicant("14").await;
    let result_b = app.get(&format!("/api/v1/proposals/{b}/result")).token(&kanagawa.token).send().await;
    assert_eq!(result_b.body["stage_reached"], "hearing");
    assert_eq!(result_b.body["score"], 4.0);
}

#[actix_web::test]
async fn the_shortlist_is_refused_with_its_codes() {
    let app = TestApp::spawn().await;
    let (one_stage, one_ids) = call_under_review(&app, &[("os-a", "13", &[])]).await;
    shortlist(&app, &one_stage, &[&one_ids[0]]).await.assert_problem(409, "invalid_state");

    let (call, ids) = two_stage_call(&app).await;
    let reader = app.reviewer("東北大学").await;
    reviewed(&app, &call, &reader, &[(&ids[0], ["A", "A", "A"])]).await;
    // Assigned but not yet submitted counts as missing too.
    assign(&app, &call, &ids[1], &reader).await.assert_status(201);
    let missing = shortlist(&app, &call, &[&ids[0], &ids[1]]).await;
    missing.assert_problem(409, "reviews_missing");
    assert_eq!(missing.body["missing"], json!([ids[1]]));
    let unknown = shortlist(&app, &call, &["no-such-proposal"]).await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.body["errors"][0]["field"], "proposal_ids[0]");
    assert_eq!(status_of(&app, &ids[0]).await, "under_review", "a refused shortlist changes nothing");

    shortlist(&app, &call, &[&ids[0]]).await.assert_status(200);
    shortlist(&app, &call, &[&ids[0]]).await.assert_problem(409, "invalid_state");
    let actions = crate::fixtures::audit_actions(&app, "call", &call).await;
    assert!(actions.contains(&"shortlist_made".to_string()), "{actions:?}");
}

#[actix_web::test]
async fn hearing_slots_are_refused_with_their_codes_and_moves_resend_the_invitation() {
    let app = TestApp::spawn().await;
    let (call, ids) = two_stage_call(&app).await;
    let reader = app.reviewer("東北大学").await;
    reviewed(&app, &call, &reader, &[(&ids[0], ["A", "A", "A"]), (&ids[1], ["B", "B", "B"])]).await;
    let early = schedule(&app, &call, &ids[0], tomorrow_at(&app, 1), 30).await;
    early.assert_problem(409, "invalid_state");
    shortlist(&app, &call, &[&ids[0], &ids[1]]).await.assert_status(200);

    let ten = tomorrow_at(&app, 1);
    let backwards = schedule(&app, &call, &ids[0], ten, 0).await;
    backwards.assert_problem(422, "validation_failed");
    assert_eq!(backwards.body["errors"][0]["field"], "ends_at");
    schedule(&app, &call, &ids[2], ten, 30).await.assert_problem(409, "not_shortlisted");
    let first = schedule(&app, &call, &ids[0], ten, 60).await;
    first.assert_status(201);
    let overlap = schedule(&app, &call, &ids[1], ten + Duration::minutes(30), 60).await;
    overlap.assert_problem(409, "slot_overlap");
    assert_eq!(overlap.body["overlaps"]["id"], first.body["id"]);
    // Back to back is no overlap.
    let second = schedule(&app, &call, &ids[1], ten + Duration::minutes(60), 60).await;
    second.assert_status(201);
    schedule(&app, &call, &ids[0], ten + Duration::hours(5), 30).await.assert_problem(409, "invalid_state");

    // Moving: refused onto another slot, else re-sent with the same UID and a higher SEQUENCE.
    let path = format!("/api/v1/hearings/{}", first.str("id"));
    let onto = json!({ "starts_at": (ten + Duration::minutes(90)).to_rfc3339(), "ends_at": (ten + Duration::minutes(100)).to_rfc3339() });
    app.patch(&path).token(&app.admin.token).json(&onto).send().await.assert_problem(409, "slot_overlap");
    let later = json!({ "starts_at": (ten + Duration::hours(3)).to_rfc3339(), "ends_at": (ten + Duration::hours(4)).to_rfc3339(), "place": "オンライン" });
    let moved = app.patch(&path).token(&app.admin.token).json(&later).send().await;
    moved.assert_status(200);
    assert_eq!(moved.body["sequence"], 1);
    assert_eq!(moved.body["place"], "オンライン");
    app.deliver_mail().await;
    let uid = format!("UID:hearing-{}@kyoso", first.str("id"));
    let sent: Vec<String> = raw_emails_with(&app, &uid);
    assert_eq!(sent.len(), 2, "the first invitation and the move");
    assert!(sent.iter().any(|raw| raw.contains("SEQUENCE:0")) && sent.iter().any(|raw| raw.contains("SEQUENCE:1")));
    let actions = crate::fixtures::audit_actions(&app, "proposal", &ids[0]).await;
    assert!(actions.contains(&"hearing_scheduled".to_string()) && actions.contains(&"hearing_moved".to_string()), "{actions:?}");
}

#[actix_web::test]
async fn concurrent_slots_that_would_overlap_leave_exactly_one() {
    let app = TestApp::spawn().await;
    let (call, ids) = two_stage_call(&app).await;
    let reader = app.reviewer("東北大学").await;
    let graded: Vec<(&str, [&str; 3])> = ids.iter().map(|id| (id.as_str(), ["A", "A", "A"])).collect();
    reviewed(&app, &call, &reader, &graded).await;
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    shortlist(&app, &call, &all).await.assert_status(200);
    let ten = tomorrow_at(&app, 1);
    // Each starts within the others' hour.
    let attempts = ids.iter().enumerate().map(|(i, id)| schedule(&app, &call, id, ten + Duration::minutes(10 * i as i64), 60));
    let results = join_all(attempts).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    for r in results.iter().filter(|r| r.status.as_u16() != 201) {
        r.assert_problem(409, "slot_overlap");
    }
    let slots = app.get(&format!("/api/v1/calls/{call}/hearings")).token(&app.admin.token).send().await;
    assert_eq!(slots.body["total"], 1);
}

#[actix_web::test]
async fn selection_stages_are_one_or_two_and_fixed_once_published() {
    let app = TestApp::spawn().await;
    let mut body = call_body_at("lab_construction", app.state.now());
    body["selection_stages"] = json!(3);
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "selection_stages");
    body.as_object_mut().unwrap().remove("selection_stages");
    let draft = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await;
    assert_eq!(draft.body["selection_stages"], 1);
    let path = format!("/api/v1/calls/{}", draft.str("id"));
    let two = app.patch(&path).token(&app.admin.token).json(&json!({ "selection_stages": 2 })).send().await;
    two.assert_status(200);
    assert_eq!(two.body["selection_stages"], 2);
    app.post(&format!("{path}/publish")).token(&app.admin.token).send().await.assert_status(200);
    app.patch(&path).token(&app.admin.token).json(&json!({ "selection_stages": 1 })).send().await.assert_problem(409, "invalid_state");
}

#[actix_web::test]
async fn a_one_stage_call_reviews_documents_and_says_so_in_results() {
    let app = TestApp::spawn().await;
    let (call, ids) = call_under_review(&app, &[("one-a", "13", &[])]).await;
    let reader = app.reviewer("東北大学").await;
    let made = reviewed(&app, &call, &reader, &[(&ids[0], ["A", "A", "A"])]).await;
    assert_eq!(made[0].body["stage"], "document");
    let ranking = app.get(&format!("/api/v1/calls/{call}/ranking")).token(&app.admin.token).send().await;
    assert_eq!(ranking.body["stage"], "document");
    app.post(&format!("/api/v1/calls/{call}/hearings")).token(&app.admin.token)
        .json(&json!({ "proposal_id": ids[0], "starts_at": "2030-01-01T10:00:00+09:00", "ends_at": "2030-01-01T11:00:00+09:00", "place": "x" }))
        .send().await.assert_problem(409, "invalid_state");
    app.put(&format!("/api/v1/proposals/{}/decision", ids[0])).token(&app.admin.token)
        .json(&json!({ "outcome": "adopted", "awarded_amount_yen": 1_000_000_000 })).send().await.assert_status(200);
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_status(200);
    let tokyo = app.applicant("13").await;
    let result = app.get(&format!("/api/v1/proposals/{}/result", ids[0])).token(&tokyo.token).send().await;
    assert_eq!(result.body["stage_reached"], "document");
}
