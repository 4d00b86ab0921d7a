use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::fixtures::{assign, audit_actions, call_under_review_with, complete_content, create_proposal, expert, open_call, review};
use crate::helpers::{TestApp, TestUser};

const B: i64 = 1_000_000_000;

async fn decide(app: &TestApp, proposal: &str, outcome: &str, amount: i64) -> crate::helpers::Response {
    let mut body = json!({ "outcome": outcome, "awarded_amount_yen": amount, "feedback": "審査委員会の所見" });
    if outcome == "conditionally_adopted" {
        body["conditions"] = json!("運営体制の見直しを条件とする");
    }
    app.put(&format!("/api/v1/proposals/{proposal}/decision")).token(&app.admin.token).json(&body).send().await
}

#[actix_web::test]
async fn awards_fit_the_budget_exactly_and_not_one_yen_more() {
    let app = TestApp::spawn().await;
    let (_, p) = call_under_review_with(&app, 4 * B, &[("a", "01", &[], 2 * B), ("b", "02", &[], 2 * B), ("c", "03", &[], 2 * B)]).await;
    decide(&app, &p[0], "adopted", 2 * B).await.assert_status(200);
    let res = decide(&app, &p[1], "conditionally_adopted", 2 * B).await;
    res.assert_status(200);
    assert_eq!(res.body["conditions"], "運営体制の見直しを条件とする");
    let res = decide(&app, &p[2], "adopted", 1).await;
    res.assert_problem(409, "budget_exceeded");
    assert_eq!(res.body["remaining_yen"], 0);
    decide(&app, &p[2], "rejected", 0).await.assert_status(200);

    // Changing a decision frees budget for another.
    decide(&app, &p[1], "adopted", 3 * B / 2).await.assert_status(200);
    let res = decide(&app, &p[2], "adopted", B / 2 + 1).await;
    res.assert_problem(409, "budget_exceeded");
    assert_eq!(res.body["remaining_yen"], B / 2);
    assert!(res.str("detail").contains("500,000,000 円"), "{}", res.body);
    decide(&app, &p[2], "adopted", B / 2).await.assert_status(200);
    // Refused attempts change nothing and leave no event.
    assert_eq!(audit_actions(&app, "proposal", &p[2]).await[..2], ["decision_changed".to_string(), "decision_recorded".to_string()]);
}

#[actix_web::test]
async fn concurrent_decisions_that_together_exceed_the_budget_cannot_both_win() {
    let app = TestApp::spawn().await;
    let (call, p) = call_under_review_with(&app, 4 * B, &[("a", "01", &[], 3 * B), ("b", "02", &[], 3 * B)]).await;
    let body = json!({ "outcome": "adopted", "awarded_amount_yen": 3 * B });
    let results = join_all(p.iter().map(|id| app.put(&format!("/api/v1/proposals/{id}/decision")).token(&app.admin.token).json(&body).send())).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses == [200, 409] || statuses == [409, 200], "{statuses:?}");
    assert!(results.iter().any(|r| r.body["code"] == "budget_exceeded"));
    let listed = app.get(&format!("/api/v1/calls/{call}/decisions")).token(&app.admin.token).send().await;
    assert_eq!(listed.body["awarded_yen"], 3 * B);
    assert_eq!(listed.body["remaining_yen"], B);
}

#[actix_web::test]
async fn every_problem_with_a_decision_is_refused() {
    let app = TestApp::spawn().await;
    let (_, p) = call_under_review_with(&app, 10 * B, &[("a", "01", &[], 2 * B)]).await;
    for (body, code) in [
        (json!({ "outcome": "adopted", "awarded_amount_yen": 2 * B + 1 }), "exceeds_request"),
        (json!({ "outcome": "adopted", "awarded_amount_yen": 0 }), "must_be_positive"),
        (json!({ "outcome": "rejected", "awarded_amount_yen": 5 }), "must_be_zero"),
        (json!({ "outcome": "conditionally_adopted", "awarded_amount_yen": B }), "required"),
        (json!({ "outcome": "adopted", "awarded_amount_yen": -1 }), "negative"),
    ] {
        let res = app.put(&format!("/api/v1/proposals/{}/decision", p[0])).token(&app.admin.token).json(&body).send().await;
        res.assert_problem(422, "validation_failed");
        assert!(res.body["errors"].as_array().unwrap().iter().any(|e| e["code"] == code), "{code}: {}", res.body);
    }
    let res = app.put(&format!("/api/v1/proposals/{}/decision", p[0])).token(&app.admin.token).json(&json!({ "outcome": "maybe", "awarded_amount_yen": 0 })).send().await;
    res.assert_problem(422, "validation_failed");
    app.get(&format!("/api/v1/proposals/{}/decision", p[0])).token(&app.admin.token).send().await.assert_problem(404, "not_found");
    let officer = app.applicant("05").await;
    app.put(&format!("/api/v1/proposals/{}/decision", p[0])).token(&officer.token).json(&json!({ "outcome": "rejected", "awarded_amount_yen": 0 })).send().await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn decisions_wait_for_the_review_and_end_with_publication() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let id = create_proposal(&app, &officer, &call, &complete_content("early", "13", &[])).await.str("id");
    decide(&app, &id, "rejected", 0).await.assert_problem(409, "invalid_state");
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_problem(409, "invalid_state");
}

