use futures_util::future::join_all;
use serde_json::json;

use crate::fixtures::{assign, call_under_review, expert, review};
use crate::helpers::TestApp;

#[actix_web::test]
async fn a_review_is_drafted_then_submitted_then_locked_until_returned() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("p1", "01", &["x"])]).await;
    let reviewer = expert(&app, "A大学", None, &["x"], None).await;
    let id = assign(&app, &call, &proposals[0], &reviewer).await.str("id");
    let path = format!("/api/v1/assignments/{id}/review");

    let res = app.put(&path).token(&reviewer.token).json(&json!({ "grades": { "purpose": "A" } })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "draft");
    assert_eq!(res.body["grades"], json!({ "purpose": "A" }));
    let mine = app.get("/api/v1/me/assignments").token(&reviewer.token).send().await;
    assert_eq!(mine.body["items"][0]["status"], "accepted", "saving a review accepts the assignment");
    assert_eq!(mine.body["items"][0]["review_status"], "draft");

    let res = app.post(&format!("{path}/submit")).token(&reviewer.token).send().await;
    res.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = res.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["grades.feasibility", "grades.impact", "overall_grade"]);

    review(&app, &reviewer, &id, ["S", "A", "B"]).await;
    let res = app.get(&path).token(&reviewer.token).send().await;
    assert_eq!(res.body["status"], "submitted");
    assert!(res.body["submitted_at"].is_string());
    let res = app.put(&path).token(&reviewer.token).json(&json!({ "grades": { "purpose": "C" } })).send().await;
    res.assert_problem(409, "review_locked");
    app.post(&format!("{path}/submit")).token(&reviewer.token).send().await.assert_problem(409, "review_locked");
    app.post(&format!("/api/v1/assignments/{id}/decline")).token(&reviewer.token).send().await.assert_problem(409, "review_locked");

    app.post(&format!("{path}/return")).token(&reviewer.token).send().await.assert_problem(403, "forbidden");
    let res = app.post(&format!("{path}/return")).token(&app.admin.token).json(&json!({ "reason": "根拠を追記してください" })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "draft");
    assert!(app.last_email_to(&reviewer.email).await.body.contains("根拠を追記してください"));
    app.post(&format!("{path}/return")).token(&app.admin.token).send().await.assert_problem(409, "invalid_state");
    let res = app.put(&path).token(&reviewer.token).json(&json!({ "grades": { "purpose": "C", "feasibility": "A", "impact": "B" }, "overall_grade": "B" })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["grades"]["purpose"], "C");
}

#[actix_web::test]
async fn unknown_criteria_and_grades_are_refused_all_at_once() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("p1", "01", &["x"])]).await;
    let reviewer = expert(&app, "A大学", None, &["x"], None).await;
    let id = assign(&app, &call, &proposals[0], &reviewer).await.str("id");
    let res = app
        .put(&format!("/api/v1/assignments/{id}/review"))
        .token(&reviewer.token)
        .json(&json!({ "grades": { "purpose": "A+", "novelty": "S" }, "overall_grade": "5" }))
        .send()
        .await;
    res.assert_problem(422, "validation_failed");
    let errors: Vec<String> = res.body["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(errors, ["grades.novelty:unknown_criterion", "grades.purpose:invalid_grade", "overall_grade:invalid_grade"]);
    app.get(&format!("/api/v1/assignments/{id}/review")).token(&reviewer.token).send().await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_reviewer_never_sees_another_reviewers_review() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("p1", "01", &["x"])]).await;
    let r1 = expert(&app, "A大学", None, &["x"], None).await;
    let r2 = expert(&app, "B大学", None, &["x"], None).await;
    let a1 = assign(&app, &call, &proposals[0], &r1).await.str("id");
    let a2 = assign(&app, &call, &proposals[0], &r2).await.str("id");
    review(&app, &r1, &a1, ["S", "S", "S"]).await;
    review(&app, &r2, &a2, ["C", "C", "C"]).await;
    app.get(&format!("/api/v1/assignments/{a1}/review")).token(&r2.token).send().await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/assignments/{a2}/review")).token(&r1.token).send().await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/assignments/{a1}/review")).token(&app.admin.token).send().await.assert_status(200);
    let proposal = app.get(&format!("/api/v1/proposals/{}", proposals[0])).token(&r2.token).send().await;
    let text = proposal.body.to_string();
    assert!(!text.contains(&r1.id), "the proposal view carries no trace of other reviewers");
}

