//! Authentication under attack: parallel guessing, shared gateways, reset flooding, tokens that
//! outlive their session, links that outlive their purpose, secrets at rest.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp, test_settings, with_production_token_lifetimes};

/// The access token stops working within 5 s (the session check may be cached that long).
pub async fn assert_token_dies_within_5s(app: &TestApp, token: &str) {
    let started = Instant::now();
    loop {
        let res = app.get("/api/v1/me").token(token).send().await;
        if res.status.as_u16() == 401 {
            res.assert_problem(401, "session_ended");
            return;
        }
        res.assert_status(200);
        assert!(started.elapsed() < StdDuration::from_secs(5), "the access token still works after 5 s");
        actix_web::rt::time::sleep(StdDuration::from_millis(200)).await;
    }
}

async fn wrong_login(app: &TestApp, email: &str) -> u16 {
    app.post("/api/v1/auth/login")
        .json(&json!({ "email": email, "password": "guess guess guess" }))
        .send()
        .await
        .status
        .as_u16()
}

#[actix_web::test]
async fn parallel_wrong_passwords_get_no_more_than_ten_tries() {
    let app = TestApp::spawn().await;
    let statuses = join_all((0..60).map(|_| wrong_login(&app, ADMIN_EMAIL))).await;
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((unauthorized, throttled), (10, 50), "{statuses:?}");
    let res = app.post("/api/v1/auth/login").json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD })).send().await;
    res.assert_problem(429, "too_many_attempts");
}

#[actix_web::test]
async fn failures_against_one_account_never_block_another_accounts_login_from_the_same_address() {
    let app = TestApp::spawn().await;
    let colleague = app.applicant("13").await;
    let statuses = join_all((0..60).map(|_| wrong_login(&app, "victim@pref.example.jp"))).await;
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    app.post("/api/v1/auth/login")
        .json(&json!({ "email": colleague.email, "password": PASSWORD }))
        .send()
        .await
        .assert_status(200);
    app.post("/api/v1/auth/login").json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD })).send().await.assert_status(200);
}

#[actix_web::test]
async fn the_throttle_is_shared_by_app_instances_on_one_database() {
    // Two instances (two states, two servers) on the same database count together: five
    // failures on each make ten against the account.
    let first = TestApp::spawn_with(|s| s.auth.login_failures_per_account = 10).await;
    let mut settings = test_settings(&first.dir);
    settings.auth.login_failures_per_account = 10;
    settings.database.url = first.state.settings.database.url.clone();
    settings.bootstrap.admin_email = None;
    let state = kyoso::startup::build_state(settings, first.clock.clone()).expect("second instance");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let server = kyoso::startup::Application::build(state, listener).expect("server");
    let second = format!("http://127.0.0.1:{}/api/v1/auth/login", server.port());
    actix_web::rt::spawn(server.into_server());
    for _ in 0..5 {
        assert_eq!(wrong_login(&first, ADMIN_EMAIL).await, 401);
    }
    let client = awc::Client::default();
    for _ in 0..5 {
        let res = client.post(&second).send_json(&json!({ "email": ADMIN_EMAIL, "password": "guess guess guess" })).await.unwrap();
        assert_eq!(res.status().as_u16(), 401);
    }
    assert_eq!(wrong_login(&first, ADMIN_EMAIL).await, 429);
}

#[actix_web::test]
async fn a_client_supplied_forwarded_for_is_not_believed() {
    let app = TestApp::spawn_with(|s| s.server.trust_forwarded_for = true).await;
    app.post("/api/v1/auth/login")
        .header("x-forwarded-for", "6.6.6.6, 203.0.113.9")
        .json(&json!({ "email": ADMIN_EMAIL, "password": "guess guess guess" }))
        .send()
        .await
        .assert_problem(401, "invalid_credentials");
    let audit = app.get("/api/v1/audit?entity_type=user").token(&app.admin.token).send().await;
    let failed = audit.body["items"].as_array().unwrap().iter().find(|e| e["action"] == "login_failed").cloned().unwrap();
    assert_eq!(failed["ip"], "203.0.113.9", "{failed}");
}

