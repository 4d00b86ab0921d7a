//! Drains the outbox: claims due messages, hands them to the transport, and records the outcome
//! — sent, or failed with the next attempt scheduled with exponential backoff.

use std::time::Duration as StdDuration;

use chrono::Duration;

use crate::db::DbError;
use crate::mail::transport::{MailTransport, build_message_with};
use crate::repo::outbox;
use crate::state::AppState;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub failed: usize,
}

const LEASE: i64 = 300;
const BATCH: i64 = 50;

/// Delivers every message due now; returns what happened. Safe to run from several workers.
pub async fn deliver_due(state: &AppState, transport: &MailTransport) -> Result<DeliveryReport, DbError> {
    let mut report = DeliveryReport::default();
    loop {
        let now = state.now();
        let batch = state
            .db
            .transaction(move |c| Ok(outbox::claim_due(c, now, Duration::seconds(LEASE), BATCH)?))
            .await?;
        if batch.is_empty() {
            return Ok(report);
        }
        for message in batch {
            let attachment = message.attachment();
            let built = build_message_with(&state.settings.mail.from, &message.recipient, &message.subject, &message.body, attachment.as_ref());
            let (result, permanent) = match built {
                Ok(m) => (transport.send(m).await, false),
                Err(e) => (Err(e), true),
            };
            let now = state.now();
            let retry_base = Duration::seconds(state.settings.mail.retry_base_secs.max(1));
            let max_attempts = if permanent { message.attempts + 1 } else { state.settings.mail.max_attempts };
            match result {
                Ok(()) => {
                    let id = message.id.clone();
                    state.db.transaction(move |c| Ok(outbox::mark_sent(c, &id, now)?)).await?;
                    report.sent += 1;
                }
                Err(error) => {
                    tracing::warn!(message_id = %message.id, attempt = message.attempts + 1, %error, "email delivery failed");
                    state
                        .db
                        .transaction(move |c| Ok(outbox::mark_failed(c, &message, &error, now, retry_base, max_attempts)?))
                        .await?;
                    report.failed += 1;
                }
            }
        }
        if report.failed > 0 {
            // Failed messages are rescheduled into the future; do not spin on them.
            return Ok(report);
        }
    }
}

/// Runs the worker for the life of the server: wakes on a timer and whenever a request queued mail.
pub fn spawn_worker(state: AppState, transport: MailTransport) {
    let interval = StdDuration::from_millis(state.settings.mail.poll_interval_ms.max(50));
    actix_web::rt::spawn(async move {
        tracing::info!(transport = %transport.describe(), "mail worker started");
        loop {
            // Due-soon reminders of evaluation rounds ride on this loop: a cheap read per pass.
            if let Err(e) = crate::app::evaluations::self_evaluations::remind_pass(&state).await {
                tracing::error!(error = %e, "evaluation reminder pass failed");
            }
            if let Err(e) = deliver_due(&state, &transport).await {
                tracing::error!(error = %e, "mail worker pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = state.mail_wakeup.notified() => {}
            }
        }
    });
}
