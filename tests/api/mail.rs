use chrono::Duration;
use serde_json::json;

use crate::helpers::TestApp;

async fn invite(app: &TestApp, email: &str) {
    app.post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": email, "name": "Someone", "role": "admin" }))
        .send()
        .await
        .assert_status(201);
}

fn outbox(app: &TestApp) -> Vec<kyoso::repo::outbox::Message> {
    let mut conn = app.state.db.conn().expect("connection");
    kyoso::repo::outbox::all(&mut conn).expect("outbox")
}

#[actix_web::test]
async fn an_email_waits_in_the_outbox_until_the_worker_delivers_it_to_a_file() {
    let app = TestApp::spawn().await;
    invite(&app, "someone@example.jp").await;
    let queued = outbox(&app);
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].recipient, "someone@example.jp");
    assert!(queued[0].sent_at.is_none());
    assert!(app.emails().is_empty(), "nothing is sent inside the request");

    let report = app.deliver_mail().await;
    assert_eq!((report.sent, report.failed), (1, 0));
    let sent = app.emails();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "someone@example.jp");
    assert!(outbox(&app)[0].sent_at.is_some());
    assert_eq!(app.deliver_mail().await.sent, 0, "a sent email is not sent again");
}

#[actix_web::test]
async fn a_failed_delivery_is_retried_later() {
    let app = TestApp::spawn().await;
    // The mail folder's place is taken by a file: the transport cannot write.
    std::fs::write(&app.mail_dir, b"in the way").expect("block the folder");
    invite(&app, "retry@example.jp").await;
    let report = app.deliver_mail().await;
    assert_eq!((report.sent, report.failed), (0, 1));
    let row = &outbox(&app)[0];
    assert_eq!(row.attempts, 1);
    assert!(row.last_error.is_some() && row.sent_at.is_none() && row.failed_at.is_none());

    std::fs::remove_file(&app.mail_dir).expect("unblock");
    assert_eq!(app.deliver_mail().await.sent, 0, "not retried before its backoff ends");
    app.advance(Duration::seconds(31));
    assert_eq!(app.deliver_mail().await.sent, 1);
    assert_eq!(app.emails().len(), 1);
    let row = &outbox(&app)[0];
    assert_eq!(row.attempts, 2);
    assert!(row.sent_at.is_some());
}

#[actix_web::test]
async fn a_change_that_fails_queues_no_email() {
    let app = TestApp::spawn().await;
    invite(&app, "once@example.jp").await;
    let res = app
        .post("/api/v1/users")
        .token(&app.admin.token)
        .json(&json!({ "email": "once@example.jp", "name": "Again", "role": "admin" }))
        .send()
        .await;
    res.assert_problem(409, "email_taken");
    assert_eq!(outbox(&app).len(), 1);
}

#[actix_web::test]
async fn the_background_worker_delivers_without_being_asked() {
    let app = TestApp::spawn_with(|s| {
        s.mail.worker_enabled = true;
        s.mail.poll_interval_ms = 100;
    })
    .await;
    invite(&app, "auto@example.jp").await;
    for _ in 0..100 {
        if app.emails().iter().any(|e| e.to == "auto@example.jp") {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the worker did not deliver within 10 seconds");
}

#[actix_web::test]
async fn emails_are_written_in_japanese_and_english() {
    let app = TestApp::spawn().await;
    invite(&app, "bilingual@example.jp").await;
    let email = app.last_email_to("bilingual@example.jp").await;
    assert!(email.body.contains("アカウント"), "{}", email.body);
    assert!(email.body.contains("account"), "{}", email.body);
}
