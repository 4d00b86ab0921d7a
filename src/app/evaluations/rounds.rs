//! Opening an evaluation round over a call's projects, reading it, and changing its terms while
//! they may change (items and adjustments until the first grade is saved).

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::app::access::require_version;
use crate::app::calls::parse_field;
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::call::Criterion;
use crate::domain::evaluation::{self, EvaluationKind, EvaluationStatus};
use crate::domain::project::{Adjustments, Phase};
use crate::domain::time::Instant;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::mail::templates::{self, EvaluationRoundNotice};
use crate::repo::evaluations::{self, EvaluationRow};
use crate::repo::projects::{self, ProjectRow};
use crate::repo::{calls, new_id, users};

pub fn evaluation_not_found() -> ApiError {
    ApiError::not_found("evaluation")
}

/// An evaluation round as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Evaluation {
    pub id: String,
    pub call_id: String,
    pub kind: EvaluationKind,
    pub fiscal_year: i32,
    pub title: String,
    /// The weighted items evaluators grade S/A/B/C.
    pub items: Vec<Criterion>,
    pub self_evaluation_due: DateTime<FixedOffset>,
    /// Percent applied to later fiscal years per overall grade (interim rounds).
    pub adjustments: Adjustments,
    pub status: EvaluationStatus,
    /// When the first grade was saved: items and adjustments are fixed from then on.
    pub grading_started_at: Option<DateTime<FixedOffset>>,
    /// When the lead prefectures still owing a self-evaluation were reminded.
    pub reminded_at: Option<DateTime<FixedOffset>>,
    pub published_at: Option<DateTime<FixedOffset>>,
    pub version: i32,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

