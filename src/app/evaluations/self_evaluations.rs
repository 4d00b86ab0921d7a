//! Self-evaluations (自己評価書): written by a project's lead prefecture before the round's due
//! date, read by the program officer; and the reminder sent a week before the due date.

use chrono::{DateTime, Duration, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::projects::{self as project_access, ProjectRelation, project_not_found};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::evaluation::{self, EvaluationStatus, REMINDER_WINDOW_DAYS};
use crate::error::{ApiError, ApiResult};
use crate::mail::templates;
use crate::repo::evaluations::{self, EvaluationRow, SelfEvaluationRow};

use super::rounds::{evaluated_projects, evaluation_not_found, tell_lead};

#[derive(Debug, Serialize, ToSchema)]
pub struct SelfEvaluation {
    pub evaluation_id: String,
    pub project_id: String,
    pub text: String,
    pub self_evaluation_due: DateTime<FixedOffset>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

impl SelfEvaluation {
    fn of(row: SelfEvaluationRow, round: &EvaluationRow) -> Self {
        SelfEvaluation {
            evaluation_id: row.evaluation_id,
            project_id: row.project_id,
            text: row.text,
            self_evaluation_due: round.self_evaluation_due.shown(),
            created_at: row.created_at.shown(),
            updated_at: row.updated_at.shown(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteSelfEvaluation {
    /// 1–20,000 characters.
    pub text: String,
}

fn evaluation_closed(round: &EvaluationRow) -> ApiError {
    ApiError::conflict("evaluation_closed", "the self-evaluation of this round is closed: its due date has passed")
        .with("self_evaluation_due", round.self_evaluation_due.shown())
}

/// The round and the project, checked to belong together, for an admin or the lead prefecture.
fn round_and_project(tx: &mut Tx<'_>, user: &CurrentUser, evaluation_id: &str, project_id: &str, lock: bool) -> ApiResult<EvaluationRow> {
    let round = evaluations::find(tx.conn, evaluation_id)?.ok_or_else(evaluation_not_found)?;
    let loaded = if lock { project_access::lock(tx, project_id, user)? } else { project_access::load(tx, project_id, user)? };
    if loaded.row.call_id != round.call_id {
        return Err(project_not_found());
    }
    if loaded.relation != ProjectRelation::Admin {
        loaded.require_lead()?;
    }
    Ok(round)
}

/// The lead prefecture writes (or rewrites) its self-evaluation, until the due date.
pub fn write(tx: &mut Tx<'_>, lead: &CurrentUser, evaluation_id: &str, project_id: &str, input: WriteSelfEvaluation) -> ApiResult<SelfEvaluation> {
    let round = round_and_project(tx, lead, evaluation_id, project_id, true)?;
    if lead.role != crate::domain::user::Role::Applicant {
        return Err(ApiError::forbidden("the lead prefecture writes its self-evaluation"));
    }
    if round.status == EvaluationStatus::Published || !evaluation::self_evaluation_open(round.self_evaluation_due.utc(), tx.now) {
        return Err(evaluation_closed(&round));
    }
    let text = input.text.trim().to_string();
    let problems = evaluation::self_evaluation_problems(&text);
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    evaluations::save_self_evaluation(tx.conn, evaluation_id, project_id, &text, &lead.id, tx.now)?;
    tx.audit(Subject::project(project_id), Event::SelfEvaluationSaved { evaluation_id: evaluation_id.to_string() })?;
    read(tx, lead, evaluation_id, project_id)
}

/// A self-evaluation, for the program officer or the lead prefecture; 404 until written.
pub fn read(tx: &mut Tx<'_>, user: &CurrentUser, evaluation_id: &str, project_id: &str) -> ApiResult<SelfEvaluation> {
    let round = round_and_project(tx, user, evaluation_id, project_id, false)?;
    let row = evaluations::self_evaluation(tx.conn, evaluation_id, project_id)?.ok_or_else(|| ApiError::not_found("self-evaluation"))?;
    Ok(SelfEvaluation::of(row, &round))
}

/// Whether a round waits for its reminder now: a cheap read, so that the background loop
/// opens a write transaction only when there is something to send.
pub fn reminders_pending(tx: &mut Tx<'_>) -> ApiResult<bool> {
    Ok(!evaluations::due_for_reminder(tx.conn, tx.now, tx.now + Duration::days(REMINDER_WINDOW_DAYS))?.is_empty())
}

/// Reminds the lead prefectures of every open round due within 7 days whose self-evaluation is
/// still missing, once per round. Returns the number of emails queued.
pub fn remind_due(tx: &mut Tx<'_>, base_url: &str) -> ApiResult<usize> {
    let rounds = evaluations::due_for_reminder(tx.conn, tx.now, tx.now + Duration::days(REMINDER_WINDOW_DAYS))?;
    let before = tx.emails_queued();
    for round in rounds {
        // Claimed in the database: two loops (two server processes) remind once between them.
        if !evaluation::reminder_due(round.self_evaluation_due.utc(), tx.now) || !evaluations::mark_reminded(tx.conn, &round.id, tx.now)? {
            continue;
        }
        let written = evaluations::self_evaluated(tx.conn, &round.id)?;
        let missing: Vec<_> = evaluated_projects(tx, &round.call_id)?.into_iter().filter(|p| !written.contains(&p.id)).collect();
        for project in &missing {
            tell_lead(tx, &round, project, base_url, templates::self_evaluation_reminder)?;
        }
        tx.audit(Subject::evaluation(&round.id), Event::SelfEvaluationReminded { projects: missing.into_iter().map(|p| p.id).collect() })?;
    }
    Ok(tx.emails_queued() - before)
}

/// One pass of the reminder, for the background loop: a read to see whether any round waits,
/// then the write that sends. Errors are logged by the caller and retried on the next pass.
pub async fn remind_pass(state: &crate::state::AppState) -> ApiResult<usize> {
    let system = crate::repo::audit::Actor::system;
    if !state.read(system(), reminders_pending).await? {
        return Ok(0);
    }
    let base_url = state.settings.app.public_base_url.clone();
    state.write(system(), move |tx| remind_due(tx, &base_url)).await
}
