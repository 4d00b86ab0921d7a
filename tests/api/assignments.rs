use serde_json::{Value, json};

use crate::fixtures::{assign, audit_actions, call_under_review, expert, open_call, submitted_proposal};
use crate::helpers::TestApp;

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

#[actix_web::test]
async fn a_reviewer_of_one_of_the_proposals_organizations_is_refused_whatever_the_spelling() {
    let app = TestApp::spawn().await;
    // The proposal's university is "tokyo大学" (from the fixture's tag).
    let (call, proposals) = call_under_review(&app, &[("tokyo", "13", &["materials"])]).await;
    for affiliation in ["ＴＯＫＹＯ大学", "Tokyo 大学", "tokyo　大学"] {
        let reviewer = expert(&app, affiliation, None, &["materials"], None).await;
        let res = assign(&app, &call, &proposals[0], &reviewer).await;
        res.assert_problem(409, "conflict_of_interest");
        assert_eq!(res.body["reason"], "same_organization", "{affiliation}");
    }
    let unrelated = expert(&app, "京都大学", None, &["materials"], None).await;
    assign(&app, &call, &proposals[0], &unrelated).await.assert_status(201);
}

#[actix_web::test]
async fn a_reviewer_from_a_participating_prefecture_is_refused() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("kanagawa", "14", &["robotics"])]).await;
    let local = expert(&app, "横浜国立大学", Some("14"), &["robotics"], None).await;
    let res = assign(&app, &call, &proposals[0], &local).await;
    res.assert_problem(409, "conflict_of_interest");
    assert_eq!(res.body["reason"], "same_prefecture");
    let outsider = expert(&app, "大阪大学", Some("27"), &["robotics"], None).await;
    assign(&app, &call, &proposals[0], &outsider).await.assert_status(201);
}

#[actix_web::test]
async fn a_conflict_declared_by_an_admin_is_refused_and_removes_an_existing_assignment() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("aomori", "02", &["energy"])]).await;
    let reviewer = expert(&app, "弘前大学", None, &["energy"], None).await;
    let assignment = assign(&app, &call, &proposals[0], &reviewer).await.str("id");
    let res = app
        .post(&format!("/api/v1/proposals/{}/conflicts", proposals[0]))
        .token(&app.admin.token)
        .json(&json!({ "reviewer_id": reviewer.id, "reason": "共同研究者" }))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(res.body["reason"], "共同研究者");
    let listed = app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await;
    assert_eq!(listed.body["total"], 0, "the conflicted assignment is gone");
    app.get(&format!("/api/v1/proposals/{}", proposals[0])).token(&reviewer.token).send().await.assert_problem(404, "not_found");
    let res = assign(&app, &call, &proposals[0], &reviewer).await;
    res.assert_problem(409, "conflict_of_interest");
    assert_eq!(res.body["reason"], "declared");
    app.post(&format!("/api/v1/assignments/{assignment}/accept")).token(&reviewer.token).send().await.assert_problem(404, "not_found");
    let conflicts = app.get(&format!("/api/v1/proposals/{}/conflicts", proposals[0])).token(&app.admin.token).send().await;
    assert_eq!(conflicts.body["total"], 1);
    assert!(audit_actions(&app, "proposal", &proposals[0]).await.contains(&"conflict_declared".to_string()));
    let res = app
        .post(&format!("/api/v1/proposals/{}/conflicts", proposals[0]))
        .token(&app.admin.token)
        .json(&json!({ "reviewer_id": reviewer.id, "reason": " " }))
        .send()
        .await;
    res.assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn a_reviewer_declares_a_conflict_and_loses_the_assignment() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("gifu", "21", &["ai"])]).await;
    let reviewer = expert(&app, "名古屋大学", None, &["ai"], None).await;
    let assignment = assign(&app, &call, &proposals[0], &reviewer).await.str("id");
    let res = app
        .post(&format!("/api/v1/assignments/{assignment}/conflict"))
        .token(&reviewer.token)
        .json(&json!({ "reason": "申請者と親族関係" }))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(res.body["declared_by"], reviewer.id);
    let mine = app.get("/api/v1/me/assignments").token(&reviewer.token).send().await;
    assert_eq!(mine.body["total"], 0);
    assign(&app, &call, &proposals[0], &reviewer).await.assert_problem(409, "conflict_of_interest");
    // Automatic assignment respects it too.
    let res = app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(&app.admin.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["created"], 0);
    assert_eq!(res.body["unfilled"][0]["reason"], "not_enough_eligible_reviewers");
}

