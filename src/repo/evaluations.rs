//! Evaluation rounds: the rounds, self-evaluations, evaluator assignments and their reviews.
//! (What publication reads and writes is in `repo::evaluation_results`.)

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::dsl::{max, min};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{evaluation_assignments, evaluation_reviews, evaluations, project_years, projects, self_evaluations};
use crate::domain::call::Criterion;
use crate::domain::evaluation::{EvaluationKind, EvaluationStatus, ScheduleSpan};
use crate::domain::project::Adjustments;
use crate::domain::review::{AssignmentStatus, ReviewContent, ReviewStatus};
use crate::domain::time::Instant;
use crate::repo::CorruptRow;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluations)]
pub struct EvaluationRow {
    pub id: String,
    pub call_id: String,
    pub kind: EvaluationKind,
    pub fiscal_year: i32,
    pub title: String,
    pub items: String,
    pub self_evaluation_due: Instant,
    pub adjust_s: i32,
    pub adjust_a: i32,
    pub adjust_b: i32,
    pub adjust_c: i32,
    pub status: EvaluationStatus,
    pub grading_started_at: Option<Instant>,
    pub reminded_at: Option<Instant>,
    pub published_at: Option<Instant>,
    pub version: i32,
    pub created_by: String,
    pub created_at: Instant,
    pub updated_at: Instant,
}

