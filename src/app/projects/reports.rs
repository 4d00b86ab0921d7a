//! 実績報告: the lead prefecture reports each scheduled fiscal year — drafts first, then one
//! submission that locks the report — and the program officer follows each KPI against the
//! straight line from baseline to target.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::access::require_version;
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::proposal::content::Measure;
use crate::domain::report::{self, KpiActual, KpiLine, Outcomes, ReportInput, ReportStatus};
use crate::error::{ApiError, ApiResult};
use crate::repo::reports::{self, ReportRow};
use crate::repo::calls;

use super::view::{Project, ProjectKpi};
use super::{lock, load, view_of};

/// A progress report as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressReport {
    pub project_id: String,
    pub fiscal_year: i32,
    pub status: ReportStatus,
    pub kpis: Vec<KpiActual>,
    pub outcomes: Outcomes,
    pub narrative: String,
    pub version: i32,
    pub submitted_at: Option<DateTime<FixedOffset>>,
    pub updated_at: DateTime<FixedOffset>,
}

impl ProgressReport {
    fn of(row: &ReportRow) -> ApiResult<Self> {
        Ok(ProgressReport {
            project_id: row.project_id.clone(),
            fiscal_year: row.fiscal_year,
            status: row.status,
            kpis: row.kpis()?,
            outcomes: row.outcomes(),
            narrative: row.narrative.clone(),
            version: row.version,
            submitted_at: row.submitted_at.map(|t| t.shown()),
            updated_at: row.updated_at.shown(),
        })
    }
}

/// One KPI of a project against its straight line, in the year of its latest submitted report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiProgressItem {
    pub project_id: String,
    pub kpi: String,
    pub baseline: Option<Measure>,
    pub target: Option<Measure>,
    pub target_fiscal_year: Option<i32>,
    /// The fiscal year of the latest submitted report.
    pub fiscal_year: i32,
    pub actual: Option<Measure>,
    /// Where the straight line from the baseline (the call's fiscal year) to the target stands
    /// that year; null when the baseline or target has no number.
    pub expected: Option<f64>,
    /// The actual is at least as far along toward the target as expected (below it for a
    /// falling target); null when there is no line or the actual has no number.
    pub on_track: Option<bool>,
}

fn report_locked() -> ApiError {
    ApiError::conflict("report_locked", "the report is submitted and locked")
}

fn kpi_names(project: &Project) -> Vec<&str> {
    project.kpis.iter().map(|k| k.name.as_str()).collect()
}

/// The project, locked, for its lead prefecture, and the fiscal year checked against its
/// schedule (404 outside it).
fn lead_project_in_year(tx: &mut Tx<'_>, lead: &CurrentUser, project_id: &str, fiscal_year: i32) -> ApiResult<Project> {
    let loaded = lock(tx, project_id, lead)?;
    loaded.require_lead()?;
    let project = view_of(tx, &loaded)?;
    if !project.schedule.iter().any(|y| y.fiscal_year == fiscal_year) {
        return Err(ApiError::not_found("scheduled fiscal year"));
    }
    Ok(project)
}

/// The year's draft, if one is saved, at the version the caller based the change on; a
/// submitted report is locked.
fn open_draft(tx: &mut Tx<'_>, project_id: &str, fiscal_year: i32, precondition: &Option<Vec<i32>>) -> ApiResult<Option<ReportRow>> {
    let existing = reports::find(tx.conn, project_id, fiscal_year)?;
    if let Some(row) = &existing {
        if row.status == ReportStatus::Submitted {
            return Err(report_locked());
        }
        require_version(precondition.as_deref(), row.version)?;
    }
    Ok(existing)
}

fn shown(tx: &mut Tx<'_>, project_id: &str, fiscal_year: i32) -> ApiResult<ProgressReport> {
    let row = reports::find(tx.conn, project_id, fiscal_year)?.ok_or_else(|| ApiError::not_found("report"))?;
    ProgressReport::of(&row)
}

