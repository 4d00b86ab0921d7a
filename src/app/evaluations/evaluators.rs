//! Evaluators (reviewer accounts) assigned to a round's projects, and their reviews graded
//! S/A/B/C on the round's items. The reviewer works through the same paths as for proposals
//! (`/assignments/{id}/…`): `crate::app::review` hands an id that is not a proposal assignment
//! over to the functions here.

use std::collections::HashMap;

use crate::app::review::view::{Assignment, MyAssignment, Review};
use crate::app::review::workspace::Workspace;
use crate::app::review::{assignments_link, conflict_of_interest, reviewer_account};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::domain::evaluation::{self, EvaluationStatus};
use crate::domain::project::Phase;
use crate::domain::review::{self, AssignmentStatus, ReviewInput, ReviewStage, ReviewStatus};
use crate::domain::time::Instant;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates;
use crate::repo::evaluations::{self, EvaluationAssignmentRow, EvaluationRow};
use crate::repo::projects::{self, ProjectRow};
use crate::repo::{assignments, new_id, proposals, users};

use super::rounds::evaluation_not_found;

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignEvaluator {
    pub project_id: String,
    pub reviewer_id: String,
}

fn assignment_not_found() -> ApiError {
    ApiError::not_found("assignment")
}

fn review_locked(why: &str) -> ApiError {
    ApiError::conflict("review_locked", why.to_string())
}

/// Whether `id` names an evaluator assignment (so the review use-cases hand it over here).
pub fn is_evaluation_assignment(conn: &mut DbConn, id: &str) -> ApiResult<bool> {
    Ok(evaluations::find_assignment(conn, id)?.is_some())
}

/// An evaluator assignment in the shape of a proposal assignment, plus its round and project.
/// `stage` is `document`: the evaluator grades the project's written record.
fn view_of(row: EvaluationAssignmentRow, round: &EvaluationRow, project: &ProjectRow, review_status: Option<ReviewStatus>) -> Assignment {
    Assignment {
        id: row.id,
        call_id: round.call_id.clone(),
        proposal_id: project.proposal_id.clone(),
        reviewer_id: row.reviewer_id,
        status: row.status,
        stage: ReviewStage::Document,
        review_status,
        affinity: 0,
        origin: row.origin,
        decline_reason: row.decline_reason,
        created_at: row.created_at.shown(),
        evaluation_id: Some(row.evaluation_id),
        project_id: Some(row.project_id),
    }
}

fn round_and_project(conn: &mut DbConn, row: &EvaluationAssignmentRow) -> ApiResult<(EvaluationRow, ProjectRow)> {
    let round = evaluations::find(conn, &row.evaluation_id)?.ok_or_else(evaluation_not_found)?;
    let project = projects::find(conn, &row.project_id)?.ok_or_else(|| ApiError::not_found("project"))?;
    Ok((round, project))
}

fn assignment(conn: &mut DbConn, id: &str) -> ApiResult<Assignment> {
    let row = evaluations::find_assignment(conn, id)?.ok_or_else(assignment_not_found)?;
    let (round, project) = round_and_project(conn, &row)?;
    let status = evaluations::review(conn, id)?.map(|r| r.status);
    Ok(view_of(row, &round, &project, status))
}

