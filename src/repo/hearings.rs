//! Hearing slots (ヒアリング): one per shortlisted proposal of a two-stage call.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::hearing_slots;
use crate::domain::time::Instant;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = hearing_slots)]
pub struct SlotRow {
    pub id: String,
    pub call_id: String,
    pub proposal_id: String,
    pub starts_at: Instant,
    pub ends_at: Instant,
    pub place: String,
    /// The iCalendar SEQUENCE of the invitation last sent.
    pub sequence: i32,
    pub created_by: String,
    pub created_at: Instant,
    pub updated_at: Instant,
}

pub fn insert(conn: &mut DbConn, row: &SlotRow) -> QueryResult<()> {
    diesel::insert_into(hearing_slots::table).values(row).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<SlotRow>> {
    hearing_slots::table.find(id).select(SlotRow::as_select()).get_result(conn).optional()
}

pub fn of_proposal(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Option<SlotRow>> {
    hearing_slots::table.filter(hearing_slots::proposal_id.eq(proposal_id)).select(SlotRow::as_select()).get_result(conn).optional()
}

/// The call's slots, by start.
pub fn of_call(conn: &mut DbConn, call_id: &str) -> QueryResult<Vec<SlotRow>> {
    hearing_slots::table
        .filter(hearing_slots::call_id.eq(call_id))
        .order((hearing_slots::starts_at.asc(), hearing_slots::id.asc()))
        .select(SlotRow::as_select())
        .load(conn)
}

/// A slot of the call, other than `except`, that shares time with `[starts_at, ends_at)`: slots
/// that merely touch (one ends as the next starts) do not overlap.
pub fn overlapping(
    conn: &mut DbConn,
    call_id: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<&str>,
) -> QueryResult<Option<SlotRow>> {
    let mut q = hearing_slots::table
        .filter(hearing_slots::call_id.eq(call_id))
        .filter(hearing_slots::starts_at.lt(Instant::from(ends_at)))
        .filter(hearing_slots::ends_at.gt(Instant::from(starts_at)))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(hearing_slots::id.ne(id.to_string()));
    }
    q.order(hearing_slots::starts_at.asc()).select(SlotRow::as_select()).first(conn).optional()
}

/// Moves a slot, bumping its invitation's sequence.
pub fn reschedule(conn: &mut DbConn, id: &str, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, place: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(hearing_slots::table.find(id))
        .set((
            hearing_slots::starts_at.eq(Instant::from(starts_at)),
            hearing_slots::ends_at.eq(Instant::from(ends_at)),
            hearing_slots::place.eq(place),
            hearing_slots::sequence.eq(hearing_slots::sequence + 1),
            hearing_slots::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)
        .map(|_| ())
}