impl Evaluation {
    pub fn of(row: EvaluationRow) -> ApiResult<Self> {
        Ok(Evaluation {
            items: row.items()?,
            adjustments: row.adjustments(),
            id: row.id,
            call_id: row.call_id,
            kind: row.kind,
            fiscal_year: row.fiscal_year,
            title: row.title,
            self_evaluation_due: row.self_evaluation_due.shown(),
            status: row.status,
            grading_started_at: row.grading_started_at.map(Instant::shown),
            reminded_at: row.reminded_at.map(Instant::shown),
            published_at: row.published_at.map(Instant::shown),
            version: row.version,
            created_at: row.created_at.shown(),
            updated_at: row.updated_at.shown(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEvaluation {
    pub kind: EvaluationKind,
    /// Within the fiscal years the call's projects are scheduled for.
    #[schema(example = 2027)]
    pub fiscal_year: i32,
    #[schema(example = "令和9年度 中間評価")]
    pub title: String,
    /// Default: 003's 中間評価 items (technical 3, regional_initiative 2, organization 2,
    /// self_evaluation 1, cluster_potential 2).
    pub items: Option<Vec<Criterion>>,
    /// In the future.
    pub self_evaluation_due: DateTime<FixedOffset>,
    /// Default: 100 for every grade.
    pub adjustments: Option<Adjustments>,
}

/// The round's projects: the call's active ones.
pub fn evaluated_projects(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<Vec<ProjectRow>> {
    Ok(projects::of_call(tx.conn, call_id)?.into_iter().filter(|p| p.phase == Phase::Active).collect())
}

fn due_problems(due: DateTime<Utc>, now: DateTime<Utc>) -> Vec<FieldError> {
    if due > now { Vec::new() } else { vec![FieldError::new("self_evaluation_due", "in_the_past", "the due date must be in the future")] }
}

/// The round's notice for one project, with its link and due date in JST.
pub fn notice_email(round: &EvaluationRow, project: &ProjectRow, base_url: &str, write: fn(&EvaluationRoundNotice<'_>) -> templates::Email) -> templates::Email {
    let due = round.self_evaluation_due.shown().format("%Y-%m-%d %H:%M JST").to_string();
    let link = format!("{}/projects/{}", base_url.trim_end_matches('/'), project.id);
    let kind_en = match round.kind {
        EvaluationKind::Interim => "interim",
        EvaluationKind::ExPost => "ex-post",
    };
    write(&EvaluationRoundNotice {
        round_title: &round.title,
        kind_ja: round.kind.name_ja(),
        kind_en,
        project_title: &project.title,
        due: &due,
        link: &link,
    })
}

/// Emails `write`'s notice about `project` to its lead prefecture's officers.
pub fn tell_lead(tx: &mut Tx<'_>, round: &EvaluationRow, project: &ProjectRow, base_url: &str, write: fn(&EvaluationRoundNotice<'_>) -> templates::Email) -> ApiResult<()> {
    let email = notice_email(round, project, base_url, write);
    for officer in users::active_applicants_of(tx.conn, &[project.lead_prefecture_code])? {
        tx.enqueue(&officer.email, &email)?;
    }
    Ok(())
}

/// A program officer opens a round over a call's active projects; each lead prefecture is told
/// when its self-evaluation is due.
pub fn create(tx: &mut Tx<'_>, admin: &CurrentUser, call_id: &str, input: CreateEvaluation, base_url: &str) -> ApiResult<Evaluation> {
    // The call's row lock orders the round after any publication of decisions making projects.
    calls::lock(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let evaluated = evaluated_projects(tx, call_id)?;
    let span = evaluations::schedule_span(tx.conn, call_id)?;
    let Some(span) = span.filter(|_| !evaluated.is_empty()) else {
        return Err(ApiError::invalid_state("the call has no active projects to evaluate: decisions must be published first"));
    };
    let items = input.items.unwrap_or_else(evaluation::default_items);
    let adjustments = input.adjustments.unwrap_or_default();
    let due = input.self_evaluation_due.with_timezone(&Utc);
    let title = input.title.trim().to_string();
    let mut problems = evaluation::title_problems(&title);
    problems.extend(evaluation::item_problems(&items));
    problems.extend(adjustments.problems());
    problems.extend(evaluation::fiscal_year_problems(input.fiscal_year, span));
    problems.extend(due_problems(due, tx.now));
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let now = Instant::from(tx.now);
    let mut row = EvaluationRow {
        id: new_id(),
        call_id: call_id.to_string(),
        kind: input.kind,
        fiscal_year: input.fiscal_year,
        title,
        items: String::new(),
        self_evaluation_due: Instant::from(due),
        adjust_s: 0,
        adjust_a: 0,
        adjust_b: 0,
        adjust_c: 0,
        status: EvaluationStatus::Open,
        grading_started_at: None,
        reminded_at: None,
        published_at: None,
        version: 1,
        created_by: admin.id.clone(),
        created_at: now,
        updated_at: now,
    };
    row.set_items(&items);
    row.set_adjustments(adjustments);
    evaluations::insert(tx.conn, &row)?;
    tx.audit(
        Subject::evaluation(&row.id),
        Event::EvaluationOpened { call_id: call_id.to_string(), kind: row.kind, fiscal_year: row.fiscal_year, title: row.title.clone(), projects: evaluated.len() },
    )?;
    for project in &evaluated {
        tell_lead(tx, &row, project, base_url, templates::evaluation_opened)?;
    }
    Evaluation::of(row)
}

pub fn get(tx: &mut Tx<'_>, id: &str) -> ApiResult<Evaluation> {
    Evaluation::of(evaluations::find(tx.conn, id)?.ok_or_else(evaluation_not_found)?)
}

/// The call's rounds, oldest first.
pub fn of_call(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<Vec<Evaluation>> {
    calls::find(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    evaluations::of_call(tx.conn, call_id)?.into_iter().map(Evaluation::of).collect()
}

/// Changes a round's terms (JSON merge patch): `title` and `self_evaluation_due` while it is
/// open, `items` and `adjustments` until the first grade is saved. A moved due date clears the
/// reminder, so that the lead prefectures are reminded of the new date.
pub fn update(tx: &mut Tx<'_>, id: &str, precondition: Option<Vec<i32>>, patch: Map<String, Value>) -> ApiResult<Evaluation> {
    let mut row = evaluations::lock(tx.conn, id)?.ok_or_else(evaluation_not_found)?;
    require_version(precondition.as_deref(), row.version)?;
    if row.status == EvaluationStatus::Published {
        return Err(ApiError::invalid_state("the round is published; its terms stand"));
    }
    let mut errors = Vec::new();
    for (key, value) in &patch {
        match key.as_str() {
            "items" | "adjustments" => {
                evaluation::may_change_weights(row.grading_started_at.is_some()).map_err(|m| ApiError::invalid_state(m).with("field", key))?;
                if key == "items" {
                    if let Some(items) = parse_field::<Vec<Criterion>>(key, value, &mut errors) {
                        errors.extend(evaluation::item_problems(&items));
                        row.set_items(&items);
                    }
                } else if let Some(adjustments) = parse_field::<Adjustments>(key, value, &mut errors) {
                    errors.extend(adjustments.problems());
                    row.set_adjustments(adjustments);
                }
            }
            "title" => {
                if let Some(title) = parse_field::<String>(key, value, &mut errors) {
                    row.title = title.trim().to_string();
                    errors.extend(evaluation::title_problems(&row.title));
                }
            }
            "self_evaluation_due" => {
                if let Some(due) = parse_field::<DateTime<FixedOffset>>(key, value, &mut errors) {
                    let due = due.with_timezone(&Utc);
                    errors.extend(due_problems(due, tx.now));
                    if due != row.self_evaluation_due.utc() {
                        row.reminded_at = None;
                    }
                    row.self_evaluation_due = Instant::from(due);
                }
            }
            _ => errors.push(FieldError::new(key.as_str(), "unknown_field", "an evaluation round's title, items, adjustments and self_evaluation_due may change")),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if !evaluations::update_terms(tx.conn, &row, tx.now)? {
        return Err(ApiError::version_conflict());
    }
    tx.audit(Subject::evaluation(id), Event::EvaluationUpdated { fields: patch.keys().cloned().collect() })?;
    get(tx, id)
}
