use chrono::Duration;
use serde_json::json;

use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp, with_production_token_lifetimes};

#[actix_web::test]
async fn login_returns_a_bearer_token_pair() {
    let app = TestApp::spawn_with(with_production_token_lifetimes).await;
    let res = app.post("/api/v1/auth/login").json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD })).send().await;
    res.assert_status(200);
    assert_eq!(res.body["token_type"], "Bearer");
    assert_eq!(res.body["expires_in"], 900);
    assert!(res.body["refresh_token"].as_str().is_some_and(|t| t.len() >= 40));
    let me = app.get("/api/v1/me").token(&res.str("access_token")).send().await;
    me.assert_status(200);
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    assert_eq!(me.body["role"], "admin");
}

#[actix_web::test]
async fn login_email_is_case_insensitive() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/auth/login").json(&json!({ "email": "  PO@JST.EXAMPLE", "password": PASSWORD })).send().await;
    res.assert_status(200);
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_fail_alike() {
    let app = TestApp::spawn().await;
    let wrong = app.post("/api/v1/auth/login").json(&json!({ "email": ADMIN_EMAIL, "password": "not the password" })).send().await;
    wrong.assert_problem(401, "invalid_credentials");
    let unknown = app.post("/api/v1/auth/login").json(&json!({ "email": "nobody@example.jp", "password": PASSWORD })).send().await;
    unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong.body["detail"], unknown.body["detail"], "no account enumeration through messages");

    let audit = app.get("/api/v1/audit?entity_type=user").token(&app.admin.token).send().await;
    let failures = audit.body["items"].as_array().unwrap().iter().filter(|e| e["action"] == "login_failed").count();
    assert_eq!(failures, 2, "both failures are audited");
}

#[actix_web::test]
async fn an_invited_user_cannot_log_in_before_activation() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": "new@pref.example.jp", "name": "New", "role": "applicant", "prefecture_code": "13" }))
        .send()
        .await
        .assert_status(201);
    let res = app.post("/api/v1/auth/login").json(&json!({ "email": "new@pref.example.jp", "password": PASSWORD })).send().await;
    res.assert_problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn repeated_failures_for_an_account_are_throttled_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    for _ in 0..10 {
        app.post("/api/v1/auth/login")
            .json(&json!({ "email": ADMIN_EMAIL, "password": "guess guess guess" }))
            .send()
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let res = app.post("/api/v1/auth/login").json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD })).send().await;
    res.assert_problem(429, "too_many_attempts");
    let retry: u64 = res.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=900).contains(&retry));

    app.advance(Duration::seconds(901));
    app.post("/api/v1/auth/login").json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD })).send().await.assert_status(200);
}

#[actix_web::test]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = TestApp::spawn_with(|s| s.auth.login_failures_per_ip = 3).await;
    for i in 0..3 {
        app.post("/api/v1/auth/login")
            .json(&json!({ "email": format!("someone{i}@example.jp"), "password": "guess guess guess" }))
            .send()
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let res = app.post("/api/v1/auth/login").json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD })).send().await;
    res.assert_problem(429, "too_many_attempts");
    assert!(res.header("retry-after").is_some());
}

#[actix_web::test]
async fn refresh_rotates_and_the_old_refresh_token_stops_working() {
    let app = TestApp::spawn().await;
    let first = app.admin.refresh_token.clone();
    let res = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": first })).send().await;
    res.assert_status(200);
    let second = res.str("refresh_token");
    assert_ne!(first, second);
    app.get("/api/v1/me").token(&res.str("access_token")).send().await.assert_status(200);

    let again = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": second })).send().await;
    again.assert_status(200);
}

#[actix_web::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_session() {
    let app = TestApp::spawn().await;
    let stolen = app.admin.refresh_token.clone();
    let rotated = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": stolen })).send().await;
    let current = rotated.str("refresh_token");

    let replay = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": stolen })).send().await;
    replay.assert_problem(401, "refresh_token_reused");
    // The legitimate holder's newer token belongs to the revoked session too.
    let res = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": current })).send().await;
    res.assert_problem(401, "session_revoked");

    let audit = app.get("/api/v1/audit?entity_type=session").token(&app.admin.token).send().await;
    assert!(audit.body["items"].as_array().unwrap().iter().any(|e| e["action"] == "refresh_token_reused"));
}

