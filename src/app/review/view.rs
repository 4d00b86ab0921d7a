//! What the review resources look like on the wire (and on the pages): assignments, conflicts,
//! reviews, the automatic assignment's outcome and the ranking, with the bodies they accept.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::domain::grade::Grade;
use crate::domain::review::{AssignmentStatus, ReviewStage, ReviewStatus};
use crate::domain::scoring::GradeCounts;
use crate::domain::time::Instant;
use crate::error::{ApiError, ApiResult};
use crate::repo::assignments::{self, AssignmentRow, ConflictRow};

#[derive(Debug, Serialize, ToSchema)]
pub struct Assignment {
    pub id: String,
    pub call_id: String,
    pub proposal_id: String,
    pub reviewer_id: String,
    pub status: AssignmentStatus,
    /// `document` or `hearing` (two-stage calls, once shortlisted).
    pub stage: ReviewStage,
    /// `null` until the reviewer saves a review.
    pub review_status: Option<ReviewStatus>,
    /// Shared expertise keywords between reviewer and proposal.
    pub affinity: i32,
    /// `manual` or `auto`.
    pub origin: String,
    pub decline_reason: Option<String>,
    pub created_at: DateTime<FixedOffset>,
    /// An evaluator's assignment in an evaluation round (absent for proposal review).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_id: Option<String>,
    /// The project an evaluator grades (absent for proposal review).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
}

impl Assignment {
    fn of(row: AssignmentRow, review_status: Option<ReviewStatus>) -> Self {
        Assignment {
            status: row.status(),
            stage: row.stage,
            id: row.id,
            call_id: row.call_id,
            proposal_id: row.proposal_id,
            reviewer_id: row.reviewer_id,
            review_status,
            affinity: row.affinity,
            origin: row.origin,
            decline_reason: row.decline_reason,
            created_at: row.created_at.shown(),
            evaluation_id: None,
            project_id: None,
        }
    }
}

/// One assignment as it stands now (re-read, so that a change just made shows).
pub fn assignment(conn: &mut DbConn, id: &str) -> ApiResult<Assignment> {
    let row = assignments::find(conn, id)?.ok_or_else(|| ApiError::not_found("assignment"))?;
    let review_status = assignments::review(conn, &row.id)?.map(|r| r.status());
    Ok(Assignment::of(row, review_status))
}

/// Many assignments, with their reviews' statuses loaded in one query.
pub fn assignments(conn: &mut DbConn, rows: Vec<AssignmentRow>) -> ApiResult<Vec<Assignment>> {
    let ids: Vec<&str> = rows.iter().map(|a| a.id.as_str()).collect();
    let statuses = assignments::review_statuses(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let status = statuses.get(&row.id).copied();
            Assignment::of(row, status)
        })
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyAssignment {
    #[serde(flatten)]
    pub assignment: Assignment,
    /// Shown while the reviewer may read the proposal (assigned, not declined, not conflicted).
    pub proposal_title: Option<String>,
    pub receipt_number: Option<String>,
    pub lead_prefecture_code: Option<String>,
    /// The project an evaluator grades (evaluation rounds only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_title: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Conflict {
    pub id: String,
    pub proposal_id: String,
    pub reviewer_id: String,
    pub reason: String,
    pub declared_by: String,
    pub created_at: DateTime<FixedOffset>,
}

impl From<ConflictRow> for Conflict {
    fn from(row: ConflictRow) -> Self {
        Conflict {
            id: row.id,
            proposal_id: row.proposal_id,
            reviewer_id: row.reviewer_id,
            reason: row.reason,
            declared_by: row.declared_by,
            created_at: row.created_at.shown(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareConflict {
    pub reviewer_id: String,
    /// Why the reviewer may not review this proposal.
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignReviewer {
    pub proposal_id: String,
    pub reviewer_id: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoAssign {
    /// Default: the call's `reviewers_per_proposal`.
    pub reviewers_per_proposal: Option<u32>,
    /// An upper bound on every reviewer's load in this call, on top of their own maximum.
    pub max_per_reviewer: Option<u32>,
    /// Show the pairs that would be formed and create nothing (`created: 0`).
    #[serde(default)]
    pub dry_run: bool,
}

/// A pair automatic assignment forms (or, in a dry run, would form).
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedPair {
    pub proposal_id: String,
    pub reviewer_id: String,
    /// Keywords the proposal and the reviewer's expertise share.
    pub affinity: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unfilled {
    pub proposal_id: String,
    pub missing: u32,
    /// `not_enough_eligible_reviewers` or `reviewer_load_exhausted`.
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutoAssignResult {
    /// Assignments created by this run.
    pub created: usize,
    /// Total keyword affinity of the pairs.
    pub total_affinity: u64,
    pub unfilled: Vec<Unfilled>,
    /// The pairs formed, or in a dry run the pairs that would be.
    pub pairs: Vec<AssignedPair>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Review {
    pub assignment_id: String,
    pub status: ReviewStatus,
    #[schema(value_type = Object, example = json!({ "feasibility": "A" }))]
    pub grades: BTreeMap<String, Grade>,
    pub comments: BTreeMap<String, String>,
    #[schema(value_type = Option<String>, example = "A")]
    pub overall_grade: Option<Grade>,
    pub overall_comment: Option<String>,
    pub submitted_at: Option<DateTime<FixedOffset>>,
    pub updated_at: DateTime<FixedOffset>,
}

/// The review of an assignment as it stands now.
pub fn review(conn: &mut DbConn, assignment_id: &str) -> ApiResult<Review> {
    let row = assignments::review(conn, assignment_id)?.ok_or_else(|| ApiError::not_found("review"))?;
    let content = row.content()?;
    Ok(Review {
        assignment_id: row.assignment_id.clone(),
        status: row.status(),
        grades: content.grades,
        comments: content.comments,
        overall_grade: content.overall_grade,
        overall_comment: content.overall_comment,
        submitted_at: row.submitted_at.map(Instant::shown),
        updated_at: row.updated_at.shown(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedProposal {
    pub proposal_id: String,
    pub receipt_number: Option<String>,
    pub title: Option<String>,
    pub lead_prefecture_code: String,
    pub requested_amount_yen: Option<i64>,
    pub rank: u32,
    /// Mean over submitted reviews of each review's weighted mean (S=4 … C=1), 1.00–4.00.
    pub score: Option<f64>,
    /// The score with each reviewer's grades standardised against that reviewer's own mean
    /// and spread over the call, put back on the call's scale.
    pub calibrated_score: Option<f64>,
    pub reviews: u32,
    /// Highest minus lowest review score.
    pub spread: Option<f64>,
    /// Mean points per criterion.
    pub criteria: BTreeMap<String, f64>,
    /// Counts of S, A, B, C over every criterion grade.
    #[schema(value_type = Object, example = json!({ "S": 2, "A": 3, "B": 1, "C": 0 }))]
    pub grades: GradeCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ranking {
    pub items: Vec<RankedProposal>,
    pub total: i64,
    /// Whose reviews ranked: the `document` or the `hearing` stage.
    pub stage: ReviewStage,
}
