//! Decisions per proposal.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::domain::money::Yen;
use crate::db::schema::{decision_years, decisions};
use crate::domain::decision::{Decision, Outcome};
use crate::domain::project::{self, YearAmount};
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
    decisions::table.find(proposal_id).select(DecisionRow::as_select()).get_result(conn).optional()
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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = decision_years)]
struct DecisionYearRow {
    proposal_id: String,
    fiscal_year: i32,
    amount_yen: Yen,
}

impl DecisionRow {
    /// The award per fiscal year, from its rows; a decision recorded before schedules existed
    /// has none, and then the whole award falls in the call's fiscal year.
    fn schedule_from(&self, rows: Vec<YearAmount>, call_fiscal_year: i32) -> Vec<YearAmount> {
        if self.outcome.is_adoption() {
            project::schedule_or_default(Some(rows), call_fiscal_year, self.awarded_amount_yen)
        } else {
            Vec::new()
        }
    }
}

/// A decision's schedule.
pub fn schedule_of(conn: &mut DbConn, decision: &DecisionRow, call_fiscal_year: i32) -> QueryResult<Vec<YearAmount>> {
    let rows = decision_years::table
        .filter(decision_years::proposal_id.eq(&decision.proposal_id))
        .order(decision_years::fiscal_year.asc())
        .select(DecisionYearRow::as_select())
        .load(conn)?;
    let years = rows.into_iter().map(|r| YearAmount { fiscal_year: r.fiscal_year, amount_yen: r.amount_yen }).collect();
    Ok(decision.schedule_from(years, call_fiscal_year))
}

/// The schedules of every decision of a call, by proposal.
pub fn schedules_of_call(conn: &mut DbConn, call_id: &str, decided: &[DecisionRow], call_fiscal_year: i32) -> QueryResult<HashMap<String, Vec<YearAmount>>> {
    let rows = decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::call_id.eq(call_id))
        .order((decision_years::proposal_id.asc(), decision_years::fiscal_year.asc()))
        .select(DecisionYearRow::as_select())
        .load(conn)?;
    let mut by_proposal: HashMap<String, Vec<YearAmount>> = HashMap::new();
    for r in rows {
        by_proposal.entry(r.proposal_id).or_default().push(YearAmount { fiscal_year: r.fiscal_year, amount_yen: r.amount_yen });
    }
    Ok(decided
        .iter()
        .map(|d| (d.proposal_id.clone(), d.schedule_from(by_proposal.remove(&d.proposal_id).unwrap_or_default(), call_fiscal_year)))
        .collect())
}

/// What the other awards of a call take in each fiscal year.
pub fn scheduled_to_others(conn: &mut DbConn, call_id: &str, proposal_id: &str, call_fiscal_year: i32) -> QueryResult<BTreeMap<i32, i64>> {
    let others: Vec<DecisionRow> = of_call(conn, call_id)?.into_iter().filter(|d| d.proposal_id != proposal_id).collect();
    let schedules = schedules_of_call(conn, call_id, &others, call_fiscal_year)?;
    let mut by_year = BTreeMap::new();
    for year in schedules.values().flatten() {
        *by_year.entry(year.fiscal_year).or_insert(0i64) += year.amount_yen.get();
    }
    Ok(by_year)
}

/// Replaces a decision's schedule.
pub fn replace_schedule(conn: &mut DbConn, proposal_id: &str, schedule: &[YearAmount]) -> QueryResult<()> {
    diesel::delete(decision_years::table.filter(decision_years::proposal_id.eq(proposal_id))).execute(conn)?;
    // One statement per year: MultiConnection has no batch insert, and a schedule has ten years at most.
    for y in schedule {
        diesel::insert_into(decision_years::table)
            .values((decision_years::proposal_id.eq(proposal_id), decision_years::fiscal_year.eq(y.fiscal_year), decision_years::amount_yen.eq(y.amount_yen.get())))
            .execute(conn)?;
    }
    Ok(())
}