#[actix_web::test]
async fn the_ranking_computes_weighted_means_spreads_and_counts_as_by_hand() {
    let app = TestApp::spawn().await;
    // Weights: purpose 1, feasibility 2, impact 1.
    let (call, proposals) = call_under_review(&app, &[("alpha", "01", &["x"]), ("beta", "02", &["x"])]).await;
    let r1 = expert(&app, "A大学", None, &["x"], None).await;
    let r2 = expert(&app, "B大学", None, &["x"], None).await;
    let a = |p: usize, r: &crate::helpers::TestUser| {
        let (call, proposal) = (call.clone(), proposals[p].clone());
        let r = r.clone();
        let app = &app;
        async move { assign(app, &call, &proposal, &r).await.str("id") }
    };
    let (a11, a12, a21, a22) = (a(0, &r1).await, a(0, &r2).await, a(1, &r1).await, a(1, &r2).await);
    // alpha: r1 S,A,B → (4+6+2)/4 = 3.00; r2 A,A,A → 3.00.  Score 3.00, spread 0.
    review(&app, &r1, &a11, ["S", "A", "B"]).await;
    review(&app, &r2, &a12, ["A", "A", "A"]).await;
    // beta: r1 B,B,C → (2+4+1)/4 = 1.75; r2 S,B,A → (4+4+3)/4 = 2.75.  Score 2.25, spread 1.
    review(&app, &r1, &a21, ["B", "B", "C"]).await;
    review(&app, &r2, &a22, ["S", "B", "A"]).await;

    let res = app.get(&format!("/api/v1/calls/{call}/ranking")).token(&app.admin.token).send().await;
    res.assert_status(200);
    let items = res.body["items"].as_array().unwrap();
    assert_eq!(res.body["total"], 2);
    assert_eq!(items[0]["proposal_id"], proposals[0]);
    assert_eq!((items[0]["rank"].as_u64(), items[0]["score"].as_f64(), items[0]["spread"].as_f64()), (Some(1), Some(3.0), Some(0.0)));
    assert_eq!(items[0]["reviews"], 2);
    assert_eq!(items[0]["criteria"], json!({ "purpose": 3.5, "feasibility": 3.0, "impact": 2.5 }));
    assert_eq!(items[0]["grades"], json!({ "S": 1, "A": 4, "B": 1, "C": 0 }));
    assert_eq!(items[1]["proposal_id"], proposals[1]);
    assert_eq!((items[1]["rank"].as_u64(), items[1]["score"].as_f64(), items[1]["spread"].as_f64()), (Some(2), Some(2.25), Some(1.0)));
    assert_eq!(items[1]["criteria"], json!({ "purpose": 3.0, "feasibility": 2.0, "impact": 2.0 }));
    assert_eq!(items[1]["grades"], json!({ "S": 1, "A": 1, "B": 3, "C": 1 }));
    assert!(items.iter().all(|i| i["calibrated_score"].is_number()));
}

#[actix_web::test]
async fn calibration_weighs_a_harsh_and_a_lenient_reviewer_alike() {
    let app = TestApp::spawn().await;
    let (call, p) = call_under_review(&app, &[("h1", "01", &["x"]), ("h2", "02", &["x"]), ("l1", "03", &["x"]), ("l2", "04", &["x"])]).await;
    let harsh = expert(&app, "厳格大学", None, &["x"], None).await;
    let lenient = expert(&app, "寛容大学", None, &["x"], None).await;
    let mut ids = Vec::new();
    for (i, r) in [(0, &harsh), (1, &harsh), (2, &lenient), (3, &lenient)] {
        ids.push(assign(&app, &call, &p[i], r).await.str("id"));
    }
    // The harsh reviewer's better proposal gets B, the worse C; the lenient one's S and A.
    review(&app, &harsh, &ids[0], ["B", "B", "B"]).await;
    review(&app, &harsh, &ids[1], ["C", "C", "C"]).await;
    review(&app, &lenient, &ids[2], ["S", "S", "S"]).await;
    review(&app, &lenient, &ids[3], ["A", "A", "A"]).await;
    let res = app.get(&format!("/api/v1/calls/{call}/ranking")).token(&app.admin.token).send().await;
    let by_id = |id: &str| res.body["items"].as_array().unwrap().iter().find(|i| i["proposal_id"] == id).unwrap().clone();
    let (h1, h2, l1, l2) = (by_id(&p[0]), by_id(&p[1]), by_id(&p[2]), by_id(&p[3]));
    assert_eq!((h1["score"].as_f64(), l1["score"].as_f64()), (Some(2.0), Some(4.0)), "raw scores differ");
    assert_eq!(h1["calibrated_score"], l1["calibrated_score"], "each reviewer's better proposal is level");
    assert_eq!(h2["calibrated_score"], l2["calibrated_score"], "each reviewer's worse proposal is level");
    assert!(h1["calibrated_score"].as_f64() > h2["calibrated_score"].as_f64());
    // Mean of all points 2.5, their spread √1.25; z = ±1 → 2.5 ± 1.1180.
    assert_eq!(h1["calibrated_score"].as_f64(), Some(3.618));
    assert_eq!(h2["calibrated_score"].as_f64(), Some(1.382));
}

