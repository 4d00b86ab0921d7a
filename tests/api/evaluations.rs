//! Evaluation rounds (中間評価・事後評価): opening a round over a call's projects, its weights
//! fixed once grading starts, the lead prefectures' self-evaluations and their reminder, and
//! evaluators grading the round's items through the review paths.

use std::time::Duration as StdDuration;

use chrono::Duration;
use serde_json::{Value, json};

use crate::fixtures::expert;
use crate::helpers::{PASSWORD, Response, TestApp, TestUser};
use crate::pages::Browser;
use crate::projects::{Funded, funded, project_of};

const ITEMS: [&str; 5] = ["technical", "regional_initiative", "organization", "self_evaluation", "cluster_potential"];

fn due_in(app: &TestApp, days: i64) -> String {
    (app.state.now() + Duration::days(days)).to_rfc3339()
}

async fn open_round(app: &TestApp, call: &str, body: Value) -> Response {
    app.post(&format!("/api/v1/calls/{call}/evaluations")).token(&app.admin.token).json(&body).send().await
}

fn interim(app: &TestApp) -> Value {
    json!({ "kind": "interim", "fiscal_year": 2026, "title": "令和8年度 中間評価", "self_evaluation_due": due_in(app, 14) })
}

/// A funded call with an open interim round; the ids of the round and of both projects.
async fn round(app: &TestApp) -> (Funded, String, String, String) {
    let f = funded(app).await;
    let round = open_round(app, &f.call, interim(app)).await;
    round.assert_status(201);
    let joint = project_of(app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    let single = project_of(app, &f.call, &f.single).await["id"].as_str().unwrap().to_string();
    (f, round.str("id"), joint, single)
}

async fn assign_evaluator(app: &TestApp, round: &str, project: &str, evaluator: &TestUser) -> Response {
    app.post(&format!("/api/v1/evaluations/{round}/assignments"))
        .token(&app.admin.token)
        .json(&json!({ "project_id": project, "reviewer_id": evaluator.id }))
        .send()
        .await
}

async fn grade(app: &TestApp, evaluator: &TestUser, assignment: &str, grades: Value) -> Response {
    app.put(&format!("/api/v1/assignments/{assignment}/review")).token(&evaluator.token).json(&json!({ "grades": grades })).send().await
}

fn all_items(grade: &str) -> Value {
    Value::Object(ITEMS.iter().map(|c| (c.to_string(), json!(grade))).collect())
}

#[actix_web::test]
async fn a_round_opens_with_003s_items_or_its_own_and_tells_the_lead_prefectures() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let res = open_round(&app, &f.call, interim(&app)).await;
    res.assert_status(201);
    assert_eq!(res.body["status"], "open");
    assert_eq!(res.header("etag").as_deref(), Some("\"1\""));
    let codes: Vec<&str> = res.body["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ITEMS);
    let weights: Vec<f64> = res.body["items"].as_array().unwrap().iter().map(|i| i["weight"].as_f64().unwrap()).collect();
    assert_eq!(weights, [3.0, 2.0, 2.0, 1.0, 2.0]);
    assert_eq!(res.body["adjustments"], json!({ "S": 100, "A": 100, "B": 100, "C": 100 }));

    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    let email = app.last_email_to(&f.tokyo.email).await;
    assert!(email.subject.contains("中間評価") && email.subject.contains("interim"), "{}", email.subject);
    assert!(email.body.contains(&format!("/projects/{joint}")) && email.body.contains("JST"), "{}", email.body);
    assert!(app.last_email_to(&f.aomori.email).await.subject.contains("令和8年度 中間評価"));

    let own = json!({
        "kind": "ex_post", "fiscal_year": 2027, "title": "事後評価", "self_evaluation_due": due_in(&app, 30),
        "items": [{ "code": "outcomes", "name": "成果", "weight": 2 }, { "code": "sustainability", "name": "自立化", "weight": 1 }],
        "adjustments": { "S": 110, "A": 100, "B": 90, "C": 0 }
    });
    let res = open_round(&app, &f.call, own).await;
    res.assert_status(201);
    assert_eq!(res.body["kind"], "ex_post");
    assert_eq!(res.body["items"][1]["code"], "sustainability");
    assert_eq!(res.body["adjustments"]["C"], 0);

    let bad = json!({
        "kind": "interim", "fiscal_year": 2030, "title": " ", "self_evaluation_due": due_in(&app, -1),
        "items": [{ "code": "a", "name": "A", "weight": 1 }, { "code": "a", "name": "B", "weight": 0 }],
        "adjustments": { "S": 500, "A": 100, "B": 100, "C": 100 }
    });
    let res = open_round(&app, &f.call, bad).await;
    res.assert_problem(422, "validation_failed");
    for (field, code) in [
        ("fiscal_year", "out_of_range"),
        ("title", "required"),
        ("self_evaluation_due", "in_the_past"),
        ("items[1].code", "duplicate"),
        ("items[1].weight", "must_be_positive"),
        ("adjustments.S", "out_of_range"),
    ] {
        res.assert_field_error(field, code);
    }

    let listed = app.get(&format!("/api/v1/calls/{}/evaluations", f.call)).token(&app.admin.token).send().await;
    assert_eq!(listed.body["total"], 2);
    open_round(&app, &crate::fixtures::open_call(&app, "lab_construction").await, interim(&app)).await.assert_problem(409, "invalid_state");
    app.post(&format!("/api/v1/calls/{}/evaluations", f.call)).token(&f.tokyo.token).json(&interim(&app)).send().await.assert_status(403);
}

#[actix_web::test]
async fn items_and_adjustments_change_until_the_first_grade_is_saved() {
    let app = TestApp::spawn().await;
    let (_, id, joint, _) = round(&app).await;
    let path = format!("/api/v1/evaluations/{id}");
    let items = json!([{ "code": "technical", "name": "技術", "weight": 5.0 }, { "code": "organization", "name": "体制", "weight": 1.0 }]);
    let res = app.patch(&path).token(&app.admin.token).header("If-Match", "\"1\"").json(&json!({ "items": items })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["items"], items);
    assert_eq!(res.body["version"], 2);
    app.patch(&path).token(&app.admin.token).header("If-Match", "\"1\"").json(&json!({ "title": "x" })).send().await.assert_problem(412, "version_conflict");
    app.patch(&path).token(&app.admin.token).json(&json!({ "items": [] })).send().await.assert_field_error("items", "required");

    let evaluator = expert(&app, "東北大学", Some("04"), &[], None).await;
    let a = assign_evaluator(&app, &id, &joint, &evaluator).await.str("id");
    grade(&app, &evaluator, &a, json!({ "technical": "A" })).await.assert_status(200);
    let shown = app.get(&path).token(&app.admin.token).send().await;
    assert!(shown.body["grading_started_at"].is_string());
    for patch in [json!({ "items": items }), json!({ "adjustments": { "S": 120, "A": 100, "B": 80, "C": 60 } })] {
        app.patch(&path).token(&app.admin.token).json(&patch).send().await.assert_problem(409, "invalid_state");
    }
    let res = app.patch(&path).token(&app.admin.token).json(&json!({ "title": "令和8年度 中間評価（改）" })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["items"], items, "the weights stand as they were when grading started");
}

#[actix_web::test]
async fn the_lead_prefecture_writes_its_self_evaluation_until_the_due_date() {
    let app = TestApp::spawn().await;
    let (f, id, joint, _) = round(&app).await;
    let path = format!("/api/v1/evaluations/{id}/projects/{joint}/self-evaluation");
    let write = |user: &TestUser, text: &str| app.put(&path).token(&user.token).json(&json!({ "text": text })).send();
    app.get(&path).token(&app.admin.token).send().await.assert_problem(404, "not_found");
    let res = write(&f.tokyo, "KPI は計画どおり。地元企業 12 社が参画。").await;
    res.assert_status(200);
    assert_eq!(res.body["project_id"], joint.as_str());
    write(&f.saitama, "partner").await.assert_status(403);
    write(&f.aomori, "other prefecture").await.assert_problem(404, "not_found");
    write(&f.tokyo, "  ").await.assert_field_error("text", "required");
    let read = app.get(&path).token(&app.admin.token).send().await;
    assert_eq!(read.body["text"], "KPI は計画どおり。地元企業 12 社が参画。");
    app.get(&path).token(&f.tokyo.token).send().await.assert_status(200);

    app.advance(Duration::days(15));
    let res = write(&f.tokyo, "遅れて提出").await;
    res.assert_problem(409, "evaluation_closed");
    assert_eq!(app.get(&path).token(&app.admin.token).send().await.body["text"], "KPI は計画どおり。地元企業 12 社が参画。");
}

#[actix_web::test]
async fn evaluators_are_reviewers_without_a_conflict_and_see_the_project_among_their_assignments() {
    let app = TestApp::spawn().await;
    let (f, id, joint, single) = round(&app).await;
    // Tokyo leads the joint project and Saitama is its partner: their experts may not grade it.
    for prefecture in ["13", "11"] {
        let local = expert(&app, "地元大学", Some(prefecture), &[], None).await;
        let res = assign_evaluator(&app, &id, &joint, &local).await;
        res.assert_problem(409, "conflict_of_interest");
        assert_eq!(res.body["reason"], "same_prefecture");
    }
    let res = assign_evaluator(&app, &id, &joint, &f.tokyo).await;
    res.assert_field_error("reviewer_id", "not_a_reviewer");

    let evaluator = expert(&app, "東北大学", Some("04"), &[], None).await;
    let res = assign_evaluator(&app, &id, &joint, &evaluator).await;
    res.assert_status(201);
    assert_eq!(res.body["evaluation_id"], id.as_str());
    assert_eq!(res.body["project_id"], joint.as_str());
    assert_eq!(res.body["status"], "pending");
    assert!(app.last_email_to(&evaluator.email).await.body.contains("/me/assignments"));
    assign_evaluator(&app, &id, &joint, &evaluator).await.assert_problem(409, "already_assigned");
    assign_evaluator(&app, &id, &single, &evaluator).await.assert_status(201);

    let mine = app.get("/api/v1/me/assignments").token(&evaluator.token).send().await;
    mine.assert_status(200);
    assert_eq!(mine.body["total"], 2);
    let joint_item = mine.body["items"].as_array().unwrap().iter().find(|a| a["project_id"] == joint.as_str()).expect("the joint project");
    assert_eq!(joint_item["evaluation_id"], id.as_str());
    assert!(joint_item["project_title"].as_str().is_some_and(|t| !t.is_empty()), "{joint_item}");
    let listed = app.get(&format!("/api/v1/evaluations/{id}/assignments")).token(&app.admin.token).send().await;
    assert_eq!(listed.body["total"], 2);

    let accepted = app.post(&format!("/api/v1/assignments/{}/accept", joint_item["id"].as_str().unwrap())).token(&evaluator.token).send().await;
    accepted.assert_status(200);
    assert_eq!(accepted.body["status"], "accepted");

    // The reviewer's page lists them too.
    let web = Browser::new(&app);
    web.sign_in(&evaluator.email, PASSWORD).await;
    let page = web.get("/me/assignments").await;
    let title = joint_item["project_title"].as_str().unwrap();
    page.assert_page(200, &["担当する審査", title, "中間・事後評価"]);

    // The grading page shows the round's items (no overall grade) and saves and submits them.
    let id = joint_item["id"].as_str().unwrap();
    let form = web.get(&format!("/me/assignments/{id}")).await;
    form.assert_page(200, &[title, "令和8年度 中間評価", "技術的評価", "クラスター形成の可能性", r#"name="grade.technical""#]);
    assert!(!form.text.contains(r#"name="overall_grade""#) && !form.text.contains("/conflict"), "{}", form.text);
    let csrf = form.csrf();
    let mut fields: Vec<(String, String)> = vec![("csrf".into(), csrf.clone()), ("action".into(), "save".into())];
    fields.extend(ITEMS.iter().map(|c| (format!("grade.{c}"), "B".to_string())));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    web.post(&format!("/me/assignments/{id}/review"), &fields).await.assert_redirect(&format!("/me/assignments/{id}?done=saved#review"));
    web.post(&format!("/me/assignments/{id}/submit"), &[("csrf", &csrf)]).await.assert_redirect(&format!("/me/assignments/{id}?done=submitted"));
    let review = app.get(&format!("/api/v1/assignments/{id}/review")).token(&evaluator.token).send().await;
    assert_eq!(review.body["status"], "submitted");
    assert_eq!(review.body["grades"]["cluster_potential"], "B");
}

#[actix_web::test]
async fn evaluators_grade_every_item_of_the_round_and_publication_reads_their_grades() {
    let app = TestApp::spawn().await;
    let (_, id, joint, single) = round(&app).await;
    let evaluator = expert(&app, "東北大学", Some("04"), &[], None).await;
    let a = assign_evaluator(&app, &id, &joint, &evaluator).await.str("id");

    let res = grade(&app, &evaluator, &a, json!({ "purpose": "S", "technical": "X" })).await;
    res.assert_problem(422, "validation_failed");
    res.assert_field_error("grades.purpose", "unknown_criterion");
    res.assert_field_error("grades.technical", "invalid_grade");
    grade(&app, &evaluator, &a, json!({ "technical": "S", "organization": "A" })).await.assert_status(200);
    let res = app.post(&format!("/api/v1/assignments/{a}/review/submit")).token(&evaluator.token).send().await;
    res.assert_problem(422, "validation_failed");
    for missing in ["regional_initiative", "self_evaluation", "cluster_potential"] {
        res.assert_field_error(&format!("grades.{missing}"), "required");
    }
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 3, "no overall grade is asked: {}", res.body);

    grade(&app, &evaluator, &a, all_items("A")).await.assert_status(200);
    let res = app.post(&format!("/api/v1/assignments/{a}/review/submit")).token(&evaluator.token).send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "submitted");
    grade(&app, &evaluator, &a, all_items("S")).await.assert_problem(409, "review_locked");
    // A program officer may hand it back while the round is open; the evaluator is told.
    let returned = app.post(&format!("/api/v1/assignments/{a}/review/return")).token(&app.admin.token).json(&json!({ "reason": "根拠を追記してください" })).send().await;
    returned.assert_status(200);
    assert_eq!(returned.body["status"], "draft");
    assert!(app.last_email_to(&evaluator.email).await.body.contains("根拠を追記してください"));
    app.post(&format!("/api/v1/assignments/{a}/review/submit")).token(&evaluator.token).send().await.assert_status(200);
    let read = app.get(&format!("/api/v1/assignments/{a}/review")).token(&app.admin.token).send().await;
    assert_eq!(read.body["grades"]["technical"], "A");
    let other = expert(&app, "京都大学", Some("26"), &[], None).await;
    app.get(&format!("/api/v1/assignments/{a}/review")).token(&other.token).send().await.assert_problem(404, "not_found");

    // The other project graded too, the round publishes from these reviews.
    let b = assign_evaluator(&app, &id, &single, &evaluator).await.str("id");
    grade(&app, &evaluator, &b, all_items("S")).await.assert_status(200);
    app.post(&format!("/api/v1/assignments/{b}/review/submit")).token(&evaluator.token).send().await.assert_status(200);
    let published = app.post(&format!("/api/v1/evaluations/{id}/publish")).token(&app.admin.token).send().await;
    published.assert_status(200);
    let scores: Vec<f64> = published.body["items"].as_array().unwrap().iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert_eq!(scores, [4.0, 3.0]);
    let c = assign_evaluator(&app, &id, &joint, &other).await;
    c.assert_problem(409, "invalid_state");
}

async fn wait_for(app: &TestApp, what: impl Fn(&crate::helpers::SentEmail) -> bool) -> usize {
    for _ in 0..100 {
        let n = app.emails().iter().filter(|e| what(e)).count();
        if n > 0 {
            return n;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(100)).await;
    }
    0
}

#[actix_web::test]
async fn the_background_loop_reminds_lead_prefectures_owing_a_self_evaluation_once() {
    let app = TestApp::spawn_with(|s| s.mail.poll_interval_ms = 100).await;
    let f = funded(&app).await;
    let body = json!({ "kind": "interim", "fiscal_year": 2026, "title": "令和8年度 中間評価", "self_evaluation_due": due_in(&app, 10) });
    let id = open_round(&app, &f.call, body).await.str("id");
    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    app.put(&format!("/api/v1/evaluations/{id}/projects/{joint}/self-evaluation"))
        .token(&f.tokyo.token)
        .json(&json!({ "text": "提出済み" }))
        .send()
        .await
        .assert_status(200);
    // The server's own background loop, started once the fixtures have read their emails.
    kyoso::mail::spawn_worker(app.state.clone(), kyoso::mail::MailTransport::file(app.mail_dir.clone()));
    let reminder = |to: &str| {
        let to = to.to_string();
        move |e: &crate::helpers::SentEmail| e.to == to && e.subject.contains("自己評価書の提出期限が近づいています")
    };
    // Ten days ahead is outside the window: the opening emails arrive, no reminder.
    assert!(wait_for(&app, |e| e.to == f.aomori.email && e.subject.contains("中間評価")).await > 0);
    assert!(app.get(&format!("/api/v1/evaluations/{id}")).token(&app.admin.token).send().await.body["reminded_at"].is_null());

    app.advance(Duration::days(7));
    assert_eq!(wait_for(&app, reminder(&f.aomori.email)).await, 1, "Aomori has not written its self-evaluation");
    let reminder_email = app.emails().into_iter().find(|e| reminder(&f.aomori.email)(e)).unwrap();
    assert!(reminder_email.body.contains("/projects/"), "{}", reminder_email.body);
    // Several passes later, still one reminder, and none to Tokyo, which wrote its own.
    actix_web::rt::time::sleep(StdDuration::from_millis(600)).await;
    assert_eq!(app.emails().iter().filter(|e| reminder(&f.aomori.email)(e)).count(), 1);
    assert_eq!(app.emails().iter().filter(|e| reminder(&f.tokyo.email)(e)).count(), 0);
    assert!(app.get(&format!("/api/v1/evaluations/{id}")).token(&app.admin.token).send().await.body["reminded_at"].is_string());
}

#[actix_web::test]
async fn the_same_evaluator_asked_twice_at_once_is_assigned_once() {
    let app = TestApp::spawn().await;
    let (_, id, joint, _) = round(&app).await;
    let evaluator = expert(&app, "東北大学", Some("04"), &[], None).await;
    let results = futures_util::future::join_all((0..2).map(|_| assign_evaluator(&app, &id, &joint, &evaluator))).await;
    let mut statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{:?}", results.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert!(results.iter().any(|r| r.body["code"] == "already_assigned"));
    let listed = app.get(&format!("/api/v1/evaluations/{id}/assignments")).token(&app.admin.token).send().await;
    assert_eq!(listed.body["total"], 1);
}
