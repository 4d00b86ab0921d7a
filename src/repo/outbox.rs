//! The email outbox. Emails are rows written in the transaction of the change that causes them;
//! the mail worker delivers them afterwards, so an email is neither lost when SMTP is down nor
//! sent for a change that rolled back.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::outbox;
use crate::domain::time::Instant;
use crate::mail::templates::{Attachment, Email};

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewMessage<'a> {
    id: String,
    recipient: &'a str,
    subject: &'a str,
    body: &'a str,
    created_at: Instant,
    attempts: i32,
    next_attempt_at: Instant,
    attachment_name: Option<&'a str>,
    attachment_type: Option<&'a str>,
    attachment_body: Option<&'a str>,
}

pub fn enqueue(conn: &mut DbConn, recipient: &str, email: &Email, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values(NewMessage {
            id: super::new_id(),
            recipient,
            subject: &email.subject,
            body: &email.body,
            created_at: Instant::from(now),
            attempts: 0,
            next_attempt_at: Instant::from(now),
            attachment_name: email.attachment.as_ref().map(|a| a.filename.as_str()),
            attachment_type: email.attachment.as_ref().map(|a| a.content_type.as_str()),
            attachment_body: email.attachment.as_ref().map(|a| a.body.as_str()),
        })
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Message {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: Instant,
    pub attempts: i32,
    pub next_attempt_at: Instant,
    pub locked_until: Option<Instant>,
    pub sent_at: Option<Instant>,
    pub failed_at: Option<Instant>,
    pub last_error: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
}

impl Message {
    /// The attachment to send with the text, when the email has one.
    pub fn attachment(&self) -> Option<Attachment> {
        match (&self.attachment_name, &self.attachment_type, &self.attachment_body) {
            (Some(filename), Some(content_type), Some(body)) => {
                Some(Attachment { filename: filename.clone(), content_type: content_type.clone(), body: body.clone() })
            }
            _ => None,
        }
    }
}

/// Claims up to `limit` due messages for `lease`: a claimed message is invisible to other
/// workers until the lease ends, and reappears if this worker dies before recording the result
/// (at-least-once delivery).
pub fn claim_due(conn: &mut DbConn, now: DateTime<Utc>, lease: Duration, limit: i64) -> QueryResult<Vec<Message>> {
    let now_s = Instant::from(now);
    let candidates: Vec<String> = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null())
        .filter(outbox::next_attempt_at.le(now_s))
        .filter(outbox::locked_until.is_null().or(outbox::locked_until.lt(now_s)))
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(limit)
        .select(outbox::id)
        .load(conn)?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for id in candidates {
        // Conditional update: of two workers racing for a message, one updates a row, the other none.
        let won = diesel::update(
            outbox::table
                .filter(outbox::id.eq(&id))
                .filter(outbox::locked_until.is_null().or(outbox::locked_until.lt(now_s))),
        )
        .set(outbox::locked_until.eq(Some(Instant::from(now + lease))))
        .execute(conn)?;
        if won == 1 {
            claimed.push(outbox::table.find(&id).select(Message::as_select()).get_result(conn)?);
        }
    }
    Ok(claimed)
}

/// What a delivered email's body becomes: bodies carry one-time links (invitations, resets,
/// endorsements), and a database at rest must hold none that work.
pub const DELIVERED_BODY: &str = "(delivered; the body was removed because it may contain one-time links)";

pub const PARKED_BODY: &str = "(not delivered; the body was removed because it may contain one-time links)";

pub fn mark_sent(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(Some(Instant::from(now))),
            outbox::body.eq(DELIVERED_BODY),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::locked_until.eq(None::<Instant>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt and when to try next; after `max_attempts` the message is parked as
/// failed (kept, visible to operators) instead of retried forever.
pub fn mark_failed(
    conn: &mut DbConn,
    message: &Message,
    error: &str,
    now: DateTime<Utc>,
    retry_base: Duration,
    max_attempts: i32,
) -> QueryResult<()> {
    let attempts = message.attempts + 1;
    let exponent = u32::try_from(attempts - 1).unwrap_or(0).min(16);
    let backoff = (retry_base * 2_i32.pow(exponent)).min(Duration::hours(6));
    let failed_at = (attempts >= max_attempts).then(|| Instant::from(now));
    diesel::update(outbox::table.find(&message.id))
        .set((
            outbox::attempts.eq(attempts),
            outbox::next_attempt_at.eq(Instant::from(now + backoff)),
            outbox::locked_until.eq(None::<Instant>),
            outbox::last_error.eq(Some(error.chars().take(1000).collect::<String>())),
            outbox::failed_at.eq(failed_at),
        ))
        .execute(conn)?;
    if failed_at.is_some() {
        // Parked for good: its links will never reach anyone, so they need not stay readable.
        diesel::update(outbox::table.find(&message.id)).set(outbox::body.eq(PARKED_BODY)).execute(conn)?;
    }
    Ok(())
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Message>> {
    outbox::table.order((outbox::created_at.asc(), outbox::id.asc())).select(Message::as_select()).load(conn)
}
