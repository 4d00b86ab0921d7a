//! Calls (公募): program officers create, amend, publish and close them; everyone signed in
//! reads the published ones.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::app::access::{call_not_found, require_version, visible_call};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::call::{self, CallField, CallStatus, CallTerms, Criterion, DEFAULT_REVIEWERS_PER_PROPOSAL, Program};
use crate::domain::money::Yen;
use crate::domain::project::YearBudgets;
use crate::domain::proposal::ProposalStatus;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::repo::calls::{self, Call, CallRow};
use crate::repo::{new_id, proposals};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCall {
    pub program: Program,
    #[schema(example = 2026)]
    pub fiscal_year: i32,
    pub title: String,
    pub description: Option<String>,
    #[schema(example = "2026-12-01T09:00:00+09:00")]
    pub opens_at: DateTime<FixedOffset>,
    #[schema(example = "2027-01-31T17:00:00+09:00")]
    pub closes_at: DateTime<FixedOffset>,
    #[schema(example = 69_500_000_000_i64)]
    pub total_budget_yen: i64,
    #[schema(example = 3_000_000_000_i64)]
    pub max_request_yen: i64,
    /// Default 3.
    pub reviewers_per_proposal: Option<i32>,
    pub criteria: Vec<Criterion>,
    /// 1 (default): the document review decides; 2: a shortlist is then heard. Only while a draft.
    pub selection_stages: Option<i32>,
    /// Budget per fiscal year, e.g. `{"2027": 10000000000}`; no year's awards may exceed it.
    #[schema(value_type = Option<std::collections::BTreeMap<String, i64>>)]
    pub budget_by_year: Option<YearBudgets>,
}

/// Amounts below zero become zero here, which the terms' own check reports as not positive.
fn yen(amount: i64) -> Yen {
    Yen::new(amount).unwrap_or(Yen::ZERO)
}

fn invalid_terms(terms: &CallTerms) -> ApiResult<()> {
    let problems = terms.problems();
    if problems.is_empty() { Ok(()) } else { Err(ApiError::validation(problems.into_vec())) }
}

impl CreateCall {
    fn into_terms(self) -> CallTerms {
        CallTerms {
            program: self.program,
            fiscal_year: self.fiscal_year,
            title: self.title,
            description: self.description.unwrap_or_default(),
            opens_at: self.opens_at.with_timezone(&Utc),
            closes_at: self.closes_at.with_timezone(&Utc),
            total_budget: yen(self.total_budget_yen),
            max_request: yen(self.max_request_yen),
            reviewers_per_proposal: self.reviewers_per_proposal.unwrap_or(DEFAULT_REVIEWERS_PER_PROPOSAL),
            criteria: self.criteria,
            selection_stages: self.selection_stages.unwrap_or(1),
            budget_by_year: self.budget_by_year.unwrap_or_default(),
        }
    }
}

/// Opens a call, as a draft.
pub fn create(tx: &mut Tx, admin: &CurrentUser, request: CreateCall) -> ApiResult<Call> {
    let terms = request.into_terms();
    invalid_terms(&terms)?;
    let row = calls::row_from_terms(new_id(), &terms, &admin.id, tx.now);
    calls::insert(tx.conn, &row)?;
    tx.audit(Subject::call(&row.id), Event::CallCreated { title: row.title.clone(), program: row.program() })?;
    Ok(row.view(tx.now)?)
}

/// Calls, newest first; applicants and reviewers see published calls and later only.
pub fn list(tx: &mut Tx, user: &CurrentUser, status: Option<CallStatus>, limit: i64, offset: i64) -> ApiResult<(Vec<Call>, i64)> {
    let (rows, total) = calls::list(tx.conn, user.is_admin(), status, limit, offset)?;
    Ok((rows.iter().map(|r| r.view(tx.now)).collect::<Result<_, _>>()?, total))
}

pub fn get(tx: &mut Tx, user: &CurrentUser, id: &str) -> ApiResult<Call> {
    Ok(visible_call(tx.conn, id, user)?.view(tx.now)?)
}

