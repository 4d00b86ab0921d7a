//! The ranking with the decisions entered beside it, the budget that remains, the budget plan's
//! suggestion, the CSV, and publishing the decisions after a confirmation naming who is emailed.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::decisions::view::{BudgetPlan, CallDecisions, DecisionInput};
use crate::app::decisions::{self, publication};
use crate::app::officer;
use crate::app::review::ranking::{self, CallRanking};
use crate::auth::CurrentUser;
use crate::domain::decision::Outcome;
use crate::domain::money::Yen;
use crate::domain::project::{MAX_SCHEDULE_YEARS, YearAmount};
use crate::error::{ApiError, FieldError};
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::text::T;
use super::{officer, or_page, or_return, posted, texts};
use crate::web::i18n::separated;
use crate::web::present::prefecture_of;
use crate::web::{Chrome, Fields, Form, Page, render, see_other};

struct OutcomeOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct RankRow {
    proposal_id: String,
    rank: u32,
    receipt: String,
    title: String,
    lead: String,
    requested: String,
    score: String,
    calibrated: String,
    spread: String,
    reviews: u32,
    grades: String,
    suggested: bool,
    outcomes: Vec<OutcomeOption>,
    amount: String,
    conditions: String,
    feedback: String,
    decided: bool,
    error: Option<String>,
    schedule: Vec<ScheduleCell>,
    schedule_error: Option<String>,
    /// The schedule's rows start unfolded when they hold something or a problem.
    schedule_open: bool,
}

/// One fiscal year's amount in the decision form; the field is named by its year.
struct ScheduleCell {
    year: i32,
    amount: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "officer/ranking.html", config = "src/web/askama.toml")]
struct RankingPage {
    c: Chrome,
    t: &'static T,
    id: String,
    rows: Vec<RankRow>,
    budget: String,
    awarded: String,
    remaining: String,
    /// Percent of the budget awarded, for the bar.
    used_percent: i64,
    /// The bar's width class, in steps of 5 % (the pages allow no inline styles).
    bar_step: i64,
    plan: Option<String>,
}

#[derive(Template)]
#[template(path = "officer/publish.html", config = "src/web/askama.toml")]
struct PublishPage {
    c: Chrome,
    t: &'static T,
    id: String,
    recipients: Vec<(String, String)>,
    error: Option<String>,
}

struct Board {
    fiscal_year: i32,
    ranking: CallRanking,
    decisions: CallDecisions,
    plan: Option<BudgetPlan>,
}

async fn board(state: &AppState, user: &CurrentUser, id: &str) -> Result<Board, ApiError> {
    let (id, reader) = (id.to_string(), user.clone());
    state
        .read(Actor::user(user), move |tx| {
            let user = &reader;
            let fiscal_year = crate::app::calls::get(tx, user, &id)?.fiscal_year;
            let ranking = ranking::of_call(tx, &id, None)?;
            let decisions = decisions::of_call(tx, &id)?;
            // The plan is a suggestion; a call it cannot plan for still shows its ranking.
            let plan = decisions::budget_plan(tx, &id).ok();
            Ok(Board { fiscal_year, ranking, decisions, plan })
        })
        .await
}

fn outcome_label(t: &T, o: Outcome) -> &'static str {
    match o {
        Outcome::Adopted => t.st_adopted,
        Outcome::ConditionallyAdopted => t.st_conditional,
        Outcome::Rejected => t.st_rejected,
    }
}

