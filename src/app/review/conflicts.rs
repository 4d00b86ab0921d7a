//! Conflicts of interest declared by a program officer or by the reviewer themselves.

use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::repo::assignments;
use crate::repo::proposals;

use super::view::{Conflict, DeclareConflict};
use super::{own_assignment, reviewer_account};

/// A program officer records a conflict between a reviewer and a proposal; an existing
/// assignment of the pair is removed.
pub fn declare(tx: &mut Tx<'_>, admin: &CurrentUser, proposal_id: &str, input: DeclareConflict) -> ApiResult<Conflict> {
    let DeclareConflict { reviewer_id, reason } = input;
    let reason = reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::field("reason", "required", "give the reason in 1–2000 characters"));
    }
    proposals::find(tx.conn, proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
    reviewer_account(tx.conn, &reviewer_id)?;
    let row = assignments::declare_conflict(tx.conn, proposal_id, &reviewer_id, &reason, &admin.id, tx.now)?;
    let removed = match assignments::find_pair(tx.conn, proposal_id, &reviewer_id)? {
        Some(a) => {
            assignments::remove(tx.conn, &a.id)?;
            Some(a.id)
        }
        None => None,
    };
    tx.audit(Subject::proposal(proposal_id), Event::ConflictDeclared { reviewer_id, reason, assignment_removed: removed })?;
    Ok(row.into())
}

/// The conflicts declared for a proposal.
pub fn of_proposal(tx: &mut Tx<'_>, proposal_id: &str) -> ApiResult<Vec<Conflict>> {
    proposals::find(tx.conn, proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
    Ok(assignments::declared_conflicts_of_proposal(tx.conn, proposal_id)?.into_iter().map(Conflict::from).collect())
}

/// A reviewer declares a conflict with a proposal assigned to them: the conflict is recorded
/// and the assignment removed.
pub fn declare_own(tx: &mut Tx<'_>, reviewer: &CurrentUser, assignment_id: &str, reason: Option<String>) -> ApiResult<Conflict> {
    let reason = reason
        .map(|r| r.trim().chars().take(2000).collect::<String>())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "declared by the reviewer".to_string());
    let row = own_assignment(tx.conn, assignment_id, &reviewer.id)?;
    let conflict = assignments::declare_conflict(tx.conn, &row.proposal_id, &reviewer.id, &reason, &reviewer.id, tx.now)?;
    assignments::remove(tx.conn, assignment_id)?;
    tx.audit(
        Subject::proposal(&row.proposal_id),
        Event::ConflictDeclared { reviewer_id: reviewer.id.clone(), reason, assignment_removed: Some(assignment_id.to_string()) },
    )?;
    Ok(conflict.into())
}