fn percent(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn stored_percent(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl EvaluationRow {
    pub fn items(&self) -> Result<Vec<Criterion>, CorruptRow> {
        serde_json::from_str(&self.items).map_err(|e| CorruptRow::new("evaluations.items", &self.id, e))
    }

    pub fn adjustments(&self) -> Adjustments {
        Adjustments { S: percent(self.adjust_s), A: percent(self.adjust_a), B: percent(self.adjust_b), C: percent(self.adjust_c) }
    }

    pub fn set_adjustments(&mut self, a: Adjustments) {
        (self.adjust_s, self.adjust_a, self.adjust_b, self.adjust_c) = (stored_percent(a.S), stored_percent(a.A), stored_percent(a.B), stored_percent(a.C));
    }

    pub fn set_items(&mut self, items: &[Criterion]) {
        self.items = serde_json::to_string(items).unwrap_or_else(|_| "[]".into());
    }
}

pub fn insert(conn: &mut DbConn, row: &EvaluationRow) -> QueryResult<()> {
    diesel::insert_into(evaluations::table).values(row).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<EvaluationRow>> {
    evaluations::table.find(id).select(EvaluationRow::as_select()).get_result(conn).optional()
}

/// Reads a round holding its row lock until the transaction ends (an update that changes
/// nothing): saving a first grade and changing the weights apply one after the other.
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<Option<EvaluationRow>> {
    diesel::update(evaluations::table.find(id)).set(evaluations::version.eq(evaluations::version)).execute(conn)?;
    find(conn, id)
}

pub fn of_call(conn: &mut DbConn, call_id: &str) -> QueryResult<Vec<EvaluationRow>> {
    evaluations::table
        .filter(evaluations::call_id.eq(call_id))
        .order((evaluations::created_at.asc(), evaluations::id.asc()))
        .select(EvaluationRow::as_select())
        .load(conn)
}

/// Stores a round's changed terms if it is still at `version`; false otherwise.
pub fn update_terms(conn: &mut DbConn, row: &EvaluationRow, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(evaluations::table.find(&row.id).filter(evaluations::version.eq(row.version)))
        .set((
            evaluations::title.eq(&row.title),
            evaluations::items.eq(&row.items),
            evaluations::self_evaluation_due.eq(row.self_evaluation_due),
            evaluations::adjust_s.eq(row.adjust_s),
            evaluations::adjust_a.eq(row.adjust_a),
            evaluations::adjust_b.eq(row.adjust_b),
            evaluations::adjust_c.eq(row.adjust_c),
            evaluations::reminded_at.eq(row.reminded_at),
            evaluations::version.eq(row.version + 1),
            evaluations::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Marks the first saved grade; later calls change nothing.
pub fn start_grading(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(evaluations::table.find(id).filter(evaluations::grading_started_at.is_null()))
        .set(evaluations::grading_started_at.eq(Some(Instant::from(now))))
        .execute(conn)
        .map(|_| ())
}

/// The first and last fiscal year scheduled for the call's projects; none without projects.
pub fn schedule_span(conn: &mut DbConn, call_id: &str) -> QueryResult<Option<ScheduleSpan>> {
    let (first, last): (Option<i32>, Option<i32>) = project_years::table
        .inner_join(projects::table)
        .filter(projects::call_id.eq(call_id))
        .select((min(project_years::fiscal_year), max(project_years::fiscal_year)))
        .get_result(conn)?;
    Ok(first.zip(last).map(|(first, last)| ScheduleSpan { first, last }))
}

/// Open rounds not yet reminded whose due date is ahead and no later than `horizon`.
pub fn due_for_reminder(conn: &mut DbConn, now: DateTime<Utc>, horizon: DateTime<Utc>) -> QueryResult<Vec<EvaluationRow>> {
    evaluations::table
        .filter(evaluations::status.eq(EvaluationStatus::Open.as_str()))
        .filter(evaluations::reminded_at.is_null())
        .filter(evaluations::self_evaluation_due.gt(Instant::from(now)))
        .filter(evaluations::self_evaluation_due.le(Instant::from(horizon)))
        .select(EvaluationRow::as_select())
        .load(conn)
}

/// Claims a round's reminder; false if another pass claimed it first.
pub fn mark_reminded(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(evaluations::table.find(id).filter(evaluations::reminded_at.is_null()))
        .set(evaluations::reminded_at.eq(Some(Instant::from(now))))
        .execute(conn)?;
    Ok(updated == 1)
}

// ---- self-evaluations -------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = self_evaluations)]
pub struct SelfEvaluationRow {
    pub evaluation_id: String,
    pub project_id: String,
    pub text: String,
    pub updated_by: String,
    pub created_at: Instant,
    pub updated_at: Instant,
}

pub fn self_evaluation(conn: &mut DbConn, evaluation_id: &str, project_id: &str) -> QueryResult<Option<SelfEvaluationRow>> {
    self_evaluations::table.find((evaluation_id, project_id)).select(SelfEvaluationRow::as_select()).get_result(conn).optional()
}

/// Writes a project's self-evaluation, creating it on first save (the caller holds the
/// project's row lock, so two first saves cannot both insert).
pub fn save_self_evaluation(conn: &mut DbConn, evaluation_id: &str, project_id: &str, text: &str, by: &str, now: DateTime<Utc>) -> QueryResult<()> {
    let at = Instant::from(now);
    if self_evaluation(conn, evaluation_id, project_id)?.is_some() {
        diesel::update(self_evaluations::table.find((evaluation_id, project_id)))
            .set((self_evaluations::text.eq(text), self_evaluations::updated_by.eq(by), self_evaluations::updated_at.eq(at)))
            .execute(conn)?;
    } else {
        let row = SelfEvaluationRow {
            evaluation_id: evaluation_id.into(),
            project_id: project_id.into(),
            text: text.into(),
            updated_by: by.into(),
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(self_evaluations::table).values(&row).execute(conn)?;
    }
    Ok(())
}

/// The projects of a round that have a self-evaluation.
pub fn self_evaluated(conn: &mut DbConn, evaluation_id: &str) -> QueryResult<HashSet<String>> {
    Ok(self_evaluations::table
        .filter(self_evaluations::evaluation_id.eq(evaluation_id))
        .select(self_evaluations::project_id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

// ---- evaluator assignments --------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluation_assignments)]
pub struct EvaluationAssignmentRow {
    pub id: String,
    pub evaluation_id: String,
    pub project_id: String,
    pub reviewer_id: String,
    pub status: AssignmentStatus,
    pub decline_reason: Option<String>,
    pub origin: String,
    pub created_by: String,
    pub created_at: Instant,
    pub updated_at: Instant,
    pub removed_at: Option<Instant>,
}

pub fn insert_assignment(conn: &mut DbConn, row: &EvaluationAssignmentRow) -> QueryResult<()> {
    diesel::insert_into(evaluation_assignments::table).values(row).execute(conn).map(|_| ())
}

/// An evaluator assignment that was not removed.
pub fn find_assignment(conn: &mut DbConn, id: &str) -> QueryResult<Option<EvaluationAssignmentRow>> {
    evaluation_assignments::table
        .find(id)
        .filter(evaluation_assignments::removed_at.is_null())
        .select(EvaluationAssignmentRow::as_select())
        .get_result(conn)
        .optional()
}

/// [`find_assignment`] holding the row lock until the transaction ends.
pub fn lock_assignment(conn: &mut DbConn, id: &str) -> QueryResult<Option<EvaluationAssignmentRow>> {
    diesel::update(evaluation_assignments::table.find(id)).set(evaluation_assignments::id.eq(evaluation_assignments::id)).execute(conn)?;
    find_assignment(conn, id)
}

/// The row of a (round, project, evaluator) triple, removed or not (one row per triple).
pub fn find_triple(conn: &mut DbConn, evaluation_id: &str, project_id: &str, reviewer_id: &str) -> QueryResult<Option<EvaluationAssignmentRow>> {
    evaluation_assignments::table
        .filter(evaluation_assignments::evaluation_id.eq(evaluation_id))
        .filter(evaluation_assignments::project_id.eq(project_id))
        .filter(evaluation_assignments::reviewer_id.eq(reviewer_id))
        .select(EvaluationAssignmentRow::as_select())
        .get_result(conn)
        .optional()
}

/// Sets an assignment's status (and gives a removed one back).
pub fn set_assignment_status(conn: &mut DbConn, id: &str, status: AssignmentStatus, decline_reason: Option<&str>, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(evaluation_assignments::table.find(id))
        .set((
            evaluation_assignments::status.eq(status.as_str()),
            evaluation_assignments::decline_reason.eq(decline_reason),
            evaluation_assignments::removed_at.eq(None::<Instant>),
            evaluation_assignments::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn assignments_of_round(conn: &mut DbConn, evaluation_id: &str) -> QueryResult<Vec<EvaluationAssignmentRow>> {
    evaluation_assignments::table
        .filter(evaluation_assignments::evaluation_id.eq(evaluation_id))
        .filter(evaluation_assignments::removed_at.is_null())
        .order((evaluation_assignments::project_id.asc(), evaluation_assignments::created_at.asc(), evaluation_assignments::id.asc()))
        .select(EvaluationAssignmentRow::as_select())
        .load(conn)
}

pub fn assignments_of_reviewer(conn: &mut DbConn, reviewer_id: &str) -> QueryResult<Vec<EvaluationAssignmentRow>> {
    evaluation_assignments::table
        .filter(evaluation_assignments::reviewer_id.eq(reviewer_id))
        .filter(evaluation_assignments::removed_at.is_null())
        .order((evaluation_assignments::created_at.asc(), evaluation_assignments::id.asc()))
        .select(EvaluationAssignmentRow::as_select())
        .load(conn)
}

// ---- evaluation reviews -----------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evaluation_reviews)]
pub struct EvaluationReviewRow {
    pub assignment_id: String,
    pub grades: String,
    pub comments: String,
    pub overall_comment: Option<String>,
    pub status: ReviewStatus,
    pub submitted_at: Option<Instant>,
    pub created_at: Instant,
    pub updated_at: Instant,
}

impl EvaluationReviewRow {
    pub fn content(&self) -> Result<ReviewContent, CorruptRow> {
        let corrupt = |column, e| CorruptRow::new(column, &self.assignment_id, e);
        Ok(ReviewContent {
            grades: serde_json::from_str(&self.grades).map_err(|e| corrupt("evaluation_reviews.grades", e))?,
            comments: serde_json::from_str(&self.comments).map_err(|e| corrupt("evaluation_reviews.comments", e))?,
            overall_grade: None,
            overall_comment: self.overall_comment.clone(),
        })
    }
}

pub fn review(conn: &mut DbConn, assignment_id: &str) -> QueryResult<Option<EvaluationReviewRow>> {
    evaluation_reviews::table.find(assignment_id).select(EvaluationReviewRow::as_select()).get_result(conn).optional()
}

pub fn review_statuses(conn: &mut DbConn, assignment_ids: &[&str]) -> QueryResult<HashMap<String, ReviewStatus>> {
    Ok(evaluation_reviews::table
        .filter(evaluation_reviews::assignment_id.eq_any(assignment_ids))
        .select((evaluation_reviews::assignment_id, evaluation_reviews::status))
        .load::<(String, ReviewStatus)>(conn)?
        .into_iter()
        .collect())
}

/// Saves a draft review in the format of proposal reviews (`{"code":"S"}`), creating it on
/// first save.
pub fn save_review(conn: &mut DbConn, assignment_id: &str, content: &ReviewContent, now: DateTime<Utc>) -> QueryResult<()> {
    let grades: std::collections::BTreeMap<&String, &str> = content.grades.iter().map(|(k, g)| (k, g.as_str())).collect();
    let grades = serde_json::to_string(&grades).unwrap_or_else(|_| "{}".into());
    let comments = serde_json::to_string(&content.comments).unwrap_or_else(|_| "{}".into());
    let at = Instant::from(now);
    if review(conn, assignment_id)?.is_some() {
        diesel::update(evaluation_reviews::table.find(assignment_id))
            .set((
                evaluation_reviews::grades.eq(grades),
                evaluation_reviews::comments.eq(comments),
                evaluation_reviews::overall_comment.eq(content.overall_comment.clone()),
                evaluation_reviews::updated_at.eq(at),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(evaluation_reviews::table)
            .values((
                evaluation_reviews::assignment_id.eq(assignment_id),
                evaluation_reviews::grades.eq(grades),
                evaluation_reviews::comments.eq(comments),
                evaluation_reviews::overall_comment.eq(content.overall_comment.clone()),
                evaluation_reviews::status.eq(ReviewStatus::Draft.as_str()),
                evaluation_reviews::created_at.eq(at),
                evaluation_reviews::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Locks or unlocks a review; false if it was not in `from` any more.
pub fn set_review_status(conn: &mut DbConn, assignment_id: &str, from: ReviewStatus, to: ReviewStatus, now: DateTime<Utc>) -> QueryResult<bool> {
    let submitted_at = (to == ReviewStatus::Submitted).then(|| Instant::from(now));
    let updated = diesel::update(evaluation_reviews::table.find(assignment_id).filter(evaluation_reviews::status.eq(from.as_str())))
        .set((
            evaluation_reviews::status.eq(to.as_str()),
            evaluation_reviews::submitted_at.eq(submitted_at),
            evaluation_reviews::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}