fn field_of(key: &str) -> Option<CallField> {
    use CallField::*;
    [Program, FiscalYear, Title, Description, OpensAt, ClosesAt, TotalBudget, MaxRequest, ReviewersPerProposal, Criteria, SelectionStages, BudgetByYear]
        .into_iter()
        .find(|f| f.name() == key)
}

pub(crate) fn parse_field<T: serde::de::DeserializeOwned>(key: &str, value: &Value, errors: &mut Vec<FieldError>) -> Option<T> {
    if value.is_null() {
        errors.push(FieldError::new(key, "required", "cannot be removed"));
        return None;
    }
    match serde_json::from_value(value.clone()) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(FieldError::new(key, "invalid", e.to_string()));
            None
        }
    }
}

/// Applies a merge patch to a call's terms: only the fields the status allows, each parsed.
fn patched_terms(row: &CallRow, patch: &Map<String, Value>, now: DateTime<Utc>) -> ApiResult<CallTerms> {
    let status = row.status();
    let mut terms = row.terms()?;
    let mut errors = Vec::new();
    let mut frozen = Vec::new();
    for (key, value) in patch {
        let Some(field) = field_of(key) else {
            errors.push(FieldError::new(key.as_str(), "unknown_field", "calls have no such field"));
            continue;
        };
        if !call::may_change(status, field) {
            frozen.push(key.as_str());
            continue;
        }
        match field {
            CallField::Program => terms.program = parse_field(key, value, &mut errors).unwrap_or(terms.program),
            CallField::FiscalYear => terms.fiscal_year = parse_field(key, value, &mut errors).unwrap_or(terms.fiscal_year),
            CallField::Title => terms.title = parse_field(key, value, &mut errors).unwrap_or(terms.title),
            CallField::Description => {
                terms.description = if value.is_null() { String::new() } else { parse_field(key, value, &mut errors).unwrap_or_default() }
            }
            CallField::OpensAt => {
                if let Some(t) = parse_field::<DateTime<FixedOffset>>(key, value, &mut errors) {
                    terms.opens_at = t.with_timezone(&Utc);
                }
            }
            CallField::ClosesAt => {
                if let Some(t) = parse_field::<DateTime<FixedOffset>>(key, value, &mut errors) {
                    let proposed = t.with_timezone(&Utc);
                    if proposed != terms.closes_at && !call::deadline_may_move(status, terms.closes_at, now) {
                        return Err(ApiError::invalid_state(format!(
                            "the deadline {} has passed; it can no longer move",
                            row.closes_at.shown().to_rfc3339()
                        ))
                        .with("closes_at", row.closes_at.shown()));
                    }
                    if call::deadline_change_allowed(status, terms.closes_at, proposed) {
                        terms.closes_at = proposed;
                    } else {
                        errors.push(FieldError::new(key.as_str(), "deadline_brought_forward", "a published deadline can only be extended"));
                    }
                }
            }
            CallField::TotalBudget => terms.total_budget = parse_field(key, value, &mut errors).map(yen).unwrap_or(terms.total_budget),
            CallField::MaxRequest => terms.max_request = parse_field(key, value, &mut errors).map(yen).unwrap_or(terms.max_request),
            CallField::ReviewersPerProposal => {
                terms.reviewers_per_proposal = parse_field(key, value, &mut errors).unwrap_or(terms.reviewers_per_proposal)
            }
            CallField::Criteria => terms.criteria = parse_field(key, value, &mut errors).unwrap_or(terms.criteria),
            CallField::SelectionStages => terms.selection_stages = parse_field(key, value, &mut errors).unwrap_or(terms.selection_stages),
            CallField::BudgetByYear => {
                terms.budget_by_year = if value.is_null() { YearBudgets::new() } else { parse_field(key, value, &mut errors).unwrap_or(terms.budget_by_year) }
            }
        }
    }
    if !frozen.is_empty() {
        return Err(ApiError::invalid_state(format!(
            "a {} call can no longer change: {}",
            status.as_str().replace('_', " "),
            frozen.join(", ")
        ))
        .with("fields", &frozen));
    }
    errors.extend(terms.problems().into_vec());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(terms)
}