fn two(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

/// The page; `typed` keeps what was entered for a proposal whose decision was refused.
fn ranking_page(page: &Page, id: &str, b: Board, typed: Option<(&str, &Fields, ApiError)>) -> RankingPage {
    let t = texts(page);
    let lang = page.lang;
    let suggested: Vec<String> = b.plan.as_ref().map(|p| p.items.clone()).unwrap_or_default();
    let rows = b
        .ranking
        .items
        .iter()
        .map(|r| {
            let saved = b.decisions.items.iter().find(|d| d.proposal_id == r.proposal_id);
            let mine = typed.as_ref().filter(|(pid, _, _)| *pid == r.proposal_id);
            let (outcome, amount, conditions, feedback) = match (mine, saved) {
                (Some((_, f, _)), _) => (f.text("outcome"), f.text("awarded_amount_yen"), f.text("conditions"), f.text("feedback")),
                (None, Some(d)) => (d.outcome.as_str().to_string(), separated(d.awarded_amount_yen), d.conditions.clone().unwrap_or_default(), d.feedback.clone().unwrap_or_default()),
                (None, None) => (String::new(), separated(r.requested_amount_yen.unwrap_or_default()), String::new(), String::new()),
            };
            let g = &r.grades;
            let error = mine.map(|(_, _, e)| e);
            let (schedule, schedule_error) = schedule_cells(b.fiscal_year, mine.map(|(_, f, _)| *f), saved.map(|d| d.schedule.as_slice()), error);
            let schedule_open = schedule_error.is_some() || schedule.iter().any(|c| c.error.is_some() || !c.amount.is_empty());
            RankRow {
                proposal_id: r.proposal_id.clone(),
                rank: r.rank,
                receipt: r.receipt_number.clone().unwrap_or_default(),
                title: r.title.clone().unwrap_or_else(|| "—".into()),
                lead: prefecture_of(lang, &r.lead_prefecture_code),
                requested: r.requested_amount_yen.map(|y| lang.yen(y)).unwrap_or_else(|| "—".into()),
                score: two(r.score),
                calibrated: two(r.calibrated_score),
                spread: two(r.spread),
                reviews: r.reviews,
                grades: format!("S{} A{} B{} C{}", g.s, g.a, g.b, g.c),
                suggested: suggested.contains(&r.proposal_id),
                outcomes: Outcome::VARIANTS.iter().map(|o| OutcomeOption { value: o.as_str(), label: outcome_label(t, *o), selected: outcome == o.as_str() }).collect(),
                amount,
                conditions,
                feedback,
                decided: saved.is_some(),
                error: error.filter(|e| !is_schedule_problem(e)).map(|e| {
                    let others: Vec<String> = e.errors.iter().filter(|f| !f.field.starts_with("schedule")).map(|f: &FieldError| f.message.clone()).collect();
                    if e.errors.is_empty() { e.detail.clone() } else { others.join(" ") }
                }).filter(|m| !m.is_empty()),
                schedule,
                schedule_error,
                schedule_open,
            }
        })
        .collect();
    let d = &b.decisions;
    let used_percent = if d.total_budget_yen > 0 { (d.awarded_yen.saturating_mul(100) / d.total_budget_yen).clamp(0, 100) } else { 0 };
    RankingPage {
        c: page.chrome(),
        t,
        id: id.to_string(),
        rows,
        budget: lang.yen(d.total_budget_yen),
        awarded: lang.yen(d.awarded_yen),
        remaining: lang.yen(d.remaining_yen),
        used_percent,
        bar_step: used_percent / 5 * 5,
        plan: b.plan.as_ref().map(|p| format!("{} {} / {}", p.items.len(), t.plan_items, lang.yen(p.total_yen))),
    }
}

pub async fn ranking(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let b = or_return!(or_page(&page, board(&state, &user, &path).await));
    render(&page, StatusCode::OK, &ranking_page(&page, &path, b, None))
}

pub async fn csv(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let id = path.into_inner();
    let made = state.read(Actor::user(&user), move |tx| ranking::of_call(tx, &id, None)?.to_csv()).await;
    let body = or_return!(or_page(&page, made));
    page.finish(
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"ranking-{}.csv\"", path_id(&req))))
            .body(body),
    )
}

