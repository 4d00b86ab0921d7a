//! The use-cases: one function per operation, shared by the JSON API and the pages.
//!
//! Each runs inside one transaction context, [`Tx`], that carries the connection, the moment
//! the operation happens (one clock reading for the whole operation) and who acts. A use-case
//! records what it changed with [`Tx::audit`] and queues its emails with [`Tx::enqueue`]; both
//! commit with the change or not at all, and the mail worker is woken after the commit by
//! [`AppState::write`] — a use-case never wakes it by hand, so none can forget to.

pub mod access;
pub mod accounts;
pub mod audit_log;
pub mod calls;
pub mod decisions;
pub mod evaluations;
pub mod events;
pub mod officer;
pub mod projects;
pub mod proposals;
pub mod reference;
pub mod review;
pub mod selection;

use chrono::{DateTime, Utc};

use crate::db::DbConn;
use crate::error::ApiResult;
use crate::mail::templates::Email;
use crate::repo::audit::{self, Actor};
use crate::repo::outbox;
use crate::state::AppState;

pub use events::{Event, Subject};

/// One operation's transaction: connection, clock reading and actor.
pub struct Tx<'c> {
    pub conn: &'c mut DbConn,
    pub now: DateTime<Utc>,
    pub actor: Actor,
    emails_queued: usize,
}

impl<'c> Tx<'c> {
    pub fn new(conn: &'c mut DbConn, now: DateTime<Utc>, actor: Actor) -> Self {
        Self { conn, now, actor, emails_queued: 0 }
    }

    /// Records `event` on `subject` in the audit log, as part of this transaction.
    pub fn audit(&mut self, subject: Subject, event: Event) -> ApiResult<()> {
        let (action, details) = event.into_record();
        audit::record(self.conn, &self.actor, self.now, &action, subject.kind, &subject.id, details)?;
        Ok(())
    }

    /// Queues an email in the outbox, as part of this transaction.
    pub fn enqueue(&mut self, recipient: &str, email: &Email) -> ApiResult<()> {
        outbox::enqueue(self.conn, recipient, email, self.now)?;
        self.emails_queued += 1;
        Ok(())
    }

    pub fn emails_queued(&self) -> usize {
        self.emails_queued
    }
}

impl AppState {
    /// Runs a use-case in one write transaction on the blocking pool; wakes the mail worker
    /// once the transaction has committed, if it queued anything.
    pub async fn write<T, F>(&self, actor: Actor, operation: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> ApiResult<T> + Send + 'static,
    {
        let now = self.now();
        let (value, queued) = self
            .db
            .write(move |conn| {
                let mut tx = Tx::new(conn, now, actor);
                let value = operation(&mut tx)?;
                Ok((value, tx.emails_queued))
            })
            .await?;
        if queued > 0 {
            self.mail_wakeup.notify_one();
        }
        Ok(value)
    }

    /// Runs a read-only use-case on the blocking pool.
    pub async fn read<T, F>(&self, actor: Actor, operation: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> ApiResult<T> + Send + 'static,
    {
        let now = self.now();
        self.db.read(move |conn| operation(&mut Tx::new(conn, now, actor))).await
    }
}