#[actix_web::test]
async fn password_reset_requests_are_throttled_silently() {
    let app = TestApp::spawn().await;
    for _ in 0..6 {
        app.post("/api/v1/auth/password-reset").json(&json!({ "email": ADMIN_EMAIL })).send().await.assert_status(202);
    }
    app.deliver_mail().await;
    let sent = app.emails().iter().filter(|e| e.to == ADMIN_EMAIL).count();
    assert_eq!(sent, 3, "three reset emails per account per hour");
    // Per address: many accounts from one client stop getting emails past the ceiling.
    let app = TestApp::spawn_with(|s| s.auth.password_resets_per_ip = 2).await;
    let a = app.applicant("13").await;
    let b = app.applicant("14").await;
    app.deliver_mail().await;
    let before = app.emails().len();
    for email in [&a.email, &b.email, ADMIN_EMAIL] {
        app.post("/api/v1/auth/password-reset").json(&json!({ "email": email })).send().await.assert_status(202);
    }
    app.deliver_mail().await;
    assert_eq!(app.emails().len() - before, 2);
}

#[actix_web::test]
async fn access_tokens_die_with_logout() {
    let app = TestApp::spawn().await;
    let user = app.login(ADMIN_EMAIL, PASSWORD).await;
    app.get("/api/v1/me").token(&user.token).send().await.assert_status(200);
    app.post("/api/v1/auth/logout").token(&user.token).json(&json!({ "refresh_token": user.refresh_token })).send().await.assert_status(204);
    assert_token_dies_within_5s(&app, &user.token).await;
    app.get("/api/v1/me").token(&app.admin.token).send().await.assert_status(200);
}

#[actix_web::test]
async fn access_tokens_die_with_refresh_reuse_and_password_reset() {
    let app = TestApp::spawn().await;
    let user = app.applicant("13").await;
    let rotated = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": user.refresh_token })).send().await;
    let newer = rotated.str("access_token");
    app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": user.refresh_token })).send().await.assert_problem(401, "refresh_token_reused");
    assert_token_dies_within_5s(&app, &newer).await;

    let other = app.login(&user.email, PASSWORD).await;
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": user.email })).send().await.assert_status(202);
    let token = app.last_email_to(&user.email).await.token();
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({ "token": token, "password": "a brand new passphrase" }))
        .send()
        .await
        .assert_status(204);
    assert_token_dies_within_5s(&app, &other.token).await;
}

#[actix_web::test]
async fn sessions_end_after_their_absolute_lifetime_however_often_they_rotate() {
    let app = TestApp::spawn_with(|s| {
        with_production_token_lifetimes(s);
        s.auth.session_lifetime_secs = 3 * 24 * 3600;
    })
    .await;
    let mut refresh = app.admin.refresh_token.clone();
    for _ in 0..2 {
        app.advance(Duration::hours(30));
        let res = app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": refresh })).send().await;
        res.assert_status(200);
        refresh = res.str("refresh_token");
    }
    app.advance(Duration::hours(13));
    app.post("/api/v1/auth/refresh").json(&json!({ "refresh_token": refresh })).send().await.assert_problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn an_access_token_stops_when_its_session_expires() {
    let app = TestApp::spawn_with(|s| {
        s.auth.session_lifetime_secs = 3600;
        s.auth.session_check_cache_ms = 0;
    })
    .await;
    app.get("/api/v1/me").token(&app.admin.token).send().await.assert_status(200);
    app.advance(Duration::minutes(61));
    app.get("/api/v1/me").token(&app.admin.token).send().await.assert_problem(401, "session_ended");
}

#[actix_web::test]
async fn an_invitation_is_void_once_the_account_got_in_through_a_password_reset() {
    let app = TestApp::spawn().await;
    let email = "invitee@pref.example.jp";
    app.post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": email, "name": "Invitee", "role": "applicant", "prefecture_code": "13" }))
        .send()
        .await
        .assert_status(201);
    let invitation = app.last_email_to(email).await.token();
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": email })).send().await.assert_status(202);
    let reset = app.last_email_to(email).await.token();
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({ "token": reset, "password": "chosen by the invitee" }))
        .send()
        .await
        .assert_status(204);
    app.post("/api/v1/auth/activate")
        .json(&json!({ "token": invitation, "password": "chosen by an attacker" }))
        .send()
        .await
        .assert_problem(410, "token_invalid");
    app.login(email, "chosen by the invitee").await;
}

