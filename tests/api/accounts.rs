use chrono::Duration;
use serde_json::json;

use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp};

#[actix_web::test]
async fn an_admin_invites_an_applicant_who_activates_and_logs_in() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": "Officer@Pref.Kanagawa.example", "name": "神奈川 花子", "role": "applicant", "prefecture_code": "14" }))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(res.body["email"], "officer@pref.kanagawa.example");
    assert_eq!(res.body["role"], "applicant");
    assert_eq!(res.body["prefecture_code"], "14");
    assert_eq!(res.body["active"], false);
    let id = res.str("id");

    let email = app.last_email_to("officer@pref.kanagawa.example").await;
    assert!(email.subject.contains("招待") && email.subject.contains("invited"), "{}", email.subject);
    assert!(email.body.contains("神奈川 花子 様") && email.body.contains("Dear 神奈川 花子"));
    assert!(email.body.contains("/activate?token="));
    app.post("/api/v1/auth/activate")
        .json(&json!({ "token": email.token(), "password": PASSWORD }))
        .send()
        .await
        .assert_status(204);

    let officer = app.login("officer@pref.kanagawa.example", PASSWORD).await;
    let me = app.get("/api/v1/me").token(&officer.token).send().await;
    me.assert_status(200);
    assert_eq!(me.body["id"], id);
    assert_eq!(me.body["role"], "applicant");
    assert_eq!(me.body["prefecture_code"], "14");
    assert_eq!(me.body["name"], "神奈川 花子");

    // The link works once.
    app.post("/api/v1/auth/activate")
        .json(&json!({ "token": email.token(), "password": "another long password" }))
        .send()
        .await
        .assert_problem(410, "token_invalid");

    let audit = app.get(&format!("/api/v1/audit?entity_type=user&entity_id={id}")).token(&app.admin.token).send().await;
    let actions: Vec<&str> = audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["login", "user_activated", "user_invited"], "newest first");
    assert!(audit.body["items"][2]["actor"].as_str().unwrap().starts_with("admin:"));
}

#[actix_web::test]
async fn a_reviewer_is_invited_with_profile_fields() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({
            "email": "expert@univ.example", "name": "Expert", "role": "reviewer",
            "affiliation": "東北大学", "affiliation_prefecture_code": "04",
            "expertise": ["materials", " robotics ", "materials"], "max_assignments": 6
        }))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(res.body["affiliation"], "東北大学");
    assert_eq!(res.body["affiliation_prefecture_code"], "04");
    assert_eq!(res.body["expertise"], json!(["materials", "robotics"]));
    assert_eq!(res.body["max_assignments"], 6);
}

#[actix_web::test]
async fn invitation_links_expire() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": "late@example.jp", "name": "Late", "role": "admin" }))
        .send()
        .await
        .assert_status(201);
    let token = app.last_email_to("late@example.jp").await.token();
    app.advance(Duration::hours(169));
    app.post("/api/v1/auth/activate")
        .json(&json!({ "token": token, "password": PASSWORD }))
        .send()
        .await
        .assert_problem(410, "token_invalid");
}

#[actix_web::test]
async fn an_invitee_whose_link_expired_gets_in_through_a_password_reset() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": "slow@example.jp", "name": "Slow", "role": "applicant", "prefecture_code": "30" }))
        .send()
        .await
        .assert_status(201);
    app.advance(Duration::hours(169));
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": "slow@example.jp" })).send().await.assert_status(202);
    let token = app.last_email_to("slow@example.jp").await.token();
    app.post("/api/v1/auth/password-reset/confirm").json(&json!({ "token": token, "password": PASSWORD })).send().await.assert_status(204);
    let officer = app.login("slow@example.jp", PASSWORD).await;
    let me = app.get("/api/v1/me").token(&officer.token).send().await;
    assert_eq!(me.body["prefecture_code"], "30");
}

#[actix_web::test]
async fn every_problem_with_an_invitation_is_listed_at_once() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": "not-an-email", "name": "", "role": "applicant", "max_assignments": 3 }))
        .send()
        .await;
    res.assert_problem(422, "validation_failed");
    let mut fields: Vec<&str> = res.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["email", "max_assignments", "name", "prefecture_code"], "{}", res.body);

    let res = app
        .post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": "r@example.jp", "name": "R", "role": "reviewer", "affiliation_prefecture_code": "48" }))
        .send()
        .await;
    res.assert_problem(422, "validation_failed");
    let codes: Vec<(&str, &str)> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(codes.contains(&("affiliation", "required")), "{codes:?}");
    assert!(codes.contains(&("affiliation_prefecture_code", "invalid_prefecture")), "{codes:?}");

    let res = app.get("/api/v1/users").token(&app.admin.token).send().await;
    assert_eq!(res.body["total"], 1, "nothing was created");
}