#[actix_web::test]
async fn the_ranking_exports_as_csv() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("csv, \"quoted\"", "01", &["x"])]).await;
    let reviewer = expert(&app, "A大学", None, &["x"], None).await;
    let id = assign(&app, &call, &proposals[0], &reviewer).await.str("id");
    review(&app, &reviewer, &id, ["S", "S", "A"]).await;
    let res = app.get(&format!("/api/v1/calls/{call}/ranking")).token(&app.admin.token).header("Accept", "text/csv").send().await;
    res.assert_status(200);
    assert!(res.header("content-type").unwrap().starts_with("text/csv"));
    let text = String::from_utf8(res.bytes.clone()).unwrap();
    let text = text.strip_prefix('\u{FEFF}').expect("a byte-order mark for Excel");
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rank,proposal_id,receipt_number,lead_prefecture_code,title,requested_amount_yen,score,calibrated_score,reviews,spread,criterion:purpose,criterion:feasibility,criterion:impact,S,A,B,C"
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(&format!("1,{},R8-LAB-01-0001,01,\"csv, \"\"quoted\"\" 地域産学官共同研究拠点\",2000000000,3.7500,", proposals[0])), "{row}");
    assert!(row.ends_with(",3.7500,1,0.0000,4.0000,4.0000,3.0000,2,1,0,0"), "{row}");
    let same = app.get(&format!("/api/v1/calls/{call}/ranking?format=csv")).token(&app.admin.token).send().await;
    assert_eq!(same.bytes, res.bytes);
}

/// A submission racing a conflict declaration (the reviewer's own or an admin's): exactly one
/// wins, and a submitted review always keeps its assignment, on PostgreSQL as on SQLite.
#[actix_web::test]
async fn a_submission_racing_a_conflict_declaration_is_never_lost() {
    let app = TestApp::spawn().await;
    let (call, proposals) = call_under_review(&app, &[("north", "01", &["x"]), ("apple", "02", &["x"]), ("coast", "03", &["x"]), ("bay", "04", &["x"])]).await;
    let reviewer = expert(&app, "九州大学", Some("40"), &["x"], None).await;
    let complete = json!({ "grades": { "purpose": "S", "feasibility": "A", "impact": "B" }, "overall_grade": "A" });
    let mut assignments = Vec::new();
    for proposal in &proposals {
        let id = assign(&app, &call, proposal, &reviewer).await.str("id");
        app.put(&format!("/api/v1/assignments/{id}/review")).token(&reviewer.token).json(&complete).send().await.assert_status(200);
        assignments.push(id);
    }
    let mut racing = Vec::new();
    for (n, (id, proposal)) in assignments.iter().zip(&proposals).enumerate() {
        racing.push(app.post(&format!("/api/v1/assignments/{id}/review/submit")).token(&reviewer.token).send());
        racing.push(if n % 2 == 0 {
            app.post(&format!("/api/v1/assignments/{id}/conflict")).token(&reviewer.token).send()
        } else {
            let body = json!({ "reviewer_id": reviewer.id, "reason": "同時申告" });
            app.post(&format!("/api/v1/proposals/{proposal}/conflicts")).token(&app.admin.token).json(&body).send()
        });
    }
    let results = join_all(racing).await;
    let ranking = app.get(&format!("/api/v1/calls/{call}/ranking")).token(&app.admin.token).send().await;
    for (n, pair) in results.chunks(2).enumerate() {
        let (submit, conflict) = (&pair[0], &pair[1]);
        let reviews = ranking.body["items"].as_array().unwrap().iter().find(|i| i["proposal_id"] == proposals[n].as_str()).unwrap()["reviews"].clone();
        match (submit.status.as_u16(), conflict.status.as_u16()) {
            (200, 409) => {
                assert_eq!(conflict.body["code"], "review_locked");
                assert_eq!(reviews, 1, "the submitted review counts");
            }
            (404, 201) => assert_eq!(reviews, 0, "the removed assignment's draft does not count"),
            other => panic!("round {n}: {other:?} {} {}", submit.body, conflict.body),
        }
    }
}

/// An applicant's title that a spreadsheet would run as a formula reaches the officer as text.
#[actix_web::test]
async fn the_csv_export_defuses_formulas_in_titles() {
    let app = TestApp::spawn().await;
    let call = crate::fixtures::open_call(&app, "lab_construction").await;
    let officer = app.applicant("01").await;
    let mut content = crate::fixtures::complete_content("formula", "01", &[]);
    content["title"] = json!("=HYPERLINK(\"http://evil.example\",\"詳細\")");
    let id = crate::fixtures::create_proposal(&app, &officer, &call, &content).await.str("id");
    crate::fixtures::endorse_all(&app, &officer, &id, "formula").await;
    app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await.assert_status(200);
    app.advance(chrono::Duration::days(31));
    app.post(&format!("/api/v1/calls/{call}/start-review")).token(&app.admin.token).send().await.assert_status(200);

    let res = app.get(&format!("/api/v1/calls/{call}/ranking?format=csv")).token(&app.admin.token).send().await;
    res.assert_status(200);
    assert!(res.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 byte-order mark");
    let text = String::from_utf8(res.bytes[3..].to_vec()).unwrap();
    let row = text.lines().nth(1).expect("the proposal's row");
    assert!(row.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"詳細\"\")\","), "{row}");
    let json = app.get(&format!("/api/v1/calls/{call}/ranking")).token(&app.admin.token).send().await;
    assert_eq!(json.body["items"][0]["title"], content["title"], "JSON keeps the title as written");
}