#[actix_web::test]
async fn manual_assignment_refuses_duplicates_overloads_strangers_and_open_calls() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("a", "01", &["x"]), ("b", "02", &["x"])]).await;
    let busy = expert(&app, "北海道大学", None, &["x"], Some(1)).await;
    assign(&app, &call, &proposals[0], &busy).await.assert_status(201);
    assign(&app, &call, &proposals[0], &busy).await.assert_problem(409, "already_assigned");
    assign(&app, &call, &proposals[1], &busy).await.assert_problem(409, "reviewer_at_capacity");

    let officer = app.applicant("03").await;
    let res = app.post(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).json(&json!({ "proposal_id": proposals[1], "reviewer_id": officer.id })).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["code"], "not_a_reviewer");
    let res = app.post(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).json(&json!({ "proposal_id": "nope", "reviewer_id": busy.id })).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "proposal_id");

    // While submissions are still open, nobody is assigned.
    let open = open_call(&app, "lab_construction").await;
    let early = submitted_proposal(&app, &officer, &open, "early", "03").await;
    let fresh = expert(&app, "東北大学", None, &["x"], None).await;
    assign(&app, &open, early["id"].as_str().unwrap(), &fresh).await.assert_problem(409, "invalid_state");
    app.post(&format!("/api/v1/calls/{open}/assignments/auto")).token(&app.admin.token).send().await.assert_problem(409, "invalid_state");
}

#[actix_web::test]
async fn automatic_assignment_fills_every_slot_within_loads_maximising_affinity() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(
        &app,
        &[
            ("p1", "01", &["materials", "energy", "hydrogen"]),
            ("p2", "02", &["robotics", "ai"]),
            ("p3", "03", &["agriculture", "energy"]),
        ],
    )
    .await;
    // Loads of 2 each: 6 slots for 3 proposals × 2 reviewers. The optimum pairs each proposal
    // with its two best-matching reviewers where loads allow.
    let r_mat = expert(&app, "A大学", None, &["Materials", "hydrogen"], Some(2)).await;
    let r_rob = expert(&app, "B大学", None, &["ＲＯＢＯＴＩＣＳ", "AI"], Some(2)).await;
    let r_agr = expert(&app, "C大学", None, &["agriculture", "energy"], Some(2)).await;
    let r_gen = expert(&app, "D大学", None, &["energy"], Some(2)).await;
    let res = app
        .post(&format!("/api/v1/calls/{call}/assignments/auto"))
        .token(&app.admin.token)
        .json(&json!({ "reviewers_per_proposal": 2 }))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.body["created"], 6);
    assert_eq!(res.body["unfilled"], json!([]));
    // p1: mat 2 + gen 1 (or agr 1); p2: rob 2 + one with 0; p3: agr 2 + gen 1 (or mat 0)…
    // the optimum here is 2+1 + 2+0 + 2+1 = 8.
    assert_eq!(res.body["total_affinity"], 8, "{}", res.body);

    let listed = app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    for reviewer in [&r_mat, &r_rob, &r_agr, &r_gen] {
        let load = items.iter().filter(|a| a["reviewer_id"] == reviewer.id.as_str()).count();
        assert!(load <= 2, "load {load}");
    }
    for p in &proposals {
        assert_eq!(items.iter().filter(|a| a["proposal_id"] == p.as_str()).count(), 2);
    }
    let pair = |p: usize, r: &crate::helpers::TestUser| items.iter().any(|a| a["proposal_id"] == proposals[p].as_str() && a["reviewer_id"] == r.id.as_str());
    assert!(pair(0, &r_mat) && pair(1, &r_rob) && pair(2, &r_agr));
    assert!(items.iter().all(|a| a["origin"] == "auto" && a["status"] == "pending"));

    // Each reviewer is told.
    assert!(app.last_email_to(&r_gen.email).await.subject.contains("審査"));
    // Running again finds nothing left to do.
    let again = app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(&app.admin.token).send().await;
    assert_eq!(again.body["created"], 0);
    assert!(audit_actions(&app, "call", &call).await.contains(&"assignments_auto".to_string()));
}

