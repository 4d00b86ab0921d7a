//! The account after the invitation: profile changes, deactivation, own password changes.

use serde_json::json;

use crate::auth_hardening::assert_token_dies_within_5s;
use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp};

#[actix_web::test]
async fn an_admin_changes_a_reviewers_profile() {
    let app = TestApp::spawn().await;
    let reviewer = app.reviewer("東北大学").await;
    let res = app
        .patch(&format!("/api/v1/users/{}", reviewer.id))
        .token(&app.admin.token)
        .json(&json!({
            "name": "  Dr. Sato ", "affiliation": "京都大学", "affiliation_prefecture_code": "26",
            "expertise": ["AI", " AI", "materials"], "max_assignments": 4
        }))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.body["name"], "Dr. Sato");
    assert_eq!(res.body["affiliation"], "京都大学");
    assert_eq!(res.body["affiliation_prefecture_code"], "26");
    assert_eq!(res.body["expertise"], json!(["AI", "materials"]));
    assert_eq!(res.body["max_assignments"], 4);
    let cleared = app
        .patch(&format!("/api/v1/users/{}", reviewer.id))
        .token(&app.admin.token)
        .json(&json!({ "max_assignments": null }))
        .send()
        .await;
    cleared.assert_status(200);
    assert!(cleared.body["max_assignments"].is_null());
    assert_eq!(cleared.body["affiliation"], "京都大学", "fields left out stay");
    let audit = app.get("/api/v1/audit?entity_type=user").token(&app.admin.token).send().await;
    assert!(audit.body["items"].as_array().unwrap().iter().any(|e| e["action"] == "user_updated"));
}

#[actix_web::test]
async fn every_problem_with_a_profile_change_is_listed() {
    let app = TestApp::spawn().await;
    let applicant = app.applicant("13").await;
    let res = app
        .patch(&format!("/api/v1/users/{}", applicant.id))
        .token(&app.admin.token)
        .json(&json!({ "name": " ", "expertise": ["AI"], "max_assignments": 0, "affiliation_prefecture_code": "99" }))
        .send()
        .await;
    res.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = res.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for field in ["name", "expertise", "max_assignments", "affiliation_prefecture_code"] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    app.patch(&format!("/api/v1/users/{}", applicant.id))
        .token(&app.admin.token)
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .assert_status(422);
    app.patch("/api/v1/users/nobody").token(&app.admin.token).json(&json!({ "name": "X" })).send().await.assert_problem(404, "not_found");
    app.patch(&format!("/api/v1/users/{}", app.admin.id))
        .token(&applicant.token)
        .json(&json!({ "name": "X" }))
        .send()
        .await
        .assert_status(403);
    app.patch(&format!("/api/v1/users/{}", app.admin.id))
        .token(&app.admin.token)
        .json(&json!({ "active": false }))
        .send()
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn a_deactivated_account_is_locked_out_until_restored() {
    let app = TestApp::spawn().await;
    let user = app.applicant("13").await;
    let path = format!("/api/v1/users/{}", user.id);
    let res = app.patch(&path).token(&app.admin.token).json(&json!({ "active": false })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["active"], false);
    assert_token_dies_within_5s(&app, &user.token).await;
    let login = json!({ "email": user.email, "password": PASSWORD });
    app.post("/api/v1/auth/login").json(&login).send().await.assert_problem(401, "invalid_credentials");
    app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": user.refresh_token })).send().await.assert_status(401);
    // A reset link cannot bring the account back.
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": user.email })).send().await.assert_status(202);
    app.deliver_mail().await;
    assert_eq!(app.emails().iter().filter(|e| e.to == user.email).count(), 1, "only the invitation");

    app.patch(&path).token(&app.admin.token).json(&json!({ "active": true })).send().await.assert_status(200);
    app.post("/api/v1/auth/login").json(&login).send().await.assert_status(200);
    let audit = app.get("/api/v1/audit?entity_type=user").token(&app.admin.token).send().await;
    let actions: Vec<&str> = audit.body["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"user_deactivated") && actions.contains(&"user_reactivated"), "{actions:?}");
}

#[actix_web::test]
async fn users_change_their_own_password_and_their_other_sessions_end() {
    let app = TestApp::spawn().await;
    let other = app.login(ADMIN_EMAIL, PASSWORD).await;
    app.post("/api/v1/me/password")
        .token(&app.admin.token)
        .json(&json!({ "current_password": "not my password", "new_password": "a fresh passphrase" }))
        .send()
        .await
        .assert_problem(401, "invalid_credentials");
    app.post("/api/v1/me/password")
        .token(&app.admin.token)
        .json(&json!({ "current_password": PASSWORD, "new_password": "short" }))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    app.post("/api/v1/me/password")
        .token(&app.admin.token)
        .json(&json!({ "current_password": PASSWORD, "new_password": "a fresh passphrase" }))
        .send()
        .await
        .assert_status(204);
    assert_token_dies_within_5s(&app, &other.token).await;
    app.get("/api/v1/me").token(&app.admin.token).send().await.assert_status(200);
    app.post("/api/v1/auth/login")
        .json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD }))
        .send()
        .await
        .assert_problem(401, "invalid_credentials");
    app.login(ADMIN_EMAIL, "a fresh passphrase").await;
}
