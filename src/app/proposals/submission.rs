//! Submitting a proposal, pulling it back to draft, withdrawing it for good.

use chrono::{DateTime, Utc};

use actix_web::http::StatusCode;

use crate::app::access::{Loaded, load, lock, prefecture_taken};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::auth::one_time::Purpose;
use crate::domain::proposal::lifecycle::Transition;
use crate::domain::proposal::{ProposalStatus, receipt, submission};
use crate::domain::time::{self, Instant};
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::idempotency::{self, Outcome};
use crate::mail::templates;
use crate::repo::{calls, proposals, tokens, users};

use super::view::{self, Checklist, Proposal};

fn today_in_japan(now: DateTime<Utc>) -> chrono::NaiveDate {
    now.with_timezone(&time::jst()).date_naive()
}

fn changed_meanwhile() -> ApiError {
    ApiError::invalid_state("the proposal changed meanwhile; reload it")
}

/// Submits: every rule is checked at once, the prefectures' claims are re-checked, a receipt
/// number is issued, an immutable snapshot is stored and the lead prefecture's officers get a
/// receipt email. With an idempotency key, a retry is answered with the first response.
pub fn submit(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, key: Option<&str>) -> ApiResult<Outcome<Proposal>> {
    // The call's row lock serialises submissions within the call: receipt numbers, and
    // retries of one submission, which must see the first one's stored response. The
    // proposal's own lock (always taken after the call's, never before) keeps edits, partners and
    // endorsements from changing what is being checked.
    let call_id = load(tx.conn, id, user)?.call.id;
    calls::lock(tx.conn, &call_id)?;
    idempotency::once(tx, &user.id, key, id, |tx| submit_now(tx, user, id))
}

/// What would stop the proposal's submission now, in the order `submit` refuses: the refusals
/// of the request itself (deadline, status, a prefecture taken meanwhile) as the error, the
/// problems of its content, partners and endorsements as the list. `submit` and the checklist
/// both ask here, so the checklist never promises what `submit` then refuses.
fn readiness(tx: &mut Tx<'_>, loaded: &Loaded) -> ApiResult<Vec<FieldError>> {
    let id = loaded.row.id.as_str();
    loaded.require_open(tx.now)?;
    loaded.row.status().after(Transition::Submit).map_err(ApiError::invalid_state)?;
    let content = loaded.row.content()?;
    let lead = loaded.row.lead();
    let confirmed = proposals::confirmed_partners(tx.conn, id)?;
    let endorsed = proposals::endorsed_roles(tx.conn, id, &loaded.row.content_hash)?;
    let context = submission::Context {
        program: loaded.call.program(),
        call_fiscal_year: loaded.call.fiscal_year,
        max_request: loaded.call.max_request(),
        lead,
        confirmed_partners: &confirmed,
        endorsed: &endorsed,
        today: today_in_japan(tx.now),
    };
    let problems = submission::problems(&content, &context);
    if !problems.is_empty() {
        return Ok(problems);
    }
    for prefecture in std::iter::once(lead).chain(content.partners().iter().copied()) {
        if proposals::participation(tx.conn, &loaded.call.id, prefecture)?.as_deref() != Some(id) {
            return Err(prefecture_taken(prefecture));
        }
    }
    Ok(Vec::new())
}

/// Whether the proposal could be submitted now and, if not, every reason `submit` would give,
/// for anyone who may read it; nothing changes.
pub fn checklist(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<Checklist> {
    let loaded = load(tx.conn, id, user)?;
    let problems = match readiness(tx, &loaded) {
        Ok(problems) => problems,
        Err(refusal) if refusal.status == StatusCode::CONFLICT => vec![refusal_problem(refusal)],
        Err(e) => return Err(e),
    };
    Ok(Checklist { ready: problems.is_empty(), problems })
}

/// A refusal of the whole submission, as a checklist line naming what it is about.
fn refusal_problem(refusal: ApiError) -> FieldError {
    let field = match refusal.code.as_ref() {
        "call_not_open" => "closes_at",
        "prefecture_already_participating" => "partner_prefecture_codes",
        _ => "status",
    };
    FieldError { field: field.to_string(), code: refusal.code, message: refusal.detail }
}

fn submit_now(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<Proposal> {
    let now = tx.now;
    let loaded = lock(tx.conn, id, user)?;
    loaded.require_lead()?;
    let problems = readiness(tx, &loaded)?;
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let content = loaded.row.content()?;
    let lead = loaded.row.lead();

    let receipt_number = match &loaded.row.receipt_number {
        Some(existing) => existing.clone(),
        None => {
            let seq = calls::next_receipt_seq(tx.conn, &loaded.call.id)?;
            receipt::receipt_number(loaded.call.fiscal_year, loaded.call.program(), lead, seq)
        }
    };
    if !proposals::transition(tx.conn, id, ProposalStatus::Draft, ProposalStatus::Submitted, now)? {
        return Err(changed_meanwhile());
    }
    proposals::record_submission(tx.conn, id, &receipt_number, now)?;
    let version_no = proposals::insert_version(tx.conn, id, &receipt_number, &content, &user.id, now)?;

    let title = content.title.clone().unwrap_or_default();
    let submitted_at = Instant::from(now).shown().format("%Y-%m-%d %H:%M JST").to_string();
    let email = templates::proposal_received(&receipt_number, &title, &loaded.call.title, &submitted_at);
    for officer in users::active_applicants_of(tx.conn, &[lead])? {
        tx.enqueue(&officer.email, &email)?;
    }
    tx.audit(Subject::proposal(id), Event::ProposalSubmitted { receipt_number, version_no })?;
    view::proposal(tx.conn, id)
}

/// Pulls a submission back to draft (`Unsubmit`) or withdraws for good (`Withdraw`), before the
/// deadline only; withdrawing releases every prefecture and voids the endorsement links.
fn transition(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, transition: Transition) -> ApiResult<Proposal> {
    let now = tx.now;
    let loaded = lock(tx.conn, id, user)?;
    loaded.require_lead()?;
    loaded.require_open(now)?;
    let from = loaded.row.status();
    let to = from.after(transition).map_err(ApiError::invalid_state)?;
    if !proposals::transition(tx.conn, id, from, to, now)? {
        return Err(changed_meanwhile());
    }
    let event = if to == ProposalStatus::Withdrawn {
        let prefectures_released = proposals::release_all(tx.conn, id)?;
        tokens::void_for_subject(tx.conn, id, Purpose::Endorsement, None, now)?;
        Event::ProposalWithdrawn { from, to, prefectures_released }
    } else {
        Event::ProposalUnsubmitted { from, to }
    };
    tx.audit(Subject::proposal(id), event)?;
    view::proposal(tx.conn, id)
}

pub fn unsubmit(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<Proposal> {
    transition(tx, user, id, Transition::Unsubmit)
}

pub fn withdraw(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<Proposal> {
    transition(tx, user, id, Transition::Withdraw)
}
