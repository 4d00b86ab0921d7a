//! Login sessions and their rotating refresh tokens.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::auth::tokens::{hash_token, random_token};
use crate::db::DbConn;
use crate::db::schema::{refresh_tokens, sessions, users};
use crate::domain::time::Instant;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created_at: Instant,
    pub expires_at: Instant,
    pub revoked_at: Option<Instant>,
    pub revoked_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: String,
    pub session_id: String,
    pub token_hash: String,
    pub created_at: Instant,
    pub expires_at: Instant,
    pub rotated_at: Option<Instant>,
}

/// Opens a session; returns its id and the first refresh token (the only time it exists in clear).
/// It ends after `lifetime` whatever happens; its refresh tokens last `ttl`.
pub fn open(conn: &mut DbConn, user_id: &str, now: DateTime<Utc>, lifetime: Duration, ttl: Duration) -> QueryResult<(String, String)> {
    let id = super::new_id();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(Instant::from(now)),
            sessions::expires_at.eq(Instant::from(now + lifetime)),
        ))
        .execute(conn)?;
    let token = issue_refresh(conn, &id, now, now + ttl.min(lifetime))?;
    Ok((id, token))
}

pub fn issue_refresh(conn: &mut DbConn, session_id: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> QueryResult<String> {
    let token = random_token();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(super::new_id()),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::token_hash.eq(hash_token(&token)),
            refresh_tokens::created_at.eq(Instant::from(now)),
            refresh_tokens::expires_at.eq(Instant::from(expires_at)),
        ))
        .execute(conn)?;
    Ok(token)
}

pub fn find_refresh(conn: &mut DbConn, token: &str) -> QueryResult<Option<(RefreshToken, Session)>> {
    refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(hash_token(token)))
        .select((RefreshToken::as_select(), Session::as_select()))
        .get_result(conn)
        .optional()
}

/// Marks a refresh token used. False when it already was: the caller has seen a replay.
pub fn rotate(conn: &mut DbConn, token_id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(
        refresh_tokens::table.filter(refresh_tokens::id.eq(token_id)).filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(Some(Instant::from(now))))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn revoke(conn: &mut DbConn, session_id: &str, reason: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(sessions::table.filter(sessions::id.eq(session_id)).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(Some(Instant::from(now))), sessions::revoked_reason.eq(Some(reason))))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Ends every session of a user (after a password reset, or deactivation).
pub fn revoke_all_of(conn: &mut DbConn, user_id: &str, reason: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(Some(Instant::from(now))), sessions::revoked_reason.eq(Some(reason))))
        .execute(conn)
}

/// What every authenticated request needs to know about its session: whether it is live (not
/// ended, not past its lifetime, its account active) and, if so, whether the account must
/// change its password first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Live { must_change_password: bool },
    Ended,
}

pub fn liveness(conn: &mut DbConn, session_id: &str, user_id: &str, now: DateTime<Utc>) -> QueryResult<Liveness> {
    let must_change: Option<bool> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(Instant::from(now)))
        .filter(users::active.eq(true))
        .select(users::must_change_password)
        .get_result(conn)
        .optional()?;
    Ok(must_change.map_or(Liveness::Ended, |must_change_password| Liveness::Live { must_change_password }))
}

/// Ends every session of a user but one (after a password change, the caller's stays).
pub fn revoke_others_of(conn: &mut DbConn, user_id: &str, keep: &str, reason: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((sessions::revoked_at.eq(Some(Instant::from(now))), sessions::revoked_reason.eq(Some(reason))))
    .execute(conn)
}