#[actix_web::test]
async fn existing_assignments_are_kept_and_counted_and_what_cannot_be_filled_is_reported() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("p1", "01", &["x"]), ("p2", "02", &["y"])]).await;
    let first = expert(&app, "A大学", None, &["x"], Some(1)).await;
    let second = expert(&app, "B大学", None, &["y"], Some(1)).await;
    assign(&app, &call, &proposals[0], &first).await.assert_status(201);
    let res = app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(&app.admin.token).json(&json!({ "reviewers_per_proposal": 2 })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["created"], 1, "{}", res.body);
    // The one free reviewer matches p2 ("y"). p2 still lacks a second reviewer: fewer reviewers
    // with load left than its slots. p1 had one candidate, taken by p2: loads ran out.
    let unfilled = res.body["unfilled"].as_array().unwrap();
    let reason_of = |p: &str| unfilled.iter().find(|u| u["proposal_id"] == p).map(|u| (u["missing"].as_u64(), u["reason"].as_str().map(str::to_owned)));
    assert_eq!(unfilled.len(), 2, "{}", res.body);
    assert_eq!(reason_of(&proposals[0]), Some((Some(1), Some("reviewer_load_exhausted".into()))));
    assert_eq!(reason_of(&proposals[1]), Some((Some(1), Some("not_enough_eligible_reviewers".into()))));
    assert!(unfilled.iter().all(|u| u["detail"].as_str().is_some_and(|d| !d.is_empty())));
    let listed = app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await;
    assert_eq!(listed.body["total"], 2);
    let theirs = app.get("/api/v1/me/assignments").token(&second.token).send().await;
    assert_eq!(theirs.body["items"][0]["proposal_id"], proposals[1]);
}

#[actix_web::test]
async fn a_decline_frees_the_slot_for_another_reviewer_and_is_never_offered_again() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("p1", "01", &["x"])]).await;
    let keen = expert(&app, "A大学", None, &["x"], None).await;
    let other = expert(&app, "B大学", None, &[], None).await;
    let res = app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(&app.admin.token).json(&json!({ "reviewers_per_proposal": 1 })).send().await;
    assert_eq!(res.body["created"], 1);
    let mine = app.get("/api/v1/me/assignments").token(&keen.token).send().await;
    let id = mine.body["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(mine.body["items"][0]["proposal_title"], "p1 地域産学官共同研究拠点");
    let res = app.post(&format!("/api/v1/assignments/{id}/decline")).token(&keen.token).json(&json!({ "reason": "多忙のため" })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "declined");
    app.get(&format!("/api/v1/proposals/{}", proposals[0])).token(&keen.token).send().await.assert_problem(404, "not_found");

    let res = app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(&app.admin.token).json(&json!({ "reviewers_per_proposal": 1 })).send().await;
    assert_eq!(res.body["created"], 1);
    let theirs = app.get("/api/v1/me/assignments").token(&other.token).send().await;
    assert_eq!(theirs.body["total"], 1);
    app.post(&format!("/api/v1/assignments/{id}/accept")).token(&keen.token).send().await.assert_problem(409, "invalid_state");
}

