//! One assignment as its reviewer works on it (the reviewer's pages): the assignment, the
//! proposal while they may read it, the call's criteria and the review so far.

use crate::app::Tx;
use crate::app::proposals::{self, Proposal};
use crate::auth::CurrentUser;
use crate::domain::call::Criterion;
use crate::error::{ApiError, ApiResult};
use crate::repo::{assignments, calls};

use super::assignments::mine;
use super::own_assignment_to_read;
use super::view::{self, MyAssignment, Review};

pub struct Workspace {
    pub assignment: MyAssignment,
    pub call_title: String,
    /// `None` once the reviewer may no longer read it (declined).
    pub proposal: Option<Proposal>,
    pub criteria: Vec<Criterion>,
    pub review: Option<Review>,
}

/// The calling reviewer's assignment with what hangs off it; anyone else's is not found.
pub fn workspace(tx: &mut Tx<'_>, reviewer: &CurrentUser, assignment_id: &str) -> ApiResult<Workspace> {
    if crate::app::evaluations::evaluators::is_evaluation_assignment(tx.conn, assignment_id)? {
        return crate::app::evaluations::evaluators::workspace(tx, reviewer, assignment_id);
    }
    let row = own_assignment_to_read(tx.conn, assignment_id, &reviewer.id)?;
    let call = calls::find(tx.conn, &row.call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let assignment = mine(tx, reviewer)?
        .into_iter()
        .find(|a| a.assignment.id == assignment_id)
        .ok_or_else(|| ApiError::not_found("assignment"))?;
    let proposal = match proposals::get(tx, reviewer, &row.proposal_id) {
        Ok(p) => Some(p),
        Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => None,
        Err(e) => return Err(e),
    };
    let review = match assignments::review(tx.conn, assignment_id)? {
        Some(_) => Some(view::review(tx.conn, assignment_id)?),
        None => None,
    };
    Ok(Workspace { assignment, call_title: call.title.clone(), proposal, criteria: call.criteria()?, review })
}
