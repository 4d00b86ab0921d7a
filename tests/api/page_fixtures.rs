//! Situations the page tests (HTTP and browser) start from.
#![allow(dead_code)]

use chrono::Duration;

use crate::fixtures::{assign, complete_content, create_proposal, endorse_all, expert, multipart, open_call, pdf, signatory_emails};
use crate::helpers::{TestApp, TestUser};

/// A draft with a partner and an attachment whose signatories were emailed their links;
/// returns the proposal id and the governor's link token.
pub async fn endorsable(app: &TestApp, tag: &str) -> (String, String) {
    let call = open_call(app, "lab_construction").await;
    let officer = app.applicant("13").await;
    app.applicant("11").await;
    let res = create_proposal(app, &officer, &call, &complete_content(tag, "13", &["11"])).await;
    res.assert_status(201);
    let id = res.str("id");
    let (ct, body) = multipart("file", "拠点整備計画書.pdf", "application/pdf", &pdf("計画"));
    app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await.assert_status(201);
    app.post(&format!("/api/v1/proposals/{id}/endorsements/request")).token(&officer.token).send().await.assert_status(202);
    let token = app.last_email_to(&signatory_emails(tag)[0]).await.token();
    (id, token)
}

/// A call in review with one submitted proposal assigned to a fresh reviewer; returns the
/// reviewer, the assignment and the proposal's lead officer.
pub async fn assigned(app: &TestApp) -> (TestUser, String, String, TestUser) {
    let call = open_call(app, "lab_construction").await;
    let officer = app.applicant("04").await;
    let id = create_proposal(app, &officer, &call, &complete_content("review", "04", &[])).await.str("id");
    let (ct, body) = multipart("file", "資料.pdf", "application/pdf", &pdf("資料"));
    app.post(&format!("/api/v1/proposals/{id}/attachments")).token(&officer.token).raw(&ct, body).send().await.assert_status(201);
    endorse_all(app, &officer, &id, "review").await;
    app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await.assert_status(200);
    app.advance(Duration::days(31));
    app.post(&format!("/api/v1/calls/{call}/start-review")).token(&app.admin.token).send().await.assert_status(200);
    let reviewer = expert(app, "大阪大学", Some("27"), &["materials"], None).await;
    let res = assign(app, &call, &id, &reviewer).await;
    res.assert_status(201);
    (reviewer, res.str("id"), call, officer)
}

