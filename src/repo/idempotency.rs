//! Stored answers of idempotent requests: a retry with the same key finds the first answer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::idempotency_keys;
use crate::domain::time::Instant;

pub fn idempotent_response(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<Option<(String, String)>> {
    idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user_id))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((idempotency_keys::proposal_id, idempotency_keys::response))
        .get_result(conn)
        .optional()
}

pub fn store_idempotent_response(conn: &mut DbConn, user_id: &str, key: &str, proposal_id: &str, response: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::proposal_id.eq(proposal_id),
            idempotency_keys::response.eq(response),
            idempotency_keys::created_at.eq(Instant::from(now)),
        ))
        .execute(conn)
        .map(|_| ())
}
