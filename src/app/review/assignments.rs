//! Reviewer assignments: listed for program officers, made by hand, and accepted or declined
//! by the reviewer.

use std::collections::HashMap;

use crate::app::evaluations::evaluators;
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::call::CallStatus;
use crate::domain::review::{self, AssignmentStatus, ReviewStage, ReviewStatus};
use crate::error::{ApiError, ApiResult};
use crate::repo::assignments;
use crate::repo::calls::{self, CallRow};
use crate::repo::proposals::{self, ProposalRow};

use super::auto::{NewAssignment, keyword_affinity, new_assignment, stage_proposals};
use super::view::{self, AssignReviewer, Assignment, MyAssignment};
use super::{call_in_review, not_shortlisted, conflict_of_interest, notify_reviewers, own_assignment, require_review_phase, reviewer_account};

/// The call's assignments.
pub fn of_call(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<Vec<Assignment>> {
    calls::find(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let rows = assignments::of_call(tx.conn, call_id)?;
    view::assignments(tx.conn, rows)
}

fn reviewed_proposal(tx: &mut Tx<'_>, call: &CallRow, proposal_id: &str) -> ApiResult<ProposalRow> {
    let proposal = proposals::find(tx.conn, proposal_id)?
        .filter(|p| p.call_id == call.id)
        .ok_or_else(|| ApiError::field("proposal_id", "not_found", "no proposal with this id in this call"))?;
    if !proposal.status().was_submitted() {
        return Err(ApiError::invalid_state(format!("a {} proposal is not reviewed", proposal.status())));
    }
    if call.status() == CallStatus::Hearing && !stage_proposals(ReviewStage::Hearing).contains(&proposal.status()) {
        return Err(not_shortlisted());
    }
    Ok(proposal)
}

/// A program officer assigns a reviewer by hand. Refused for a conflicted pair (whoever asks),
/// a pair already assigned, or a reviewer at their maximum load; the reviewer is emailed.
pub fn assign(tx: &mut Tx<'_>, admin: &CurrentUser, call_id: &str, input: AssignReviewer, base_url: &str) -> ApiResult<Assignment> {
    let AssignReviewer { proposal_id, reviewer_id } = input;
    let call = call_in_review(tx, call_id)?;
    let proposal = reviewed_proposal(tx, &call, &proposal_id)?;
    let reviewer = reviewer_account(tx.conn, &reviewer_id)?;
    if let Some(reason) = assignments::conflict_of(tx.conn, &proposal, &reviewer)? {
        return Err(conflict_of_interest(reason));
    }
    let stage = ReviewStage::of_new_assignment(call.status());
    let existing = assignments::find_pair(tx.conn, &proposal_id, &reviewer_id)?;
    // A reviewer reviews a proposal in one stage only: a pair keeps one row.
    if existing.as_ref().is_some_and(|a| a.status().is_active() || a.stage != stage) {
        return Err(ApiError::conflict("already_assigned", "this reviewer is already assigned to this proposal"));
    }
    let held = u32::try_from(assignments::active_load(tx.conn, call_id, &reviewer_id, stage)?).unwrap_or(u32::MAX);
    let personal_max = reviewer.max_assignments.and_then(|m| u32::try_from(m).ok());
    if review::remaining_load(personal_max, None, held, u32::MAX) == 0 {
        return Err(ApiError::conflict("reviewer_at_capacity", format!("the reviewer already holds their maximum of {held} proposals in this call")));
    }
    let content = proposal.content()?;
    let affinity = keyword_affinity(content.keywords.as_deref().unwrap_or_default(), &reviewer.expertise()?);
    let id = match existing {
        // A reviewer who declined may be asked again by hand.
        Some(declined) => {
            assignments::set_status(tx.conn, &declined.id, AssignmentStatus::Pending, None, tx.now)?;
            declined.id
        }
        None => match assignments::find_removed_pair(tx.conn, &proposal_id, &reviewer_id)? {
            // An assignment taken back may be given again by hand, in the stage it was made for.
            Some(removed) if removed.stage == stage => {
                assignments::restore(tx.conn, &removed.id, tx.now)?;
                removed.id
            }
            Some(_) => return Err(ApiError::conflict("already_assigned", "this reviewer was assigned to this proposal in the other stage")),
            None => {
                let new = NewAssignment { call: &call, proposal_id: &proposal_id, reviewer_id: &reviewer_id, affinity, origin: "manual", by: &admin.id };
                let row = new_assignment(new, tx.now);
                assignments::insert(tx.conn, &row)?;
                row.id
            }
        },
    };
    tx.audit(
        Subject::assignment(&id),
        Event::AssignmentCreated { proposal_id, reviewer_id: reviewer_id.clone(), origin: "manual", affinity: None },
    )?;
    notify_reviewers(tx, base_url, &HashMap::from([(reviewer_id, 1)]), &call)?;
    view::assignment(tx.conn, &id)
}

/// The calling reviewer's own assignments, with what they may see of each proposal.
pub fn mine(tx: &mut Tx<'_>, reviewer: &CurrentUser) -> ApiResult<Vec<MyAssignment>> {
    let rows = assignments::of_reviewer(tx.conn, &reviewer.id)?;
    let proposals = assignments::readable_of(tx.conn, &reviewer.id, &rows)?;
    let views = view::assignments(tx.conn, rows)?;
    views
        .into_iter()
        .map(|assignment| {
            let proposal = proposals.get(&assignment.proposal_id);
            Ok(MyAssignment {
                proposal_title: proposal.map(|p| p.content()).transpose()?.and_then(|c| c.title),
                receipt_number: proposal.and_then(|p| p.receipt_number.clone()),
                lead_prefecture_code: proposal.map(|p| p.lead_prefecture_code.to_string()),
                project_title: None,
                assignment,
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .and_then(|mut mine| {
            mine.extend(evaluators::mine(tx, reviewer)?);
            Ok(mine)
        })
}

/// The reviewer accepts an assignment (accepting twice changes nothing).
pub fn accept(tx: &mut Tx<'_>, reviewer: &CurrentUser, id: &str) -> ApiResult<Assignment> {
    if evaluators::is_evaluation_assignment(tx.conn, id)? {
        return evaluators::accept(tx, reviewer, id);
    }
    let row = own_assignment(tx.conn, id, &reviewer.id)?;
    require_review_phase(tx.conn, &row, tx.now)?;
    let next = row.status().accept().map_err(ApiError::invalid_state)?;
    if next != row.status() {
        assignments::set_status(tx.conn, id, next, None, tx.now)?;
        tx.audit(Subject::assignment(id), Event::AssignmentAccepted { proposal_id: row.proposal_id })?;
    }
    view::assignment(tx.conn, id)
}

/// The reviewer declines an assignment (until the review is submitted); the slot is freed for
/// another reviewer.
pub fn decline(tx: &mut Tx<'_>, reviewer: &CurrentUser, id: &str, reason: Option<String>) -> ApiResult<Assignment> {
    if evaluators::is_evaluation_assignment(tx.conn, id)? {
        return evaluators::decline(tx, reviewer, id, reason);
    }
    let reason = reason.map(|r| r.chars().take(2000).collect::<String>());
    let row = own_assignment(tx.conn, id, &reviewer.id)?;
    require_review_phase(tx.conn, &row, tx.now)?;
    let review = assignments::review(tx.conn, id)?.map(|r| r.status());
    let next = row.status().decline(review).map_err(|m| {
        if review == Some(ReviewStatus::Submitted) { ApiError::conflict("review_locked", m) } else { ApiError::invalid_state(m) }
    })?;
    assignments::set_status(tx.conn, id, next, reason.as_deref(), tx.now)?;
    tx.audit(Subject::assignment(id), Event::AssignmentDeclined { proposal_id: row.proposal_id, reason })?;
    view::assignment(tx.conn, id)
}