/// The conflict rules of proposals, applied to the project's proposal.
fn require_no_conflict(conn: &mut DbConn, project: &ProjectRow, reviewer: &users::UserRow) -> ApiResult<()> {
    let proposal = proposals::find(conn, &project.proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
    match assignments::conflict_of(conn, &proposal, reviewer)? {
        Some(reason) => Err(conflict_of_interest(reason)),
        None => Ok(()),
    }
}

/// A program officer assigns an evaluator to one of the round's projects: a reviewer account
/// without a conflict with the project's proposal; the evaluator is emailed.
pub fn assign(tx: &mut Tx<'_>, admin: &CurrentUser, evaluation_id: &str, input: AssignEvaluator, base_url: &str) -> ApiResult<Assignment> {
    let AssignEvaluator { project_id, reviewer_id } = input;
    let round = evaluations::lock(tx.conn, evaluation_id)?.ok_or_else(evaluation_not_found)?;
    if round.status == EvaluationStatus::Published {
        return Err(ApiError::invalid_state("the round is published"));
    }
    let project = projects::find(tx.conn, &project_id)?
        .filter(|p| p.call_id == round.call_id)
        .ok_or_else(|| ApiError::field("project_id", "not_found", "no project with this id in this round's call"))?;
    if project.phase != Phase::Active {
        return Err(ApiError::invalid_state(format!("a {} project is not evaluated", project.phase)));
    }
    let reviewer = reviewer_account(tx.conn, &reviewer_id)?;
    require_no_conflict(tx.conn, &project, &reviewer)?;
    let id = match evaluations::find_triple(tx.conn, evaluation_id, &project_id, &reviewer_id)? {
        Some(existing) if existing.removed_at.is_none() && existing.status.is_active() => {
            return Err(ApiError::conflict("already_assigned", "this evaluator is already assigned to this project in this round"));
        }
        // One row per triple: an evaluator who declined may be asked again by hand.
        Some(existing) => {
            evaluations::set_assignment_status(tx.conn, &existing.id, AssignmentStatus::Pending, None, tx.now)?;
            existing.id
        }
        None => {
            let now = Instant::from(tx.now);
            let row = EvaluationAssignmentRow {
                id: new_id(),
                evaluation_id: evaluation_id.to_string(),
                project_id: project_id.clone(),
                reviewer_id: reviewer_id.clone(),
                status: AssignmentStatus::Pending,
                decline_reason: None,
                origin: "manual".into(),
                created_by: admin.id.clone(),
                created_at: now,
                updated_at: now,
                removed_at: None,
            };
            evaluations::insert_assignment(tx.conn, &row)?;
            row.id
        }
    };
    tx.audit(Subject::assignment(&id), Event::EvaluatorAssigned { evaluation_id: evaluation_id.to_string(), project_id, reviewer_id })?;
    tx.enqueue(&reviewer.email, &templates::assignments_notice(&reviewer.name, 1, &round.title, &assignments_link(base_url)))?;
    assignment(tx.conn, &id)
}

/// The round's evaluator assignments.
pub fn of_round(tx: &mut Tx<'_>, evaluation_id: &str) -> ApiResult<Vec<Assignment>> {
    let round = evaluations::find(tx.conn, evaluation_id)?.ok_or_else(evaluation_not_found)?;
    let rows = evaluations::assignments_of_round(tx.conn, evaluation_id)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let statuses = evaluations::review_statuses(tx.conn, &ids)?;
    let projects: HashMap<String, ProjectRow> = projects::of_call(tx.conn, &round.call_id)?.into_iter().map(|p| (p.id.clone(), p)).collect();
    rows.into_iter()
        .map(|row| {
            let project = projects.get(&row.project_id).cloned().ok_or_else(|| ApiError::not_found("project"))?;
            let status = statuses.get(&row.id).copied();
            Ok(view_of(row, &round, &project, status))
        })
        .collect()
}

/// The calling evaluator's assignments, with their projects' titles.
pub fn mine(tx: &mut Tx<'_>, reviewer: &CurrentUser) -> ApiResult<Vec<MyAssignment>> {
    let rows = evaluations::assignments_of_reviewer(tx.conn, &reviewer.id)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let statuses = evaluations::review_statuses(tx.conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let (round, project) = round_and_project(tx.conn, &row)?;
            let status = statuses.get(&row.id).copied();
            Ok(MyAssignment {
                project_title: Some(project.title.clone()),
                proposal_title: None,
                receipt_number: None,
                lead_prefecture_code: Some(project.lead_prefecture_code.to_string()),
                assignment: view_of(row, &round, &project, status),
            })
        })
        .collect()
}

