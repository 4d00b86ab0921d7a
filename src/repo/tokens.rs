//! Rows behind the one-time links: what makes a signed token single-use, expiring and voidable.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::auth::one_time::Purpose;
use crate::db::DbConn;
use crate::db::schema::action_tokens;
use crate::domain::time::Instant;
use crate::repo::statement::Statement;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = action_tokens)]
pub struct ActionToken {
    pub id: String,
    pub purpose: String,
    pub user_id: Option<String>,
    pub subject_id: Option<String>,
    pub subject_detail: Option<String>,
    pub content_hash: Option<String>,
    pub created_at: Instant,
    pub expires_at: Instant,
    pub used_at: Option<Instant>,
    pub voided_at: Option<Instant>,
}

impl ActionToken {
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        self.used_at.is_none() && self.voided_at.is_none() && Instant::from(now) < self.expires_at
    }
}

#[derive(Default)]
pub struct Subject<'a> {
    pub user_id: Option<&'a str>,
    pub subject_id: Option<&'a str>,
    pub subject_detail: Option<&'a str>,
    pub content_hash: Option<&'a str>,
}

pub fn insert(
    conn: &mut DbConn,
    id: &str,
    purpose: Purpose,
    subject: Subject<'_>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(action_tokens::table)
        .values((
            action_tokens::id.eq(id),
            action_tokens::purpose.eq(purpose.as_str()),
            action_tokens::user_id.eq(subject.user_id),
            action_tokens::subject_id.eq(subject.subject_id),
            action_tokens::subject_detail.eq(subject.subject_detail),
            action_tokens::content_hash.eq(subject.content_hash),
            action_tokens::created_at.eq(Instant::from(now)),
            action_tokens::expires_at.eq(Instant::from(expires_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str, purpose: Purpose) -> QueryResult<Option<ActionToken>> {
    action_tokens::table
        .filter(action_tokens::id.eq(id))
        .filter(action_tokens::purpose.eq(purpose.as_str()))
        .select(ActionToken::as_select())
        .get_result(conn)
        .optional()
}

/// Uses a token. False when it was used or voided meanwhile (two clicks racing).
pub fn consume(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(
        action_tokens::table
            .filter(action_tokens::id.eq(id))
            .filter(action_tokens::used_at.is_null())
            .filter(action_tokens::voided_at.is_null()),
    )
    .set(action_tokens::used_at.eq(Some(Instant::from(now))))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Voids the outstanding tokens of a user for a purpose (a newer link replaces older ones).
pub fn void_for_user(conn: &mut DbConn, user_id: &str, purpose: Purpose, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        action_tokens::table
            .filter(action_tokens::user_id.eq(user_id))
            .filter(action_tokens::purpose.eq(purpose.as_str()))
            .filter(action_tokens::used_at.is_null())
            .filter(action_tokens::voided_at.is_null()),
    )
    .set(action_tokens::voided_at.eq(Some(Instant::from(now))))
    .execute(conn)
}

/// Voids the outstanding tokens about a subject (e.g. every endorsement link of a proposal).
pub fn void_for_subject(
    conn: &mut DbConn,
    subject_id: &str,
    purpose: Purpose,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let update = Statement::new("UPDATE action_tokens SET voided_at = ")
        .instant(Instant::from(now))
        .sql(" WHERE subject_id = ")
        .text(subject_id)
        .sql(" AND purpose = ")
        .text(purpose.as_str())
        .sql(" AND used_at IS NULL AND voided_at IS NULL");
    match detail {
        Some(detail) => update.sql(" AND subject_detail = ").text(detail).execute(conn),
        None => update.execute(conn),
    }
}