#[actix_web::test]
async fn reviewers_see_only_their_own_assignments_and_the_proposals_behind_them() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("p1", "01", &["x"]), ("p2", "02", &["x"])]).await;
    let r1 = expert(&app, "A大学", None, &["x"], None).await;
    let r2 = expert(&app, "B大学", None, &["x"], None).await;
    let a1 = assign(&app, &call, &proposals[0], &r1).await.str("id");
    let a2 = assign(&app, &call, &proposals[1], &r2).await.str("id");

    app.get(&format!("/api/v1/proposals/{}", proposals[0])).token(&r1.token).send().await.assert_status(200);
    app.get(&format!("/api/v1/proposals/{}", proposals[1])).token(&r1.token).send().await.assert_problem(404, "not_found");
    let list = app.get("/api/v1/proposals").token(&r1.token).send().await;
    assert_eq!(ids(&list.body), vec![proposals[0].clone()]);
    app.get(&format!("/api/v1/proposals/{}/versions", proposals[0])).token(&r1.token).send().await.assert_status(200);

    app.post(&format!("/api/v1/assignments/{a2}/accept")).token(&r1.token).send().await.assert_problem(404, "not_found");
    app.post(&format!("/api/v1/assignments/{a2}/decline")).token(&r1.token).send().await.assert_problem(404, "not_found");
    app.put(&format!("/api/v1/assignments/{a2}/review")).token(&r1.token).json(&json!({})).send().await.assert_problem(404, "not_found");
    app.post(&format!("/api/v1/assignments/{a1}/accept")).token(&r1.token).send().await.assert_status(200);
    // Only the reviewer themselves accepts.
    app.post(&format!("/api/v1/assignments/{a1}/accept")).token(&app.admin.token).send().await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn review_administration_is_for_program_officers_only() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("p1", "01", &["x"])]).await;
    let reviewer = expert(&app, "A大学", None, &["x"], None).await;
    let officer = app.applicant("01").await;
    for token in [&reviewer.token, &officer.token] {
        app.get(&format!("/api/v1/calls/{call}/assignments")).token(token).send().await.assert_problem(403, "forbidden");
        app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(token).send().await.assert_problem(403, "forbidden");
        app.post(&format!("/api/v1/calls/{call}/assignments")).token(token).json(&json!({ "proposal_id": proposals[0], "reviewer_id": reviewer.id })).send().await.assert_problem(403, "forbidden");
        app.post(&format!("/api/v1/proposals/{}/conflicts", proposals[0])).token(token).json(&json!({ "reviewer_id": reviewer.id, "reason": "x" })).send().await.assert_problem(403, "forbidden");
        app.get(&format!("/api/v1/calls/{call}/ranking")).token(token).send().await.assert_problem(403, "forbidden");
    }
    for token in [&app.admin.token, &officer.token] {
        app.get("/api/v1/me/assignments").token(token).send().await.assert_problem(403, "forbidden");
    }
    app.get(&format!("/api/v1/calls/{call}/ranking")).send().await.assert_problem(401, "unauthenticated");
}

fn count(app: &TestApp, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.state.db.conn().expect("connection");
    let rows: Vec<Count> = diesel::sql_query(sql).load(&mut **conn).expect("count");
    rows[0].n
}

#[actix_web::test]
async fn a_submitted_review_is_never_erased_by_a_conflict() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("iwate", "03", &["ai"])]).await;
    let reviewer = expert(&app, "東北大学", None, &["ai"], None).await;
    let assignment = assign(&app, &call, &proposals[0], &reviewer).await.str("id");
    crate::fixtures::review(&app, &reviewer, &assignment, ["S", "A", "B"]).await;
    let own = app.post(&format!("/api/v1/assignments/{assignment}/conflict")).token(&reviewer.token).json(&json!({ "reason": "後から判明" })).send().await;
    own.assert_problem(409, "review_locked");
    let by_admin = app
        .post(&format!("/api/v1/proposals/{}/conflicts", proposals[0]))
        .token(&app.admin.token)
        .json(&json!({ "reviewer_id": reviewer.id, "reason": "後から判明" }))
        .send()
        .await;
    by_admin.assert_problem(409, "review_locked");
    let review = app.get(&format!("/api/v1/assignments/{assignment}/review")).token(&app.admin.token).send().await;
    assert_eq!(review.body["status"], "submitted");
    let conflicts = app.get(&format!("/api/v1/proposals/{}/conflicts", proposals[0])).token(&app.admin.token).send().await;
    assert_eq!(conflicts.body["total"], 0, "a refused declaration records nothing");
    let ranking = app.get(&format!("/api/v1/calls/{call}/ranking")).token(&app.admin.token).send().await;
    assert_eq!(ranking.body["items"][0]["reviews"], 1);
}