#[actix_web::test]
async fn publication_waits_for_every_decision_then_makes_them_final() {
    let app = TestApp::spawn().await;
    let (call, p) = call_under_review_with(&app, 10 * B, &[("a", "01", &[], 2 * B), ("b", "02", &[], 2 * B)]).await;
    decide(&app, &p[0], "adopted", 2 * B).await.assert_status(200);
    let res = app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await;
    res.assert_problem(409, "decisions_missing");
    assert_eq!(res.body["missing"], json!([p[1]]));
    app.get(&format!("/api/v1/public/calls/{call}/results")).send().await.assert_problem(404, "not_found");

    decide(&app, &p[1], "rejected", 0).await.assert_status(200);
    let res = app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "decided");
    assert!(res.body["decisions_published_at"].is_string());
    let proposal = app.get(&format!("/api/v1/proposals/{}", p[0])).token(&app.admin.token).send().await;
    assert_eq!(proposal.body["status"], "adopted");
    let proposal = app.get(&format!("/api/v1/proposals/{}", p[1])).token(&app.admin.token).send().await;
    assert_eq!(proposal.body["status"], "rejected");

    decide(&app, &p[1], "adopted", B).await.assert_problem(409, "invalid_state");
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_problem(409, "invalid_state");
    assert!(audit_actions(&app, "call", &call).await.contains(&"decisions_published".to_string()));
}

/// A joint proposal (Tokyo leading, Saitama confirmed) plus a single one, reviewed and decided.
struct Published {
    call: String,
    joint: String,
    single: String,
    tokyo: TestUser,
    saitama: TestUser,
    reviewer: TestUser,
}

async fn published(app: &TestApp) -> Published {
    let crate::fixtures::JointAndSingle { call, joint, single, tokyo, saitama, .. } = crate::fixtures::joint_and_single(app).await;
    app.advance(chrono::Duration::days(31));
    app.post(&format!("/api/v1/calls/{call}/start-review")).token(&app.admin.token).send().await.assert_status(200);
    let reviewer = expert(app, "九州大学", Some("40"), &["materials"], None).await;
    for id in [&joint, &single] {
        let a = assign(app, &call, id, &reviewer).await.str("id");
        review(app, &reviewer, &a, ["S", "A", "B"]).await;
    }
    decide(app, &joint, "conditionally_adopted", 2 * B).await.assert_status(200);
    decide(app, &single, "rejected", 0).await.assert_status(200);
    app.post(&format!("/api/v1/calls/{call}/publish-decisions")).token(&app.admin.token).send().await.assert_status(200);
    Published { call, joint, single, tokyo, saitama, reviewer }
}

#[actix_web::test]
async fn every_participating_prefecture_is_told_in_japanese_and_english() {
    let app = TestApp::spawn().await;
    let p = published(&app).await;
    for officer in [&p.tokyo, &p.saitama] {
        let email = app.last_email_to(&officer.email).await;
        assert!(email.subject.contains("採択結果") && email.subject.contains("Decision"), "{}", email.subject);
        assert!(email.body.contains("条件付き採択") && email.body.contains("adopted with conditions"), "{}", email.body);
        assert!(email.body.contains("2,000,000,000 円"));
        assert!(email.body.contains(&format!("/proposals/{}/result", p.joint)));
    }
    app.deliver_mail().await;
    let emails = app.emails();
    let to_aomori = emails.iter().filter(|e| e.subject.contains("採択結果") && e.body.contains("不採択")).count();
    assert_eq!(to_aomori, 1, "the rejected prefecture is told too");
}

