//! 実績報告 pages: the lead prefecture's form for a scheduled fiscal year (KPI actuals, the nine
//! outcome counts, the narrative), saved as a draft or submitted after a confirmation; a
//! submitted report, and any report a partner opens, is shown read-only.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::projects::reports::{self, ProgressReport};
use crate::app::projects::{self, view::Project};
use crate::auth::CurrentUser;
use crate::domain::proposal::content::Measure;
use crate::domain::report::{KpiActual, Outcomes, ReportInput, ReportStatus};
use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::state::AppState;
use crate::web::{or_return, posted_by};

use super::{applicant, applicant_or_return};
use crate::web::account::page_or_error;
use crate::web::i18n::separated;
use crate::web::project_progress::{RT, is_lead};
use crate::web::{Chrome, Fields, Form, Page, error_page, render, see_other};

/// The outcome counts' field names, in the order of `Outcomes::entries` and of the labels.
fn outcome_names() -> [&'static str; 9] {
    Outcomes::default().entries().map(|(name, _)| name)
}

fn outcomes_of(c: [Option<i64>; 9]) -> Outcomes {
    let [papers, patents_domestic_filed, patents_domestic_granted, patents_foreign_filed, patents_foreign_granted, products, revenue_yen, press, awards] = c;
    Outcomes { papers, patents_domestic_filed, patents_domestic_granted, patents_foreign_filed, patents_foreign_granted, products, revenue_yen, press, awards }
}

/// What the form holds, as typed: one actual per KPI of the project, the counts, the narrative.
#[derive(Clone)]
struct Values {
    kpis: Vec<String>,
    counts: [String; 9],
    narrative: String,
}

fn measure_text(m: &Option<Measure>) -> String {
    match m {
        Some(Measure::Number(n)) => n.to_string(),
        Some(Measure::Text(t)) => t.clone(),
        None => String::new(),
    }
}

impl Values {
    fn of(project: &Project, report: Option<&ProgressReport>) -> Self {
        let kpis = project
            .kpis
            .iter()
            .map(|k| report.and_then(|r| r.kpis.iter().find(|a| a.name == k.name)).map(|a| measure_text(&a.actual)).unwrap_or_default())
            .collect();
        let stored = report.map(|r| r.outcomes.clone()).unwrap_or_default();
        Values { kpis, counts: stored.entries().map(|(_, c)| c.map(|c| c.to_string()).unwrap_or_default()), narrative: report.map(|r| r.narrative.clone()).unwrap_or_default() }
    }

    fn posted(project: &Project, f: &Fields) -> Self {
        Values {
            kpis: (0..project.kpis.len()).map(|i| f.text(&format!("kpi.{i}"))).collect(),
            counts: outcome_names().map(|name| f.text(&format!("outcomes.{name}"))),
            narrative: f.text("narrative"),
        }
    }

    /// The report body, or the fields that are not counts at all (a negative count is the
    /// use-case's to refuse).
    fn input(&self, project: &Project, t: &RT) -> Result<ReportInput, Vec<(Slot, String)>> {
        let kpis = project
            .kpis
            .iter()
            .zip(&self.kpis)
            .map(|(k, typed)| {
                let typed = typed.trim();
                let actual = match typed.parse::<f64>() {
                    _ if typed.is_empty() => None,
                    Ok(n) if n.is_finite() => Some(Measure::Number(n)),
                    _ => Some(Measure::Text(typed.to_string())),
                };
                KpiActual { name: k.name.clone(), actual }
            })
            .collect();
        let mut problems = Vec::new();
        let mut counts = [None; 9];
        for (i, typed) in self.counts.iter().enumerate() {
            let typed: String = typed.trim().chars().filter(|c| !matches!(c, ',' | '，')).collect();
            if typed.is_empty() {
                continue;
            }
            match typed.parse::<i64>() {
                Ok(n) => counts[i] = Some(n),
                Err(_) => problems.push((Slot::Count(i), t.not_a_count.to_string())),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ReportInput { kpis: Some(kpis), outcomes: Some(outcomes_of(counts)), narrative: Some(self.narrative.clone()) })
    }
}

/// Where a problem of the use-case is shown.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Kpi(usize),
    Count(usize),
    Narrative,
}