#[actix_web::test]
async fn unknown_and_expired_refresh_tokens_are_refused() {
    let app = TestApp::spawn_with(with_production_token_lifetimes).await;
    app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": "nonsense" })).send().await.assert_problem(401, "invalid_refresh_token");
    app.advance(Duration::days(31));
    app.post("/api/v1/auth/refresh")
        .json(&json!({ "refresh_token": app.admin.refresh_token }))
        .send()
        .await
        .assert_problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let user = app.login(ADMIN_EMAIL, PASSWORD).await;
    app.post("/api/v1/auth/logout").token(&user.token).json(&json!({ "refresh_token": user.refresh_token })).send().await.assert_status(204);
    app.post("/api/v1/auth/refresh")
        .json(&json!({ "refresh_token": user.refresh_token }))
        .send()
        .await
        .assert_problem(401, "session_revoked");
    // Other sessions of the same account continue.
    app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": app.admin.refresh_token })).send().await.assert_status(200);
}

#[actix_web::test]
async fn logout_requires_authentication() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/auth/logout")
        .json(&json!({ "refresh_token": app.admin.refresh_token }))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn access_tokens_expire_and_bad_ones_are_refused() {
    let app = TestApp::spawn_with(with_production_token_lifetimes).await;
    app.get("/api/v1/me").send().await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/me").token("not.a.jwt").send().await.assert_problem(401, "invalid_token");
    let res = app.get("/api/v1/me").token(&app.admin.token).send().await;
    res.assert_status(200);
    app.advance(Duration::seconds(901));
    let res = app.get("/api/v1/me").token(&app.admin.token).send().await;
    res.assert_problem(401, "token_expired");
    assert_eq!(res.header("www-authenticate").as_deref(), Some("Bearer"));
}

#[actix_web::test]
async fn password_reset_sets_a_new_password_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let user = app.applicant("13").await;
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": user.email })).send().await.assert_status(202);
    let email = app.last_email_to(&user.email).await;
    assert!(email.subject.contains("パスワード") && email.subject.contains("Password"));
    let token = email.token();

    let new_password = "a brand new passphrase";
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({ "token": token, "password": new_password }))
        .send()
        .await
        .assert_status(204);
    app.post("/api/v1/auth/login")
        .json(&json!({ "email": user.email, "password": PASSWORD }))
        .send()
        .await
        .assert_problem(401, "invalid_credentials");
    app.login(&user.email, new_password).await;
    app.post("/api/v1/auth/refresh")
        .json(&json!({ "refresh_token": user.refresh_token }))
        .send()
        .await
        .assert_problem(401, "session_revoked");
    // The link works once.
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({ "token": token, "password": "yet another passphrase" }))
        .send()
        .await
        .assert_problem(410, "token_invalid");
}

#[actix_web::test]
async fn password_reset_does_not_reveal_whether_an_account_exists() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/auth/password-reset").json(&json!({ "email": "nobody@example.jp" })).send().await;
    res.assert_status(202);
    let res = app.post("/api/v1/auth/password-reset").json(&json!({ "email": "not even an email" })).send().await;
    res.assert_status(202);
    app.deliver_mail().await;
    assert!(app.emails().iter().all(|e| e.to != "nobody@example.jp"));
}

#[actix_web::test]
async fn a_weak_new_password_is_refused_without_using_up_the_link() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": ADMIN_EMAIL })).send().await.assert_status(202);
    let token = app.last_email_to(ADMIN_EMAIL).await.token();
    let res = app.post("/api/v1/auth/password-reset/confirm").json(&json!({ "token": token, "password": "short" })).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "password");
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({ "token": token, "password": "long enough at last" }))
        .send()
        .await
        .assert_status(204);
}

#[actix_web::test]
async fn reset_links_expire_and_a_newer_link_voids_the_older() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": ADMIN_EMAIL })).send().await;
    let older = app.last_email_to(ADMIN_EMAIL).await.token();
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": ADMIN_EMAIL })).send().await;
    let newer = app.last_email_to(ADMIN_EMAIL).await.token();
    assert_ne!(older, newer);
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({ "token": older, "password": "long enough at last" }))
        .send()
        .await
        .assert_problem(410, "token_invalid");
    app.advance(Duration::minutes(61));
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({ "token": newer, "password": "long enough at last" }))
        .send()
        .await
        .assert_problem(410, "token_invalid");
}

#[actix_web::test]
async fn forged_link_tokens_are_refused() {
    let app = TestApp::spawn().await;
    for token in ["", "abc", "0123456789abcdef0123456789abcdef.AAAA"] {
        app.post("/api/v1/auth/activate")
            .json(&json!({ "token": token, "password": "long enough at last" }))
            .send()
            .await
            .assert_problem(410, "token_invalid");
    }
}