fn path_id(req: &HttpRequest) -> String {
    req.match_info().get("id").unwrap_or_default().chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Whether a refusal is only about the schedule (then it is shown there, not on top).
fn is_schedule_problem(e: &ApiError) -> bool {
    if e.errors.is_empty() {
        e.extensions.contains_key("fiscal_year")
    } else {
        e.errors.iter().all(|f| f.field.starts_with("schedule"))
    }
}

/// The schedule rows (the call's fiscal year onward, up to ten): what was typed, else the saved
/// schedule when it is more than the default whole award in the call's year; each row's
/// problem, and the schedule's own.
fn schedule_cells(call_year: i32, typed: Option<&Fields>, saved: Option<&[YearAmount]>, error: Option<&ApiError>) -> (Vec<ScheduleCell>, Option<String>) {
    let cells = (0..MAX_SCHEDULE_YEARS as i32)
        .map(|i| {
            let year = call_year + i;
            let amount = match (typed, saved) {
                (Some(f), _) => f.text(&format!("schedule.{year}")),
                (None, Some(s)) if s.len() > 1 => s.iter().find(|y| y.fiscal_year == year).map(|y| separated(y.amount_yen.get())).unwrap_or_default(),
                _ => String::new(),
            };
            let error = error.and_then(|e| {
                if e.errors.is_empty() {
                    (e.extensions.get("fiscal_year").and_then(|v| v.as_i64()) == Some(i64::from(year))).then(|| e.detail.clone())
                } else {
                    let prefix = format!("schedule[{i}]");
                    let found: Vec<&str> = e.errors.iter().filter(|f| f.field.starts_with(&prefix)).map(|f| f.message.as_str()).collect();
                    (!found.is_empty()).then(|| found.join(" "))
                }
            });
            ScheduleCell { year, amount, error }
        })
        .collect();
    let whole = error.and_then(|e| {
        let found: Vec<&str> = e.errors.iter().filter(|f| f.field == "schedule").map(|f| f.message.as_str()).collect();
        (!found.is_empty()).then(|| found.join(" "))
    });
    (cells, whole)
}

/// The typed schedule, by the year each field names: blank years before the last filled one are
/// zero, blank years after it are not part of the schedule; all blank is no schedule.
fn schedule_input(f: &Fields, errors: &mut Vec<FieldError>) -> Option<Vec<YearAmount>> {
    let mut typed: Vec<(i32, String)> = f
        .0
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("schedule.")?.parse::<i32>().ok()?, v.replace([',', ' '], ""))))
        .collect();
    typed.sort_by_key(|(year, _)| *year);
    let last = typed.iter().rposition(|(_, v)| !v.is_empty())?;
    let mut schedule = Vec::new();
    for (i, (fiscal_year, raw)) in typed.into_iter().take(last + 1).enumerate() {
        match (if raw.is_empty() { Ok(0) } else { raw.parse::<i64>() }).ok().and_then(|v| Yen::new(v).ok()) {
            Some(amount_yen) => schedule.push(YearAmount { fiscal_year, amount_yen }),
            None => errors.push(FieldError::new(format!("schedule[{i}].amount_yen"), "invalid", "enter the amount in yen as a whole number")),
        }
    }
    Some(schedule)
}

fn decision_input(f: &Fields) -> Result<DecisionInput, ApiError> {
    let mut errors = Vec::new();
    let outcome = f.text("outcome").parse::<Outcome>().map_err(|_| errors.push(FieldError::new("outcome", "required", "choose an outcome"))).ok();
    let amount = f
        .text("awarded_amount_yen")
        .replace([',', ' '], "")
        .parse::<i64>()
        .map_err(|_| errors.push(FieldError::new("awarded_amount_yen", "invalid", "enter the amount in yen as a whole number")))
        .ok();
    let schedule = schedule_input(f, &mut errors);
    match (outcome, amount) {
        (Some(outcome), Some(awarded_amount_yen)) if errors.is_empty() => {
            Ok(DecisionInput { outcome, awarded_amount_yen, conditions: f.filled("conditions"), feedback: f.filled("feedback"), schedule })
        }
        _ => Err(ApiError::validation(errors)),
    }
}

pub async fn decide(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let (id, proposal) = path.into_inner();
    let result = match decision_input(&f) {
        Ok(input) => {
            let (admin, pid) = (user.clone(), proposal.clone());
            state.write(Actor::user(&user), move |tx| decisions::decide(tx, &admin, &pid, input)).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(&page, &format!("/admin/calls/{id}/ranking#p-{proposal}")),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let b = or_return!(or_page(&page, board(&state, &user, &id).await));
            let status = e.status;
            render(&page, status, &ranking_page(&page, &id, b, Some((&proposal, &f, e))))
        }
        Err(e) => crate::web::error_page(&page, &e),
    }
}

/// Before publishing: everyone the publication would email, found by rehearsing it.
pub async fn confirm(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let id = path.into_inner();
    let call_id = id.clone();
    let (recipients, error, status) = match state.write(Actor::user(&user), move |tx| officer::preview_publication(tx, &call_id)).await {
        Ok(r) => (r, None, StatusCode::OK),
        Err(e) if e.status == StatusCode::NOT_FOUND => return crate::web::error_page(&page, &e),
        Err(e) => (Vec::new(), Some(e.detail.clone()), e.status),
    };
    render(&page, status, &PublishPage { c: page.chrome(), t: texts(&page), id, recipients, error })
}

pub async fn publish(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, _) = or_return!(posted(&req, &state, form).await);
    let id = path.into_inner();
    let (call_id, base) = (id.clone(), state.settings.app.public_base_url.clone());
    match state.write(Actor::user(&user), move |tx| publication::publish(tx, &call_id, &base)).await {
        Ok(_) => see_other(&page, &format!("/admin/calls/{id}")),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            render(&page, e.status, &PublishPage { c: page.chrome(), t: texts(&page), id, recipients: Vec::new(), error: Some(e.detail) })
        }
        Err(e) => crate::web::error_page(&page, &e),
    }
}