#[actix_web::test]
async fn a_taken_email_is_refused_whatever_its_case() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": "PO@jst.example", "name": "Dup", "role": "admin" }))
        .send()
        .await;
    res.assert_problem(409, "email_taken");
}

#[actix_web::test]
async fn users_are_listed_and_filtered_by_role() {
    let app = TestApp::spawn().await;
    app.applicant("13").await;
    app.applicant("14").await;
    app.reviewer("京都大学").await;
    let all = app.get("/api/v1/users").token(&app.admin.token).send().await;
    assert_eq!(all.body["total"], 4);
    let applicants = app.get("/api/v1/users?role=applicant").token(&app.admin.token).send().await;
    assert_eq!(applicants.body["total"], 2);
    assert!(applicants.body["items"].as_array().unwrap().iter().all(|u| u["role"] == "applicant"));
    let page = app.get("/api/v1/users?limit=1&offset=1").token(&app.admin.token).send().await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["total"], 4);
}

#[actix_web::test]
async fn admin_endpoints_refuse_other_roles_and_anonymous_callers() {
    let app = TestApp::spawn().await;
    let applicant = app.applicant("13").await;
    let reviewer = app.reviewer("大阪大学").await;
    let invite = json!({ "email": "x@example.jp", "name": "X", "role": "admin" });
    for token in [&applicant.token, &reviewer.token] {
        app.post("/api/v1/users").token(token).json(&invite).send().await.assert_problem(403, "forbidden");
        app.get("/api/v1/users").token(token).send().await.assert_problem(403, "forbidden");
        app.get("/api/v1/audit").token(token).send().await.assert_problem(403, "forbidden");
    }
    app.post("/api/v1/users").json(&invite).send().await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/users").send().await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/audit").send().await.assert_problem(401, "unauthenticated");
    // Every role reads its own account.
    let me = app.get("/api/v1/me").token(&reviewer.token).send().await;
    assert_eq!(me.body["role"], "reviewer");
    assert_eq!(me.body["affiliation"], "大阪大学");
}

#[actix_web::test]
async fn the_bootstrap_admin_is_created_once() {
    let app = TestApp::spawn().await;
    let me = app.get("/api/v1/me").token(&app.admin.token).send().await;
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    // A restart with the same variables does not create a second admin.
    let mut settings = (*app.state.settings).clone();
    settings.bootstrap.admin_email = Some("other.admin@jst.example".into());
    kyoso::startup::build_state(settings, app.clock.clone()).expect("restarts");
    let admins = app.get("/api/v1/users?role=admin").token(&app.admin.token).send().await;
    assert_eq!(admins.body["total"], 1);
}

#[actix_web::test]
async fn every_admin_endpoint_refuses_applicants_reviewers_and_anonymous_callers() {
    use awc::http::Method;
    let app = TestApp::spawn().await;
    let applicant = app.applicant("13").await;
    let reviewer = app.reviewer("東北大学").await;
    let body = json!({});
    let endpoints = [
        (Method::POST, "/api/v1/users"),
        (Method::GET, "/api/v1/users"),
        (Method::GET, "/api/v1/audit"),
        (Method::POST, "/api/v1/calls"),
        (Method::PATCH, "/api/v1/calls/c1"),
        (Method::POST, "/api/v1/calls/c1/publish"),
        (Method::POST, "/api/v1/calls/c1/start-review"),
        (Method::POST, "/api/v1/calls/c1/publish-decisions"),
        (Method::GET, "/api/v1/calls/c1/assignments"),
        (Method::POST, "/api/v1/calls/c1/assignments"),
        (Method::POST, "/api/v1/calls/c1/assignments/auto"),
        (Method::GET, "/api/v1/calls/c1/ranking"),
        (Method::GET, "/api/v1/calls/c1/decisions"),
        (Method::GET, "/api/v1/calls/c1/budget-plan"),
        (Method::POST, "/api/v1/proposals/p1/conflicts"),
        (Method::GET, "/api/v1/proposals/p1/conflicts"),
        (Method::PUT, "/api/v1/proposals/p1/decision"),
        (Method::GET, "/api/v1/proposals/p1/decision"),
        (Method::POST, "/api/v1/assignments/a1/review/return"),
    ];
    for (method, path) in endpoints {
        for user in [&applicant, &reviewer] {
            let res = app.request(method.clone(), path).token(&user.token).json(&body).send().await;
            assert_eq!((res.status.as_u16(), res.body["code"].as_str()), (403, Some("forbidden")), "{method} {path}");
        }
        let res = app.request(method.clone(), path).json(&body).send().await;
        assert_eq!((res.status.as_u16(), res.body["code"].as_str()), (401, Some("unauthenticated")), "{method} {path}");
    }
}