/// The round, then the assignment, locked in that order (the order publication takes), for a
/// change by the assignment's evaluator while the round is open.
fn own_locked(tx: &mut Tx<'_>, id: &str, reviewer_id: &str) -> ApiResult<(EvaluationAssignmentRow, EvaluationRow)> {
    let found = evaluations::find_assignment(tx.conn, id)?.filter(|a| a.reviewer_id == reviewer_id).ok_or_else(assignment_not_found)?;
    let round = evaluations::lock(tx.conn, &found.evaluation_id)?.ok_or_else(evaluation_not_found)?;
    let row = evaluations::lock_assignment(tx.conn, id)?.filter(|a| a.reviewer_id == reviewer_id).ok_or_else(assignment_not_found)?;
    if round.status == EvaluationStatus::Published {
        return Err(review_locked("the round is published; its reviews stand as they are"));
    }
    Ok((row, round))
}

/// An assignment its evaluator may grade now: active and still without a conflict.
fn workable(tx: &mut Tx<'_>, id: &str, reviewer_id: &str) -> ApiResult<(EvaluationAssignmentRow, EvaluationRow)> {
    let (row, round) = own_locked(tx, id, reviewer_id)?;
    if !row.status.is_active() {
        return Err(ApiError::invalid_state("this assignment was declined"));
    }
    let project = projects::find(tx.conn, &row.project_id)?.ok_or_else(|| ApiError::not_found("project"))?;
    let reviewer = users::find(tx.conn, reviewer_id)?.ok_or_else(|| ApiError::not_found("reviewer"))?;
    require_no_conflict(tx.conn, &project, &reviewer)?;
    Ok((row, round))
}

