//! Peer review: conflicts of interest, reviewer assignments (by hand and automatic), the
//! reviews themselves and the ranking built from them.

pub mod assignments;
pub mod auto;
pub mod conflicts;
pub mod ranking;
pub mod reviews;
pub mod view;
pub mod workspace;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::db::DbConn;
use crate::domain::conflict::ConflictReason;
use crate::domain::review;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates;
use crate::repo::assignments::{self as repo, AssignmentRow};
use crate::repo::calls::{self, CallRow};
use crate::repo::users::{self, UserRow};

use super::Tx;

pub fn conflict_of_interest(reason: ConflictReason) -> ApiError {
    let why = match reason {
        ConflictReason::SameOrganization => "the reviewer's affiliation is one of the proposal's organizations",
        ConflictReason::SamePrefecture => "the reviewer's affiliation is in a prefecture taking part in the proposal",
        ConflictReason::Declared => "a conflict of interest was declared for this reviewer and proposal",
    };
    ApiError::conflict("conflict_of_interest", format!("conflict of interest: {why}")).with("reason", reason.code())
}

pub fn not_shortlisted() -> ApiError {
    ApiError::conflict("not_shortlisted", "the proposal is not on the call's shortlist")
}

/// An assignment of the calling reviewer, to read; anyone else's is not found.
pub fn own_assignment_to_read(conn: &mut DbConn, id: &str, reviewer_id: &str) -> ApiResult<AssignmentRow> {
    repo::find(conn, id)?.filter(|a| a.reviewer_id == reviewer_id).ok_or_else(|| ApiError::not_found("assignment"))
}

/// An assignment of the calling reviewer, locked for the change; anyone else's is not found.
///
/// The call's row is locked first, then the assignment's: the order that the program officers'
/// conflict declarations and the publication of decisions take too, so a review write and a
/// publication apply one after the other (a published result never changes underneath), and
/// two writers never wait for each other in opposite orders.
pub fn own_assignment(conn: &mut DbConn, id: &str, reviewer_id: &str) -> ApiResult<AssignmentRow> {
    let found = own_assignment_to_read(conn, id, reviewer_id)?;
    calls::lock(conn, &found.call_id)?;
    repo::lock(conn, id)?.filter(|a| a.reviewer_id == reviewer_id).ok_or_else(|| ApiError::not_found("assignment"))
}

/// The call of an assignment, if reviewing may happen now.
pub fn require_review_phase(conn: &mut DbConn, assignment: &AssignmentRow, now: DateTime<Utc>) -> ApiResult<CallRow> {
    let call = calls::find(conn, &assignment.call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    if review::review_phase(call.status(), call.closes_at(), now) {
        Ok(call)
    } else {
        Err(ApiError::invalid_state("the review of this call is closed"))
    }
}

/// A call whose submissions are closed, locked for the change.
fn call_in_review(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<CallRow> {
    let call = calls::lock(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    if !review::review_phase(call.status(), call.closes_at(), tx.now) {
        return Err(ApiError::invalid_state("reviewers are assigned once the call's submissions have closed, until decisions are published"));
    }
    Ok(call)
}

pub(crate) fn reviewer_account(conn: &mut DbConn, reviewer_id: &str) -> ApiResult<UserRow> {
    users::find(conn, reviewer_id)?
        // A deactivated account gets no new work (automatic assignment skips it too).
        .filter(|u| u.role() == Role::Reviewer && u.active)
        .ok_or_else(|| ApiError::field("reviewer_id", "not_a_reviewer", "no reviewer with this id"))
}

/// Where a reviewer finds their assignments, for the emails that point there.
pub(crate) fn assignments_link(base_url: &str) -> String {
    format!("{}/me/assignments", base_url.trim_end_matches('/'))
}

/// Tells each reviewer how many proposals they were just given, in a stable order.
fn notify_reviewers(tx: &mut Tx<'_>, base_url: &str, counts: &HashMap<String, usize>, call: &CallRow) -> ApiResult<()> {
    let link = assignments_link(base_url);
    let mut ids: Vec<&String> = counts.keys().collect();
    ids.sort();
    for reviewer_id in ids {
        if let Some(reviewer) = users::find(tx.conn, reviewer_id)? {
            let email = templates::assignments_notice(&reviewer.name, counts[reviewer_id], &call.title, &link);
            tx.enqueue(&reviewer.email, &email)?;
        }
    }
    Ok(())
}
