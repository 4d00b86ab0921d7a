//! The browser's view of a login session: the pages keep the session's refresh token in an
//! HttpOnly cookie and look the session up by it on every request.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::auth::tokens::hash_token;
use crate::db::DbConn;
use crate::db::schema::{refresh_tokens, sessions, users};
use crate::domain::time::Instant;
use crate::repo::users::UserRow;

/// The session and account a page cookie names, if the session is still live: not revoked,
/// not expired, its token never rotated (a rotated token was exchanged through the API, so the
/// cookie no longer speaks for the session), the account active and not waiting for its first
/// password change (that account may do nothing but change it, through the API).
pub fn find_live(conn: &mut DbConn, token: &str, now: DateTime<Utc>) -> QueryResult<Option<(String, UserRow)>> {
    let now = Instant::from(now);
    refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(hash_token(token)))
        .filter(refresh_tokens::rotated_at.is_null())
        .filter(refresh_tokens::expires_at.gt(now))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::active.eq(true))
        .filter(users::must_change_password.eq(false))
        .select((sessions::id, UserRow::as_select()))
        .get_result(conn)
        .optional()
}
