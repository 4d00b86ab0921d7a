//! Calls.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::repo::CorruptRow;
use crate::db::schema::{calls, proposals};
use crate::domain::call::{self, CallStatus, CallTerms, Criterion, Program};
use crate::domain::money::Yen;
use crate::domain::project::YearBudgets;
use crate::domain::time::Instant;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calls)]
pub struct CallRow {
    pub id: String,
    pub program: Program,
    pub fiscal_year: i32,
    pub title: String,
    pub description: String,
    pub opens_at: Instant,
    pub closes_at: Instant,
    pub total_budget_yen: Yen,
    pub max_request_yen: Yen,
    pub reviewers_per_proposal: i32,
    pub criteria: String,
    pub status: CallStatus,
    pub version: i32,
    pub receipt_seq: i64,
    pub created_by: String,
    pub created_at: Instant,
    pub updated_at: Instant,
    pub decisions_published_at: Option<Instant>,
    pub selection_stages: i32,
    pub hearing_started_at: Option<Instant>,
    pub budget_by_year: String,
}

impl CallRow {
    pub fn status(&self) -> CallStatus {
        CallStatus::with_hearing(self.status, self.hearing_started_at.is_some())
    }

    pub fn two_stage(&self) -> bool {
        self.selection_stages == 2
    }

    pub fn program(&self) -> Program {
        self.program
    }

    pub fn criteria(&self) -> Result<Vec<Criterion>, CorruptRow> {
        serde_json::from_str(&self.criteria).map_err(|e| CorruptRow::new("calls.criteria", &self.id, e))
    }

    pub fn budget_by_year(&self) -> Result<YearBudgets, CorruptRow> {
        serde_json::from_str(&self.budget_by_year).map_err(|e| CorruptRow::new("calls.budget_by_year", &self.id, e))
    }

    pub fn opens_at(&self) -> DateTime<Utc> {
        self.opens_at.utc()
    }

    pub fn closes_at(&self) -> DateTime<Utc> {
        self.closes_at.utc()
    }

    pub fn total_budget(&self) -> Yen {
        self.total_budget_yen
    }

    pub fn max_request(&self) -> Yen {
        self.max_request_yen
    }

    pub fn accepting_submissions(&self, now: DateTime<Utc>) -> bool {
        call::accepting_submissions(self.status(), self.opens_at(), self.closes_at(), now)
    }

    pub fn terms(&self) -> Result<CallTerms, CorruptRow> {
        Ok(CallTerms {
            program: self.program(),
            fiscal_year: self.fiscal_year,
            title: self.title.clone(),
            description: self.description.clone(),
            opens_at: self.opens_at(),
            closes_at: self.closes_at(),
            total_budget: self.total_budget(),
            max_request: self.max_request(),
            reviewers_per_proposal: self.reviewers_per_proposal,
            criteria: self.criteria()?,
            selection_stages: self.selection_stages,
            budget_by_year: self.budget_by_year()?,
        })
    }

    pub fn view(&self, now: DateTime<Utc>) -> Result<Call, CorruptRow> {
        Ok(Call {
            id: self.id.clone(),
            program: self.program(),
            fiscal_year: self.fiscal_year,
            title: self.title.clone(),
            description: self.description.clone(),
            opens_at: self.opens_at.shown(),
            closes_at: self.closes_at.shown(),
            total_budget_yen: self.total_budget_yen.get(),
            max_request_yen: self.max_request_yen.get(),
            reviewers_per_proposal: self.reviewers_per_proposal,
            criteria: self.criteria()?,
            selection_stages: self.selection_stages,
            budget_by_year: self.budget_by_year()?.into_iter().map(|(year, budget)| (year, budget.get())).collect(),
            status: self.status(),
            version: self.version,
            decisions_published_at: self.decisions_published_at.map(Instant::shown),
            accepting_submissions: self.accepting_submissions(now),
            created_at: self.created_at.shown(),
            updated_at: self.updated_at.shown(),
        })
    }
}

/// A call as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Call {
    pub id: String,
    pub program: Program,
    pub fiscal_year: i32,
    pub title: String,
    pub description: String,
    pub opens_at: chrono::DateTime<chrono::FixedOffset>,
    /// The deadline (締切), shown in Japan Standard Time.
    pub closes_at: chrono::DateTime<chrono::FixedOffset>,
    pub total_budget_yen: i64,
    pub max_request_yen: i64,
    pub reviewers_per_proposal: i32,
    pub criteria: Vec<Criterion>,
    /// 1: the document review decides; 2: a shortlist is heard, and the hearing decides.
    pub selection_stages: i32,
    /// Budget per fiscal year, where the call sets one: no year's awards exceed it.
    #[schema(example = json!({"2027": 10_000_000_000_i64, "2028": 10_000_000_000_i64}))]
    pub budget_by_year: BTreeMap<i32, i64>,
    pub status: CallStatus,
    pub version: i32,
    pub decisions_published_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Whether proposals are accepted right now, by the server's clock.
    pub accepting_submissions: bool,
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    pub updated_at: chrono::DateTime<chrono::FixedOffset>,
}

