//! Decisions per proposal.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::domain::money::Yen;
use crate::db::schema::decisions;
use crate::domain::decision::{Decision, Outcome};
use crate::domain::time::Instant;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = decisions)]
pub struct DecisionRow {
    pub proposal_id: String,
    pub call_id: String,
    pub outcome: Outcome,
    pub awarded_amount_yen: Yen,
    pub conditions: Option<String>,
    pub feedback: Option<String>,
    pub decided_by: String,
    pub created_at: Instant,
    pub updated_at: Instant,
}

impl DecisionRow {
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }
}

pub fn find(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Option<DecisionRow>> {
    decisions::table.find(proposal_id).select(DecisionRow::as_select()).first(conn).optional()
}

pub fn of_call(conn: &mut DbConn, call_id: &str) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::call_id.eq(call_id))
        .order(decisions::proposal_id.asc())
        .select(DecisionRow::as_select())
        .load(conn)
}

/// The sum awarded in a call to every proposal but one.
pub fn awarded_to_others(conn: &mut DbConn, call_id: &str, proposal_id: &str) -> QueryResult<i64> {
    let amounts: Vec<i64> = decisions::table
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::proposal_id.ne(proposal_id))
        .select(decisions::awarded_amount_yen)
        .load(conn)?;
    Ok(amounts.into_iter().sum())
}

/// Records or replaces the decision on a proposal.
pub fn upsert(conn: &mut DbConn, proposal_id: &str, call_id: &str, decision: &Decision, by: &str, now: DateTime<Utc>) -> QueryResult<()> {
    let values = (
        decisions::outcome.eq(decision.outcome.as_str()),
        decisions::awarded_amount_yen.eq(decision.awarded),
        decisions::conditions.eq(decision.conditions.clone()),
        decisions::feedback.eq(decision.feedback.clone()),
        decisions::decided_by.eq(by),
        decisions::updated_at.eq(Instant::from(now)),
    );
    // No ON CONFLICT: diesel's MultiConnection cannot express it, and the caller holds the
    // call's lock, so read-then-write is safe here.
    if find(conn, proposal_id)?.is_some() {
        diesel::update(decisions::table.find(proposal_id)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(decisions::table)
            .values((
                decisions::proposal_id.eq(proposal_id),
                decisions::call_id.eq(call_id),
                values.0,
                values.1,
                values.2,
                values.3,
                values.4,
                decisions::created_at.eq(Instant::from(now)),
                values.5,
            ))
            .execute(conn)?;
    }
    Ok(())
}