fn slot_of(field: &str, project: &Project) -> Option<Slot> {
    if field == "narrative" {
        return Some(Slot::Narrative);
    }
    if let Some(name) = field.strip_prefix("outcomes.") {
        return outcome_names().iter().position(|n| *n == name).map(Slot::Count);
    }
    if let Some(rest) = field.strip_prefix("kpis[") {
        return rest.split(']').next().and_then(|i| i.parse().ok()).map(Slot::Kpi);
    }
    let name = field.strip_prefix("kpis.")?;
    project.kpis.iter().position(|k| k.name == name).map(Slot::Kpi)
}

struct KpiField {
    index: usize,
    name: String,
    value: String,
    error: Option<String>,
}

struct CountField {
    name: &'static str,
    label: &'static str,
    value: String,
    /// The count as a submitted report shows it: with separators, yen for the revenue.
    shown: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "projects/report.html", config = "src/web/askama.toml")]
struct ReportPage {
    c: Chrome,
    t: &'static RT,
    project_id: String,
    project_title: String,
    fiscal_year: i32,
    status: &'static str,
    submitted_at: Option<String>,
    notice: Option<&'static str>,
    alert: Option<String>,
    gaps: Vec<String>,
    editable: bool,
    /// The confirmation before submitting: the stored report read-only, and the one button.
    confirming: bool,
    version: Option<i32>,
    kpis: Vec<KpiField>,
    counts: Vec<CountField>,
    narrative: String,
    narrative_error: Option<String>,
}

/// The project and the year's report, checked against the schedule.
struct Year {
    fiscal_year: i32,
    project: Project,
    report: Option<ProgressReport>,
    lead: bool,
}

async fn year(state: &AppState, user: &CurrentUser, id: &str, fiscal_year: i32) -> Result<Year, ApiError> {
    let (reader, id) = (user.clone(), id.to_string());
    let (project, all) = state.read(Actor::user(user), move |tx| Ok((projects::get(tx, &reader, &id)?, reports::list(tx, &reader, &id)?))).await?;
    if !project.schedule.iter().any(|y| y.fiscal_year == fiscal_year) {
        return Err(ApiError::not_found("scheduled fiscal year"));
    }
    let report = all.into_iter().find(|r| r.fiscal_year == fiscal_year);
    Ok(Year { fiscal_year, lead: is_lead(user, &project), project, report })
}

/// What the page shows besides the stored report.
#[derive(Default)]
struct Shown {
    values: Option<Values>,
    problems: Vec<(Option<Slot>, String)>,
    notice: Option<&'static str>,
    alert: Option<String>,
}

fn report_page(page: &Page, y: &Year, shown: Shown) -> ReportPage {
    let (lang, t) = (page.lang, RT::of(page.lang));
    let submitted = y.report.as_ref().is_some_and(|r| r.status == ReportStatus::Submitted);
    let values = shown.values.unwrap_or_else(|| Values::of(&y.project, y.report.as_ref()));
    let error = |slot: Slot| shown.problems.iter().find(|(s, _)| *s == Some(slot)).map(|(_, m)| m.clone());
    let label_of = |slot: Option<Slot>| match slot {
        Some(Slot::Kpi(i)) => y.project.kpis.get(i).map(|k| k.name.clone()).unwrap_or_default(),
        Some(Slot::Count(i)) => t.outcome_labels[i].to_string(),
        Some(Slot::Narrative) => t.narrative.to_string(),
        None => String::new(),
    };
    let names = outcome_names();
    let stored = y.report.as_ref().map(|r| r.outcomes.entries());
    ReportPage {
        c: page.chrome(),
        t,
        project_id: y.project.id.clone(),
        project_title: y.project.title.clone(),
        fiscal_year: y.fiscal_year,
        status: t.report_status(y.report.as_ref().map(|r| r.status)),
        submitted_at: y.report.as_ref().and_then(|r| r.submitted_at).map(|at| lang.date_time(at)),
        notice: shown.notice,
        alert: shown.alert,
        gaps: shown.problems.iter().map(|(slot, m)| if slot.is_some() { format!("{}: {m}", label_of(*slot)) } else { m.clone() }).collect(),
        confirming: false,
        editable: y.lead && !submitted && y.project.phase == crate::domain::project::Phase::Active,
        version: y.report.as_ref().map(|r| r.version),
        kpis: y
            .project
            .kpis
            .iter()
            .enumerate()
            .map(|(i, k)| KpiField { index: i, name: k.name.clone(), value: values.kpis.get(i).cloned().unwrap_or_default(), error: error(Slot::Kpi(i)) })
            .collect(),
        counts: (0..9)
            .map(|i| CountField {
                name: names[i],
                label: t.outcome_labels[i],
                value: values.counts[i].clone(),
                shown: match stored.and_then(|s| s[i].1) {
                    Some(n) if names[i] == "revenue_yen" => lang.yen(n),
                    Some(n) => separated(n),
                    None => "—".into(),
                },
                error: error(Slot::Count(i)),
            })
            .collect(),
        narrative: values.narrative,
        narrative_error: error(Slot::Narrative),
    }
}