/// Amends a call with a JSON merge patch. `precondition` holds the versions `If-Match` accepts
/// (`None`: no precondition).
pub fn update(tx: &mut Tx, id: &str, precondition: Option<Vec<i32>>, patch: Map<String, Value>) -> ApiResult<Call> {
    // Locked so that PATCHes without `If-Match` apply one after another instead of failing the
    // version check against each other.
    let row = calls::lock(tx.conn, id)?.ok_or_else(call_not_found)?;
    require_version(precondition.as_deref(), row.version)?;
    let terms = patched_terms(&row, &patch, tx.now)?;
    if !calls::update_terms(tx.conn, id, row.version, &terms, tx.now)? {
        return Err(ApiError::version_conflict());
    }
    tx.audit(Subject::call(id), Event::CallUpdated { fields: patch.keys().cloned().collect() })?;
    reloaded(tx, id)
}

fn reloaded(tx: &mut Tx, id: &str) -> ApiResult<Call> {
    Ok(calls::find(tx.conn, id)?.ok_or_else(call_not_found)?.view(tx.now)?)
}

/// Locks the call and moves it to the status `step` allows; returns the status it left.
fn transition(tx: &mut Tx, id: &str, step: impl FnOnce(&CallRow, DateTime<Utc>) -> Result<CallStatus, String>) -> ApiResult<(CallStatus, CallStatus)> {
    let row = calls::lock(tx.conn, id)?.ok_or_else(call_not_found)?;
    let to = step(&row, tx.now).map_err(ApiError::invalid_state)?;
    if !calls::transition(tx.conn, id, row.status(), to, tx.now)? {
        return Err(ApiError::invalid_state("the call changed meanwhile; reload it"));
    }
    Ok((row.status(), to))
}

/// Publishes a draft call: applicants can now see it and apply within its window.
pub fn publish(tx: &mut Tx, id: &str) -> ApiResult<Call> {
    let (from, to) = transition(tx, id, |row, _| match row.status() {
        CallStatus::Draft => Ok(CallStatus::Published),
        other => Err(format!("only a draft call can be published; this one is {other}")),
    })?;
    tx.audit(Subject::call(id), Event::CallPublished { from, to })?;
    reloaded(tx, id)
}

/// Closes submissions and starts the review: every submitted proposal goes under review.
pub fn start_review(tx: &mut Tx, id: &str) -> ApiResult<Call> {
    let (from, to) = transition(tx, id, |row, now| {
        call::may_start_review(row.status(), row.closes_at(), now).map(|()| CallStatus::UnderReview).map_err(str::to_string)
    })?;
    let proposals_under_review =
        proposals::transition_all_in_call(tx.conn, id, ProposalStatus::Submitted, ProposalStatus::UnderReview, tx.now)?;
    tx.audit(Subject::call(id), Event::CallReviewStarted { from, to, proposals_under_review })?;
    reloaded(tx, id)
}

/// What anyone may see without signing in: the calls accepting proposals now, and the
/// published results of the latest decided calls (採択課題一覧).
pub struct PublicBoard {
    pub open: Vec<Call>,
    pub results: Vec<crate::app::decisions::view::PublicResults>,
}

/// The home page's board. The lists are short (a handful of calls a year), so each decided
/// call's results are read with the public results use-case itself.
pub fn public_board(tx: &mut Tx) -> ApiResult<PublicBoard> {
    const LATEST: i64 = 5;
    let (published, _) = calls::list(tx.conn, false, Some(CallStatus::Published), 50, 0)?;
    let open = published.iter().filter(|c| c.accepting_submissions(tx.now)).map(|c| c.view(tx.now)).collect::<Result<_, _>>()?;
    let (decided, _) = calls::list(tx.conn, false, Some(CallStatus::Decided), LATEST, 0)?;
    let results = decided.iter().map(|c| crate::app::decisions::publication::adopted(tx, &c.id)).collect::<ApiResult<_>>()?;
    Ok(PublicBoard { open, results })
}