#[actix_web::test]
async fn a_conflict_sets_the_assignment_aside_without_deleting_it_and_says_so_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("akita", "05", &["ai"])]).await;
    let reviewer = expert(&app, "秋田大学", None, &["ai"], Some(1)).await;
    let assignment = assign(&app, &call, &proposals[0], &reviewer).await.str("id");
    let draft = json!({ "grades": { "purpose": "A" } });
    app.put(&format!("/api/v1/assignments/{assignment}/review")).token(&reviewer.token).json(&draft).send().await.assert_status(200);
    app.post(&format!("/api/v1/assignments/{assignment}/conflict")).token(&reviewer.token).send().await.assert_status(201);

    assert_eq!(count(&app, &format!("SELECT COUNT(*) AS n FROM assignments WHERE id = '{assignment}' AND removed_at IS NOT NULL")), 1);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) AS n FROM reviews WHERE assignment_id = '{assignment}'")), 1, "the draft stays");
    assert!(audit_actions(&app, "assignment", &assignment).await.contains(&"assignment_removed".to_string()));
    for listed in [
        app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await,
        app.get("/api/v1/me/assignments").token(&reviewer.token).send().await,
    ] {
        assert_eq!(listed.body["total"], 0, "{}", listed.body);
    }
    app.get(&format!("/api/v1/assignments/{assignment}/review")).token(&app.admin.token).send().await.assert_problem(404, "not_found");
    // The removed assignment no longer counts against the reviewer's load of one.
    let (other_call, others) = call_under_review(&app, &[("yamagata", "06", &["ai"])]).await;
    assert_ne!(other_call, call);
    assign(&app, &other_call, &others[0], &reviewer).await.assert_status(201);
}

#[actix_web::test]
async fn a_deactivated_reviewer_gets_no_new_assignment() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("a", "01", &["x"])]).await;
    let gone = expert(&app, "北海道大学", None, &["x"], None).await;
    app.patch(&format!("/api/v1/users/{}", gone.id)).token(&app.admin.token).json(&json!({ "active": false })).send().await.assert_status(200);
    let res = assign(&app, &call, &proposals[0], &gone).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["code"], "not_a_reviewer");
}

#[actix_web::test]
async fn a_dry_run_shows_the_pairs_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("a", "01", &["materials"]), ("b", "02", &["energy"])]).await;
    let expert_a = expert(&app, "九州大学", Some("40"), &["materials"], None).await;
    let expert_b = expert(&app, "京都大学", Some("26"), &["energy"], None).await;
    let body = json!({ "reviewers_per_proposal": 1, "dry_run": true });
    let dry = app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(&app.admin.token).json(&body).send().await;
    dry.assert_status(200);
    assert_eq!(dry.body["created"], 0);
    let mut pairs: Vec<(String, String, u64)> = dry.body["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["proposal_id"].as_str().unwrap().to_string(), p["reviewer_id"].as_str().unwrap().to_string(), p["affinity"].as_u64().unwrap()))
        .collect();
    pairs.sort();
    let mut expected = vec![(proposals[0].clone(), expert_a.id.clone(), 1), (proposals[1].clone(), expert_b.id.clone(), 1)];
    expected.sort();
    assert_eq!(pairs, expected, "each proposal goes to the reviewer who shares its keyword");
    assert_eq!(dry.body["total_affinity"], 2);
    let listed = app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await;
    assert_eq!(listed.body["total"], 0, "a dry run creates nothing");

    let real = app.post(&format!("/api/v1/calls/{call}/assignments/auto")).token(&app.admin.token).json(&json!({ "reviewers_per_proposal": 1 })).send().await;
    assert_eq!(real.body["created"], 2);
    assert_eq!(real.body["pairs"].as_array().unwrap().len(), 2, "the pairs formed are listed too");
}