pub fn row_from_terms(id: String, terms: &CallTerms, created_by: &str, now: DateTime<Utc>) -> CallRow {
    CallRow {
        id,
        program: terms.program,
        fiscal_year: terms.fiscal_year,
        title: terms.title.trim().to_string(),
        description: terms.description.clone(),
        opens_at: Instant::from(terms.opens_at),
        closes_at: Instant::from(terms.closes_at),
        total_budget_yen: terms.total_budget,
        max_request_yen: terms.max_request,
        reviewers_per_proposal: terms.reviewers_per_proposal,
        criteria: serde_json::to_string(&terms.criteria).unwrap_or_else(|_| "[]".into()),
        status: CallStatus::Draft,
        version: 1,
        receipt_seq: 0,
        created_by: created_by.to_string(),
        created_at: Instant::from(now),
        updated_at: Instant::from(now),
        decisions_published_at: None,
        selection_stages: terms.selection_stages,
        hearing_started_at: None,
        budget_by_year: serde_json::to_string(&terms.budget_by_year).unwrap_or_else(|_| "{}".into()),
    }
}

pub fn insert(conn: &mut DbConn, row: &CallRow) -> QueryResult<()> {
    diesel::insert_into(calls::table).values(row).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<CallRow>> {
    calls::table.find(id).select(CallRow::as_select()).get_result(conn).optional()
}

/// Reads a call for a change that depends on its current state, taking the call's row lock
/// first (an update that changes nothing) so that such changes to one call — receipt numbers,
/// decisions against the budget — happen one at a time on PostgreSQL as on SQLite.
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<Option<CallRow>> {
    diesel::update(calls::table.find(id)).set(calls::version.eq(calls::version)).execute(conn)?;
    find(conn, id)
}

pub fn list(
    conn: &mut DbConn,
    include_drafts: bool,
    status: Option<CallStatus>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<CallRow>, i64)> {
    let filtered = || {
        let mut q = calls::table.into_boxed();
        if !include_drafts {
            q = q.filter(calls::status.ne(CallStatus::Draft.as_str()));
        }
        if let Some(status) = status {
            q = q.filter(calls::status.eq(status.stored().as_str()));
            match status {
                CallStatus::Hearing => q = q.filter(calls::hearing_started_at.is_not_null()),
                CallStatus::UnderReview => q = q.filter(calls::hearing_started_at.is_null()),
                _ => {}
            }
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order((calls::opens_at.desc(), calls::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(CallRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Writes changed terms; false when the version moved meanwhile (a concurrent edit).
pub fn update_terms(conn: &mut DbConn, id: &str, expected_version: i32, terms: &CallTerms, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(calls::table.filter(calls::id.eq(id)).filter(calls::version.eq(expected_version)))
        .set((
            calls::program.eq(terms.program.as_str()),
            calls::fiscal_year.eq(terms.fiscal_year),
            calls::title.eq(terms.title.trim()),
            calls::description.eq(&terms.description),
            calls::opens_at.eq(Instant::from(terms.opens_at)),
            calls::closes_at.eq(Instant::from(terms.closes_at)),
            calls::total_budget_yen.eq(terms.total_budget.get()),
            calls::max_request_yen.eq(terms.max_request.get()),
            calls::reviewers_per_proposal.eq(terms.reviewers_per_proposal),
            calls::criteria.eq(serde_json::to_string(&terms.criteria).unwrap_or_else(|_| "[]".into())),
            calls::selection_stages.eq(terms.selection_stages),
            calls::budget_by_year.eq(serde_json::to_string(&terms.budget_by_year).unwrap_or_else(|_| "{}".into())),
            calls::version.eq(expected_version + 1),
            calls::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Moves a call from one status to the next; false if it was not in `from` any more. The
/// hearing is `under_review` in the status column, marked by `hearing_started_at`.
pub fn transition(conn: &mut DbConn, id: &str, from: CallStatus, to: CallStatus, now: DateTime<Utc>) -> QueryResult<bool> {
    let target = calls::table.filter(calls::id.eq(id)).filter(calls::status.eq(from.stored().as_str()));
    let changes = (calls::status.eq(to.stored().as_str()), calls::version.eq(calls::version + 1), calls::updated_at.eq(Instant::from(now)));
    let updated = match from {
        CallStatus::UnderReview => diesel::update(target.filter(calls::hearing_started_at.is_null())).set(changes).execute(conn)?,
        CallStatus::Hearing => diesel::update(target.filter(calls::hearing_started_at.is_not_null())).set(changes).execute(conn)?,
        _ => diesel::update(target).set(changes).execute(conn)?,
    };
    if updated == 1 && to == CallStatus::Hearing {
        diesel::update(calls::table.find(id)).set(calls::hearing_started_at.eq(Some(Instant::from(now)))).execute(conn)?;
    }
    Ok(updated == 1)
}

/// The next receipt sequence of the call (the caller holds the call's lock).
pub fn next_receipt_seq(conn: &mut DbConn, id: &str) -> QueryResult<i64> {
    diesel::update(calls::table.find(id)).set(calls::receipt_seq.eq(calls::receipt_seq + 1)).execute(conn)?;
    calls::table.find(id).select(calls::receipt_seq).get_result(conn)
}

pub fn count_proposals_with_status(conn: &mut DbConn, call_id: &str, status: &str) -> QueryResult<i64> {
    proposals::table
        .filter(proposals::call_id.eq(call_id))
        .filter(proposals::status.eq(status))
        .count()
        .get_result(conn)
}

pub fn mark_decisions_published(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(calls::table.find(id)).set(calls::decisions_published_at.eq(Some(Instant::from(now)))).execute(conn).map(|_| ())
}