/// Saves the year's report as a draft (created on first save). A draft may leave values out;
/// those given must be valid. A submitted report is locked (409 `report_locked`).
pub fn save(tx: &mut Tx<'_>, lead: &CurrentUser, project_id: &str, fiscal_year: i32, precondition: &Option<Vec<i32>>, input: ReportInput) -> ApiResult<ProgressReport> {
    let project = lead_project_in_year(tx, lead, project_id, fiscal_year)?;
    let existing = open_draft(tx, project_id, fiscal_year, precondition)?;
    let content = report::parse_report(input, &kpi_names(&project)).map_err(ApiError::validation)?;
    if existing.is_some() {
        if !reports::update_draft(tx.conn, project_id, fiscal_year, &content, &lead.id, tx.now)? {
            return Err(report_locked());
        }
    } else {
        reports::insert_draft(tx.conn, project_id, fiscal_year, &content, &lead.id, tx.now)?;
    }
    tx.audit(Subject::project(project_id), Event::ReportSaved { fiscal_year })?;
    shown(tx, project_id, fiscal_year)
}

/// Submits the year's report: every KPI of the project, every outcome count and a narrative,
/// else 422 listing all that is missing. The report is then locked.
pub fn submit(tx: &mut Tx<'_>, lead: &CurrentUser, project_id: &str, fiscal_year: i32, precondition: &Option<Vec<i32>>) -> ApiResult<ProgressReport> {
    let project = lead_project_in_year(tx, lead, project_id, fiscal_year)?;
    let existing = open_draft(tx, project_id, fiscal_year, precondition)?;
    let content = existing.as_ref().map(ReportRow::content).transpose()?.unwrap_or_default();
    let problems = report::submission_problems(&content, &kpi_names(&project));
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    if !reports::submit(tx.conn, project_id, fiscal_year, &lead.id, tx.now)? {
        return Err(report_locked());
    }
    tx.audit(Subject::project(project_id), Event::ReportSubmitted { fiscal_year })?;
    shown(tx, project_id, fiscal_year)
}

/// A project's reports, drafts included, for the program officers and the prefectures taking
/// part.
pub fn list(tx: &mut Tx<'_>, user: &CurrentUser, project_id: &str) -> ApiResult<Vec<ProgressReport>> {
    let loaded = load(tx, project_id, user)?;
    reports::of_project(tx.conn, &loaded.row.id)?.iter().map(ProgressReport::of).collect()
}

/// For a call: each KPI of each project in the year of the project's latest submitted report,
/// against the straight line from baseline to target. Projects without a submitted report are
/// not listed.
pub fn kpi_progress(tx: &mut Tx<'_>, admin: &CurrentUser, call_id: &str) -> ApiResult<Vec<KpiProgressItem>> {
    let call = calls::find(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let projects = super::list(tx, admin, Some(call_id))?;
    let latest = reports::latest_submitted_of_call(tx.conn, call_id)?;
    let mut items = Vec::new();
    for project in &projects {
        let Some(report) = latest.iter().find(|r| r.project_id == project.id) else { continue };
        let actuals = report.kpis()?;
        for kpi in &project.kpis {
            let actual = actuals.iter().find(|a| a.name == kpi.name).and_then(|a| a.actual.clone());
            items.push(progress_item(project, kpi, call.fiscal_year, report.fiscal_year, actual));
        }
    }
    Ok(items)
}

fn progress_item(project: &Project, kpi: &ProjectKpi, call_fiscal_year: i32, fiscal_year: i32, actual: Option<Measure>) -> KpiProgressItem {
    let line = KpiLine { baseline: kpi.baseline.as_ref(), target: kpi.target.as_ref(), target_fiscal_year: kpi.target_fiscal_year, call_fiscal_year };
    let progress = line.progress(fiscal_year, actual.as_ref());
    KpiProgressItem {
        project_id: project.id.clone(),
        kpi: kpi.name.clone(),
        baseline: kpi.baseline.clone(),
        target: kpi.target.clone(),
        target_fiscal_year: kpi.target_fiscal_year,
        fiscal_year,
        actual,
        expected: progress.expected,
        on_track: progress.on_track,
    }
}
