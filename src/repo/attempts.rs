//! Attempt counters in fixed windows (failed logins, password-reset requests), kept in the
//! database so that every app instance sharing it counts together.
//!
//! An attempt is reserved before the work it guards (hashing a password, sending an email) and
//! the reservation is a conditional update: of N parallel requests against a limit of L, exactly
//! L win, on PostgreSQL (the row lock re-checks the condition) as on SQLite (one writer).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::auth::tokens::hash_token;
use crate::db::DbConn;
use crate::db::schema::attempt_counters as counters;
use crate::domain::time::Instant;
use crate::error::is_unique_violation;

/// The outcome of [`reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    Granted,
    /// Refused until the window ends, in this many seconds.
    Refused { retry_after_secs: u64 },
}

/// Counts one attempt under `key` if fewer than `limit` were counted in the current window.
pub fn reserve(conn: &mut DbConn, key: &str, limit: u32, window: Duration, now: DateTime<Utc>) -> QueryResult<Reservation> {
    let key_hash = hash_token(key);
    // The row can vanish between the steps only when `forget_older_than` removes a stale one;
    // trying again then creates it afresh.
    for _ in 0..3 {
        if let Some(outcome) = try_reserve(conn, &key_hash, limit, window, now)? {
            return Ok(outcome);
        }
    }
    Ok(Reservation::Refused { retry_after_secs: 1 })
}

fn try_reserve(conn: &mut DbConn, key_hash: &str, limit: u32, window: Duration, now: DateTime<Utc>) -> QueryResult<Option<Reservation>> {
    let limit = i32::try_from(limit.max(1)).unwrap_or(i32::MAX);
    let window_start_cutoff = Instant::from(now - window);
    // A savepoint, so that losing the race to create the row does not abort the transaction on
    // PostgreSQL; the winner's row is then counted against like any other.
    let created = conn.transaction(|c| {
        diesel::insert_into(counters::table)
            .values((
                counters::key_hash.eq(key_hash),
                counters::window_started.eq(Instant::from(now)),
                counters::counted.eq(1),
            ))
            .execute(c)
    });
    match created {
        Ok(_) => return Ok(Some(Reservation::Granted)),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    let counted = diesel::update(
        counters::table
            .filter(counters::key_hash.eq(key_hash))
            .filter(counters::window_started.gt(window_start_cutoff))
            .filter(counters::counted.lt(limit)),
    )
    .set(counters::counted.eq(counters::counted + 1))
    .execute(conn)?;
    if counted == 1 {
        return Ok(Some(Reservation::Granted));
    }
    let restarted = diesel::update(
        counters::table.filter(counters::key_hash.eq(key_hash)).filter(counters::window_started.le(window_start_cutoff)),
    )
    .set((counters::window_started.eq(Instant::from(now)), counters::counted.eq(1)))
    .execute(conn)?;
    if restarted == 1 {
        return Ok(Some(Reservation::Granted));
    }
    let started: Option<Instant> =
        counters::table.find(key_hash).select(counters::window_started).get_result(conn).optional()?;
    Ok(started.map(|s| Reservation::Refused { retry_after_secs: (s.utc() + window - now).num_seconds().max(1) as u64 }))
}

/// Gives back one reserved attempt (the attempt turned out not to count, e.g. a correct login).
pub fn release(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::update(counters::table.filter(counters::key_hash.eq(hash_token(key))).filter(counters::counted.gt(0)))
        .set(counters::counted.eq(counters::counted - 1))
        .execute(conn)
        .map(|_| ())
}

/// Forgets the count under `key` (a successful login clears its account's failures).
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(counters::table.filter(counters::key_hash.eq(hash_token(key)))).execute(conn).map(|_| ())
}

/// Removes counters whose window ended long ago, so the table does not grow without bound.
pub fn forget_older_than(conn: &mut DbConn, cutoff: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(counters::table.filter(counters::window_started.lt(Instant::from(cutoff)))).execute(conn)
}