#[actix_web::test]
async fn a_delivered_email_leaves_no_usable_link_in_the_database() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/auth/password-reset").json(&json!({ "email": ADMIN_EMAIL })).send().await.assert_status(202);
    let mut conn = app.state.db.conn().expect("connection");
    assert!(kyoso::repo::outbox::all(&mut conn).unwrap()[0].body.contains("token="), "queued emails carry their link");
    let token = app.last_email_to(ADMIN_EMAIL).await.token();
    let rows = kyoso::repo::outbox::all(&mut conn).unwrap();
    assert!(rows[0].sent_at.is_some());
    assert!(rows.iter().all(|m| !m.body.contains("token=") && !m.body.contains(&token)), "{:?}", rows[0].body);
}

#[actix_web::test]
async fn a_failed_login_audits_only_email_addresses() {
    let app = TestApp::spawn().await;
    for typed in ["my secret passphrase", "nobody@example.jp"] {
        app.post("/api/v1/auth/login").json(&json!({ "email": typed, "password": "x" })).send().await.assert_problem(401, "invalid_credentials");
    }
    let audit = app.get("/api/v1/audit?entity_type=user").token(&app.admin.token).send().await;
    let emails: Vec<String> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login_failed")
        .map(|e| e["details"]["email"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(emails.contains(&"nobody@example.jp".to_string()), "{emails:?}");
    assert!(emails.contains(&"(not an email address)".to_string()), "{emails:?}");
    assert!(!audit.bytes.windows(b"passphrase".len()).any(|w| w == b"passphrase"));
}

#[actix_web::test]
async fn production_refuses_published_or_weak_jwt_secrets() {
    let dir = tempfile::tempdir().unwrap();
    for secret in ["compose-demo-secret-change-me-0123456789abcdef", "too short", "abababababababababababababababababababab"] {
        let mut settings = test_settings(&dir);
        settings.app.mode = kyoso::config::Mode::Production;
        settings.auth.jwt_secret = secret.into();
        let error = kyoso::startup::build_state(settings, std::sync::Arc::new(kyoso::clock::ShiftedClock::default()))
            .err()
            .expect("refused");
        assert!(error.to_string().contains("auth.jwt_secret"), "{error}");
    }
}

#[actix_web::test]
async fn the_production_bootstrap_admin_must_change_the_password_first() {
    let app = TestApp::spawn_with(|s| {
        s.app.mode = kyoso::config::Mode::Production;
        s.auth.jwt_secret = "q3Jx9Lw0vT2mZ8rB5nC7yH1kD4fG6sA0pE2uI9oQ".into();
    })
    .await;
    app.get("/api/v1/me").token(&app.admin.token).send().await.assert_status(200);
    app.get("/api/v1/users").token(&app.admin.token).send().await.assert_problem(403, "password_change_required");
    app.post("/api/v1/me/password")
        .token(&app.admin.token)
        .json(&json!({ "current_password": PASSWORD, "new_password": "a password only I know" }))
        .send()
        .await
        .assert_status(204);
    app.get("/api/v1/users").token(&app.admin.token).send().await.assert_status(200);
}

#[actix_web::test]
async fn development_mode_does_not_ask_the_bootstrap_admin_to_change_the_password() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/users").token(&app.admin.token).send().await.assert_status(200);
}