/// The evaluator's review, or a program officer's reading of it.
pub fn get_review(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<Review> {
    let row = evaluations::find_assignment(tx.conn, id)?.ok_or_else(assignment_not_found)?;
    if !(user.role == Role::Admin || (user.role == Role::Reviewer && row.reviewer_id == user.id)) {
        return Err(assignment_not_found());
    }
    review_view(tx.conn, id)
}

fn review_view(conn: &mut DbConn, id: &str) -> ApiResult<Review> {
    let row = evaluations::review(conn, id)?.ok_or_else(|| ApiError::not_found("review"))?;
    let content = row.content()?;
    Ok(Review {
        assignment_id: row.assignment_id,
        status: row.status,
        grades: content.grades,
        comments: content.comments,
        overall_grade: None,
        overall_comment: content.overall_comment,
        submitted_at: row.submitted_at.map(Instant::shown),
        updated_at: row.updated_at.shown(),
    })
}

/// Saves a draft graded on the round's items (an `overall_grade` is not kept: a round's overall
/// grade is computed at publication). The first grade saved fixes the round's weights.
pub fn save_review(tx: &mut Tx<'_>, reviewer: &CurrentUser, id: &str, input: ReviewInput) -> ApiResult<Review> {
    let (row, round) = workable(tx, id, &reviewer.id)?;
    if evaluations::review(tx.conn, id)?.is_some_and(|r| r.status == ReviewStatus::Submitted) {
        return Err(review_locked("the review is submitted and locked"));
    }
    let input = ReviewInput { overall_grade: None, ..input };
    let content = review::parse_review(&round.items()?, input).map_err(ApiError::validation)?;
    evaluations::save_review(tx.conn, id, &content, tx.now)?;
    if !content.grades.is_empty() {
        evaluations::start_grading(tx.conn, &round.id, tx.now)?;
    }
    if row.status == AssignmentStatus::Pending {
        evaluations::set_assignment_status(tx.conn, id, AssignmentStatus::Accepted, None, tx.now)?;
    }
    tx.audit(Subject::assignment(id), Event::EvaluationReviewSaved { evaluation_id: row.evaluation_id, project_id: row.project_id })?;
    review_view(tx.conn, id)
}

/// Submits the review once every item is graded; it is then locked.
pub fn submit_review(tx: &mut Tx<'_>, reviewer: &CurrentUser, id: &str) -> ApiResult<Review> {
    let (row, round) = workable(tx, id, &reviewer.id)?;
    let saved = evaluations::review(tx.conn, id)?;
    if saved.as_ref().is_some_and(|r| r.status == ReviewStatus::Submitted) {
        return Err(review_locked("the review is submitted and locked"));
    }
    let content = saved.map(|r| r.content()).transpose()?.unwrap_or_default();
    let problems = evaluation::submission_problems(&round.items()?, &content);
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    if !evaluations::set_review_status(tx.conn, id, ReviewStatus::Draft, ReviewStatus::Submitted, tx.now)? {
        return Err(review_locked("the review is submitted and locked"));
    }
    tx.audit(Subject::assignment(id), Event::EvaluationReviewSubmitted { evaluation_id: row.evaluation_id, project_id: row.project_id })?;
    review_view(tx.conn, id)
}

/// The evaluator accepts (accepting twice changes nothing).
pub fn accept(tx: &mut Tx<'_>, reviewer: &CurrentUser, id: &str) -> ApiResult<Assignment> {
    let (row, _) = own_locked(tx, id, &reviewer.id)?;
    let next = row.status.accept().map_err(ApiError::invalid_state)?;
    if next != row.status {
        evaluations::set_assignment_status(tx.conn, id, next, None, tx.now)?;
        tx.audit(Subject::assignment(id), Event::EvaluationAssignmentAccepted { evaluation_id: row.evaluation_id, project_id: row.project_id })?;
    }
    assignment(tx.conn, id)
}

/// The evaluator declines, until the review is submitted.
pub fn decline(tx: &mut Tx<'_>, reviewer: &CurrentUser, id: &str, reason: Option<String>) -> ApiResult<Assignment> {
    let reason = reason.map(|r| r.chars().take(2000).collect::<String>());
    let (row, _) = own_locked(tx, id, &reviewer.id)?;
    let review = evaluations::review(tx.conn, id)?.map(|r| r.status);
    let next = row.status.decline(review).map_err(|m| if review == Some(ReviewStatus::Submitted) { review_locked(m) } else { ApiError::invalid_state(m) })?;
    evaluations::set_assignment_status(tx.conn, id, next, reason.as_deref(), tx.now)?;
    tx.audit(Subject::assignment(id), Event::EvaluationAssignmentDeclined { evaluation_id: row.evaluation_id, project_id: row.project_id, reason })?;
    assignment(tx.conn, id)
}

/// A program officer returns a submitted review to its evaluator, unlocking it, while the round
/// is open; the evaluator is told why by email.
pub fn give_back(tx: &mut Tx<'_>, id: &str, reason: Option<String>, base_url: &str) -> ApiResult<Review> {
    let reason = reason.unwrap_or_default().chars().take(2000).collect::<String>();
    let found = evaluations::find_assignment(tx.conn, id)?.ok_or_else(assignment_not_found)?;
    let (row, _) = own_locked(tx, id, &found.reviewer_id)?;
    if !evaluations::set_review_status(tx.conn, id, ReviewStatus::Submitted, ReviewStatus::Draft, tx.now)? {
        return Err(ApiError::invalid_state("only a submitted review can be returned"));
    }
    if let (Some(evaluator), Some(project)) = (users::find(tx.conn, &row.reviewer_id)?, projects::find(tx.conn, &row.project_id)?) {
        tx.enqueue(&evaluator.email, &templates::review_returned(&evaluator.name, &project.title, &reason, &assignments_link(base_url)))?;
    }
    tx.audit(Subject::assignment(id), Event::EvaluationReviewReturned { evaluation_id: row.evaluation_id, project_id: row.project_id, reason })?;
    review_view(tx.conn, id)
}

/// The evaluator's page: the assignment, the round's title and items, the review so far. The
/// evaluator reads the project itself in the round's materials, not as a proposal here.
pub fn workspace(tx: &mut Tx<'_>, reviewer: &CurrentUser, id: &str) -> ApiResult<Workspace> {
    let row = evaluations::find_assignment(tx.conn, id)?.filter(|a| a.reviewer_id == reviewer.id).ok_or_else(assignment_not_found)?;
    let round = evaluations::find(tx.conn, &row.evaluation_id)?.ok_or_else(evaluation_not_found)?;
    let assignment = mine(tx, reviewer)?.into_iter().find(|a| a.assignment.id == id).ok_or_else(assignment_not_found)?;
    let review = match evaluations::review(tx.conn, id)? {
        Some(_) => Some(review_view(tx.conn, id)?),
        None => None,
    };
    Ok(Workspace { assignment, call_title: round.title.clone(), proposal: None, criteria: round.items()?, review })
}
