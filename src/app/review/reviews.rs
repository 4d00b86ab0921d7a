//! Reviews graded S/A/B/C per criterion: read, saved as drafts, submitted (locked) and returned.

use crate::app::evaluations::evaluators;
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::review::{self, AssignmentStatus, ReviewInput, ReviewStage, ReviewStatus};
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates;
use crate::repo::assignments::{self, AssignmentRow};
use crate::repo::calls::CallRow;
use crate::repo::{hearings, proposals, users};

use super::view::{self, Review};
use super::{assignments_link, conflict_of_interest, own_assignment, require_review_phase};

pub(super) fn review_locked() -> ApiError {
    ApiError::conflict("review_locked", "the review is submitted and locked; an admin may return it to you")
}

/// An assignment the calling reviewer may work on now: theirs, active, not conflicted, in the
/// review phase.
fn workable(tx: &mut Tx<'_>, id: &str, reviewer_id: &str) -> ApiResult<(AssignmentRow, CallRow)> {
    let row = own_assignment(tx.conn, id, reviewer_id)?;
    if !row.status().is_active() {
        return Err(ApiError::invalid_state("this assignment was declined"));
    }
    let proposal = proposals::find(tx.conn, &row.proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
    let reviewer = users::find(tx.conn, reviewer_id)?.ok_or_else(|| ApiError::not_found("reviewer"))?;
    if let Some(reason) = assignments::conflict_of(tx.conn, &proposal, &reviewer)? {
        return Err(conflict_of_interest(reason));
    }
    let call = require_review_phase(tx.conn, &row, tx.now)?;
    if row.stage == ReviewStage::Hearing {
        let starts_at = hearings::of_proposal(tx.conn, &row.proposal_id)?.map(|slot| slot.starts_at.utc());
        if !review::hearing_held(starts_at, tx.now) {
            return Err(ApiError::conflict("hearing_not_held", "the proposal's hearing has not started yet: it is graded once heard")
                .with("starts_at", starts_at.map(|t| crate::domain::time::Instant::from(t).shown())));
        }
    }
    Ok((row, call))
}

/// A review: its reviewer or a program officer reads it; nobody else, and no other reviewer.
pub fn get(tx: &mut Tx<'_>, user: &CurrentUser, assignment_id: &str) -> ApiResult<Review> {
    if evaluators::is_evaluation_assignment(tx.conn, assignment_id)? {
        return evaluators::get_review(tx, user, assignment_id);
    }
    let row = assignments::find(tx.conn, assignment_id)?.ok_or_else(|| ApiError::not_found("assignment"))?;
    let allowed = user.role == Role::Admin || (user.role == Role::Reviewer && row.reviewer_id == user.id);
    if !allowed {
        return Err(ApiError::not_found("assignment"));
    }
    view::review(tx.conn, assignment_id)
}

/// Saves the review as a draft (grades may be partial); saving accepts a pending assignment.
pub fn save(tx: &mut Tx<'_>, reviewer: &CurrentUser, assignment_id: &str, input: ReviewInput) -> ApiResult<Review> {
    if evaluators::is_evaluation_assignment(tx.conn, assignment_id)? {
        return evaluators::save_review(tx, reviewer, assignment_id, input);
    }
    let (row, call) = workable(tx, assignment_id, &reviewer.id)?;
    if assignments::review(tx.conn, assignment_id)?.is_some_and(|r| r.status() == ReviewStatus::Submitted) {
        return Err(review_locked());
    }
    let content = review::parse_review(&call.criteria()?, input).map_err(ApiError::validation)?;
    assignments::save_review(tx.conn, assignment_id, &content, tx.now)?;
    if row.status() == AssignmentStatus::Pending {
        assignments::set_status(tx.conn, assignment_id, AssignmentStatus::Accepted, None, tx.now)?;
    }
    tx.audit(Subject::assignment(assignment_id), Event::ReviewSaved { proposal_id: row.proposal_id })?;
    view::review(tx.conn, assignment_id)
}

/// Submits the review: every criterion and the overall grade must be given; it is then locked.
pub fn submit(tx: &mut Tx<'_>, reviewer: &CurrentUser, assignment_id: &str) -> ApiResult<Review> {
    if evaluators::is_evaluation_assignment(tx.conn, assignment_id)? {
        return evaluators::submit_review(tx, reviewer, assignment_id);
    }
    let (row, call) = workable(tx, assignment_id, &reviewer.id)?;
    let saved = assignments::review(tx.conn, assignment_id)?;
    if saved.as_ref().is_some_and(|r| r.status() == ReviewStatus::Submitted) {
        return Err(review_locked());
    }
    let content = saved.map(|r| r.content()).transpose()?.unwrap_or_default();
    let problems = review::submission_problems(&call.criteria()?, &content);
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    if !assignments::set_review_status(tx.conn, assignment_id, ReviewStatus::Draft, ReviewStatus::Submitted, tx.now)? {
        return Err(review_locked());
    }
    tx.audit(Subject::assignment(assignment_id), Event::ReviewSubmitted { proposal_id: row.proposal_id })?;
    view::review(tx.conn, assignment_id)
}

/// A program officer returns a submitted review to its reviewer, unlocking it; the reviewer is
/// told why by email.
pub fn give_back(tx: &mut Tx<'_>, assignment_id: &str, reason: Option<String>, base_url: &str) -> ApiResult<Review> {
    if evaluators::is_evaluation_assignment(tx.conn, assignment_id)? {
        return evaluators::give_back(tx, assignment_id, reason, base_url);
    }
    let reason = reason.unwrap_or_default().chars().take(2000).collect::<String>();
    // The call first, then the assignment, as every review write (see `own_assignment`).
    let found = assignments::find(tx.conn, assignment_id)?.ok_or_else(|| ApiError::not_found("assignment"))?;
    crate::repo::calls::lock(tx.conn, &found.call_id)?;
    let row = assignments::lock(tx.conn, assignment_id)?.ok_or_else(|| ApiError::not_found("assignment"))?;
    require_review_phase(tx.conn, &row, tx.now)?;
    if !assignments::set_review_status(tx.conn, assignment_id, ReviewStatus::Submitted, ReviewStatus::Draft, tx.now)? {
        return Err(ApiError::invalid_state("only a submitted review can be returned"));
    }
    if let (Some(reviewer), Some(proposal)) = (users::find(tx.conn, &row.reviewer_id)?, proposals::find(tx.conn, &row.proposal_id)?) {
        let title = proposal.content()?.title.unwrap_or_default();
        tx.enqueue(&reviewer.email, &templates::review_returned(&reviewer.name, &title, &reason, &assignments_link(base_url)))?;
    }
    tx.audit(Subject::assignment(assignment_id), Event::ReviewReturned { proposal_id: row.proposal_id, reason })?;
    view::review(tx.conn, assignment_id)
}
