//! Conflicts of interest declared by a program officer or by the reviewer themselves.

use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::call::CallStatus;
use crate::domain::review::ReviewStatus;
use crate::error::{ApiError, ApiResult};
use crate::repo::assignments::{self, AssignmentRow};
use crate::repo::{calls, proposals};

use super::reviews::review_locked;
use super::view::{Conflict, DeclareConflict};
use super::{own_assignment, reviewer_account};

/// A program officer records a conflict between a reviewer and a proposal; an existing
/// assignment of the pair is removed, unless its review is submitted.
pub fn declare(tx: &mut Tx<'_>, admin: &CurrentUser, proposal_id: &str, input: DeclareConflict) -> ApiResult<Conflict> {
    let DeclareConflict { reviewer_id, reason } = input;
    let reason = reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::field("reason", "required", "give the reason in 1–2000 characters"));
    }
    let proposal = proposals::find(tx.conn, proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
    reviewer_account(tx.conn, &reviewer_id)?;
    require_undecided(tx, &proposal.call_id)?;
    let held = match assignments::find_pair(tx.conn, proposal_id, &reviewer_id)? {
        Some(a) => assignments::lock(tx.conn, &a.id)?,
        None => None,
    };
    let row = assignments::declare_conflict(tx.conn, proposal_id, &reviewer_id, &reason, &admin.id, tx.now)?;
    let removed = held.map(|a| remove(tx, a)).transpose()?;
    tx.audit(Subject::proposal(proposal_id), Event::ConflictDeclared { reviewer_id, reason, assignment_removed: removed })?;
    Ok(row.into())
}

/// The conflicts declared for a proposal.
pub fn of_proposal(tx: &mut Tx<'_>, proposal_id: &str) -> ApiResult<Vec<Conflict>> {
    proposals::find(tx.conn, proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
    Ok(assignments::declared_conflicts_of_proposal(tx.conn, proposal_id)?.into_iter().map(Conflict::from).collect())
}

/// A reviewer declares a conflict with a proposal assigned to them: the conflict is recorded
/// and the assignment removed, unless the review is submitted.
pub fn declare_own(tx: &mut Tx<'_>, reviewer: &CurrentUser, assignment_id: &str, reason: Option<String>) -> ApiResult<Conflict> {
    let reason = reason
        .map(|r| r.trim().chars().take(2000).collect::<String>())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "declared by the reviewer".to_string());
    let row = own_assignment(tx.conn, assignment_id, &reviewer.id)?;
    require_undecided(tx, &row.call_id)?;
    let proposal_id = row.proposal_id.clone();
    let conflict = assignments::declare_conflict(tx.conn, &proposal_id, &reviewer.id, &reason, &reviewer.id, tx.now)?;
    let removed = remove(tx, row)?;
    tx.audit(
        Subject::proposal(&proposal_id),
        Event::ConflictDeclared { reviewer_id: reviewer.id.clone(), reason, assignment_removed: Some(removed) },
    )?;
    Ok(conflict.into())
}

/// Once decisions are published the reviews behind them stand: no conflict may take one away.
/// The call's row lock orders this against the publication.
fn require_undecided(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<()> {
    let call = calls::lock(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    if call.status() == CallStatus::Decided {
        return Err(ApiError::conflict("review_locked", "decisions on this call are published; its reviews stand as they are"));
    }
    Ok(())
}

/// Sets a locked assignment aside; a submitted review is never erased, so its assignment stays.
fn remove(tx: &mut Tx<'_>, row: AssignmentRow) -> ApiResult<String> {
    let submitted = assignments::review(tx.conn, &row.id)?.is_some_and(|r| r.status() == ReviewStatus::Submitted);
    if submitted || !assignments::remove(tx.conn, &row.id, tx.now)? {
        return Err(review_locked());
    }
    tx.audit(Subject::assignment(&row.id), Event::AssignmentRemoved { proposal_id: row.proposal_id, reviewer_id: row.reviewer_id })?;
    Ok(row.id)
}