#[actix_web::test]
async fn results_are_shown_to_the_proposals_prefectures_only_and_without_reviewers() {
    let app = TestApp::spawn().await;
    let p = published(&app).await;
    let path = format!("/api/v1/proposals/{}/result", p.joint);
    for officer in [&p.tokyo, &p.saitama] {
        let res = app.get(&path).token(&officer.token).send().await;
        res.assert_status(200);
        assert_eq!(res.body["outcome"], "conditionally_adopted");
        assert_eq!(res.body["awarded_amount_yen"], 2 * B);
        assert_eq!(res.body["conditions"], "運営体制の見直しを条件とする");
        assert_eq!(res.body["feedback"], "審査委員会の所見");
        // S, A, B with weights 1, 2, 1: (4 + 6 + 2) / 4.
        assert_eq!(res.body["score"], 3.0);
        assert_eq!(res.body["reviews"], 1);
        assert_eq!(res.body["criteria"], json!({ "purpose": 4.0, "feasibility": 3.0, "impact": 2.0 }));
        assert_eq!(res.body["grades"], json!({ "S": 1, "A": 1, "B": 1, "C": 0 }));
        let text = res.body.to_string();
        assert!(!text.contains(&p.reviewer.id) && !text.contains("九州大学"), "no reviewer identity: {text}");
    }
    let stranger = app.applicant("47").await;
    app.get(&path).token(&stranger.token).send().await.assert_problem(404, "not_found");
    app.get(&path).token(&p.reviewer.token).send().await.assert_problem(404, "not_found");
    app.get(&path).send().await.assert_problem(401, "unauthenticated");
    app.get(&format!("/api/v1/proposals/{}/result", p.single)).token(&p.tokyo.token).send().await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn results_stay_hidden_until_publication() {
    let app = TestApp::spawn().await;
    let (call, p) = call_under_review_with(&app, 10 * B, &[("a", "01", &[], 2 * B)]).await;
    decide(&app, &p[0], "adopted", 2 * B).await.assert_status(200);
    let officer = app.applicant("01").await;
    app.get(&format!("/api/v1/proposals/{}/result", p[0])).token(&officer.token).send().await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/public/calls/{call}/results")).send().await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn the_public_list_shows_adopted_proposals_without_login() {
    let app = TestApp::spawn().await;
    let p = published(&app).await;
    let res = app.get(&format!("/api/v1/public/calls/{}/results", p.call)).send().await;
    res.assert_status(200);
    assert_eq!(res.body["total"], 1);
    let item = &res.body["items"][0];
    assert_eq!(item["lead_prefecture_code"], "13");
    assert_eq!(item["lead_prefecture_name_ja"], "東京都");
    assert_eq!(item["partner_prefecture_codes"], json!(["11"]));
    assert_eq!(item["title"], "capital 地域産学官共同研究拠点");
    assert_eq!(item["awarded_amount_yen"], 2 * B);
    assert_eq!(item["outcome"], "conditionally_adopted");
    assert!(!res.body.to_string().contains("north 地域産学官共同研究拠点"), "rejected proposals are not listed");
    app.get("/api/v1/public/calls/unknown/results").send().await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn the_budget_plan_picks_the_best_scoring_set_that_fits_not_the_greedy_one() {
    let app = TestApp::spawn().await;
    let (call, p) = call_under_review_with(&app, 4 * B, &[("top", "01", &[], 3 * B), ("mid", "02", &[], 2 * B), ("low", "03", &[], 2 * B), ("none", "04", &[], B)]).await;
    let reviewer = expert(&app, "東北大学", None, &[], None).await;
    for (id, grades) in [(&p[0], ["S", "S", "S"]), (&p[1], ["A", "B", "A"]), (&p[2], ["B", "B", "B"])] {
        let a = assign(&app, &call, id, &reviewer).await.str("id");
        review(&app, &reviewer, &a, grades).await;
    }
    // Scores: top 4.0 for 3 bn; mid (3+4+3)/4 = 2.5 and low 2.0 for 2 bn each; "none" unreviewed.
    // Greedy by score takes top alone (4.0); mid + low fit exactly and score 4.5.
    let res = app.get(&format!("/api/v1/calls/{call}/budget-plan")).token(&app.admin.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["items"], json!([p[1], p[2]]));
    assert_eq!(res.body["total_yen"], 4 * B);
    assert_eq!(res.body["total_score"], 4.5);
    assert_eq!(res.body["budget_yen"], 4 * B);
    let excluded: Vec<Value> = res.body["excluded"].as_array().unwrap().clone();
    assert!(excluded.contains(&json!(p[0])) && excluded.contains(&json!(p[3])));
    app.get(&format!("/api/v1/calls/{call}/budget-plan")).token(&reviewer.token).send().await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn no_conflict_can_take_a_review_away_from_published_decisions() {
    let app = TestApp::spawn().await;
    let p = published(&app).await;
    let listed = app.get(&format!("/api/v1/calls/{}/assignments", p.call)).token(&app.admin.token).send().await;
    let item = listed.body["items"].as_array().unwrap().iter().find(|a| a["proposal_id"] == p.joint.as_str()).unwrap().clone();
    let assignment = item["id"].as_str().unwrap();
    let own = app.post(&format!("/api/v1/assignments/{assignment}/conflict")).token(&p.reviewer.token).send().await;
    own.assert_problem(409, "review_locked");
    let by_admin = app
        .post(&format!("/api/v1/proposals/{}/conflicts", p.joint))
        .token(&app.admin.token)
        .json(&json!({ "reviewer_id": p.reviewer.id, "reason": "公表後に判明" }))
        .send()
        .await;
    by_admin.assert_problem(409, "review_locked");
    let result = app.get(&format!("/api/v1/proposals/{}/result", p.joint)).token(&p.tokyo.token).send().await;
    assert_eq!(result.body["reviews"], 1);
    assert_eq!(result.body["grades"], json!({ "S": 1, "A": 1, "B": 1, "C": 0 }));
}