fn render_year(page: &Page, status: StatusCode, y: &Year, shown: Shown) -> HttpResponse {
    render(page, status, &report_page(page, y, shown))
}

/// A refusal of the use-case as the form shows it: problems beside their fields (and listed
/// on top), a locked or changed report in words, with what was typed kept.
fn refused(page: &Page, y: &Year, values: Option<Values>, e: ApiError) -> HttpResponse {
    let t = RT::of(page.lang);
    let mut shown = Shown { values, ..Shown::default() };
    match e.code.as_ref() {
        _ if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            shown.problems = e.errors.iter().map(|p| (slot_of(&p.field, &y.project), t.problem(p))).collect();
        }
        "report_locked" => shown.alert = Some(t.locked.into()),
        "version_conflict" => shown.alert = Some(t.conflict.into()),
        _ => return error_page(page, &e),
    }
    render_year(page, e.status, y, shown)
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, i32)>, query: web::Query<Done>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    let (id, fiscal_year) = path.into_inner();
    let y = match year(&state, &user, &id, fiscal_year).await {
        Ok(y) => y,
        Err(e) => return error_page(&page, &e),
    };
    let t = RT::of(page.lang);
    let notice = match query.done.as_deref() {
        Some("saved") => Some(t.saved),
        Some("submitted") => Some(t.submitted),
        _ => None,
    };
    render_year(&page, StatusCode::OK, &y, Shown { notice, ..Shown::default() })
}

fn precondition(f: &Fields) -> Option<Vec<i32>> {
    f.get("version").and_then(|v| v.parse().ok()).map(|v| vec![v])
}

/// Saves the form as the year's draft; "提出" saves too, then asks for the confirmation.
pub async fn save(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, i32)>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, applicant).await);
    let (id, fiscal_year) = path.into_inner();
    let y = match year(&state, &user, &id, fiscal_year).await {
        Ok(y) => y,
        Err(e) => return error_page(&page, &e),
    };
    let values = Values::posted(&y.project, &f);
    let input = match values.input(&y.project, RT::of(page.lang)) {
        Ok(input) => input,
        Err(problems) => {
            let shown = Shown { values: Some(values), problems: problems.into_iter().map(|(s, m)| (Some(s), m)).collect(), ..Shown::default() };
            return render_year(&page, StatusCode::UNPROCESSABLE_ENTITY, &y, shown);
        }
    };
    let (writer, project_id, precondition) = (user.clone(), id.clone(), precondition(&f));
    match state.write(Actor::user(&user), move |tx| reports::save(tx, &writer, &project_id, fiscal_year, &precondition, input)).await {
        Ok(_) if f.get("action") == Some("submit") => see_other(&page, &format!("/projects/{id}/reports/{fiscal_year}/submit")),
        Ok(_) => see_other(&page, &format!("/projects/{id}/reports/{fiscal_year}?done=saved")),
        Err(e) => refused(&page, &y, Some(values), e),
    }
}

/// The saved draft read-only, with the one button that submits and locks it.
pub async fn confirm_submit(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, i32)>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    let (id, fiscal_year) = path.into_inner();
    let y = match year(&state, &user, &id, fiscal_year).await {
        Ok(y) => y,
        Err(e) => return error_page(&page, &e),
    };
    let mut r = report_page(&page, &y, Shown::default());
    if !r.editable {
        return see_other(&page, &format!("/projects/{id}/reports/{fiscal_year}"));
    }
    // The summary shows what is stored, as the submitted report will.
    r.editable = false;
    r.confirming = true;
    render(&page, StatusCode::OK, &r)
}

pub async fn submit(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, i32)>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, applicant).await);
    let (id, fiscal_year) = path.into_inner();
    let (writer, project_id, precondition) = (user.clone(), id.clone(), precondition(&f));
    match state.write(Actor::user(&user), move |tx| reports::submit(tx, &writer, &project_id, fiscal_year, &precondition)).await {
        Ok(_) => see_other(&page, &format!("/projects/{id}/reports/{fiscal_year}?done=submitted")),
        Err(e) => match year(&state, &user, &id, fiscal_year).await {
            Ok(y) => refused(&page, &y, None, e),
            Err(_) => error_page(&page, &e),
        },
    }
}

