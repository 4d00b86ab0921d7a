//! Calls: the list, creating and amending one (the deadline extended on the same form),
//! publishing it and starting its review.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde_json::{Map, Value, json};

use crate::app::calls::{self, CreateCall};
use crate::app::officer;
use crate::domain::call::{CallStatus, Program};
use crate::domain::proposal::ProposalStatus;
use crate::domain::time::jst;
use crate::error::{ApiError, FieldError};
use crate::repo::audit::Actor;
use crate::repo::calls::Call;
use crate::state::AppState;

use super::text::T;
use super::{call_status, officer, or_page, or_return, posted, problem, texts};
use crate::web::i18n::separated;
use crate::web::{Chrome, Fields, Form, Page, render, see_other};

struct CallRow {
    id: String,
    title: String,
    program: &'static str,
    status: &'static str,
    closes_at: String,
    budget: String,
    counts: String,
    draft: bool,
    published: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "officer/calls.html", config = "src/web/askama.toml")]
struct ListPage {
    c: Chrome,
    t: &'static T,
    rows: Vec<CallRow>,
}

pub struct Input {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    hint: &'static str,
    error: Option<String>,
}

struct CriterionRow {
    n: usize,
    code: String,
    name: String,
    weight: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "officer/call_form.html", config = "src/web/askama.toml")]
struct FormPage {
    c: Chrome,
    t: &'static T,
    heading: &'static str,
    action: String,
    program: String,
    inputs: Vec<Input>,
    criteria: Vec<CriterionRow>,
    criteria_error: Option<String>,
    errors: Vec<String>,
    selection_stages: String,
    stages_error: Option<String>,
    budgets: Vec<BudgetRow>,
}

struct BudgetRow {
    n: usize,
    year: String,
    yen: String,
    error: Option<String>,
}

/// Rows of the yearly budget table (a call's schedule spans at most ten fiscal years).
const BUDGET_ROWS: usize = crate::domain::project::MAX_SCHEDULE_YEARS;

fn program_name(t: &T, p: Program) -> &'static str {
    match p {
        Program::LabConstruction => t.program_lab,
        Program::RegionalCoCreation => t.program_cocreation,
    }
}

async fn overview(state: &AppState, user: &crate::auth::CurrentUser) -> Result<Vec<(Call, Vec<(ProposalStatus, usize)>)>, ApiError> {
    let user = user.clone();
    state.read(Actor::user(&user), move |tx| officer::calls_overview(tx, &user)).await
}

fn list_page(page: &Page, calls: Vec<(Call, Vec<(ProposalStatus, usize)>)>, failed: Option<(&str, String)>) -> ListPage {
    let t = texts(page);
    let rows = calls
        .into_iter()
        .map(|(call, counts)| CallRow {
            title: call.title.clone(),
            program: program_name(t, call.program),
            status: call_status(t, call.status),
            closes_at: page.lang.date_time(call.closes_at),
            budget: page.lang.yen(call.total_budget_yen),
            counts: counts.iter().map(|(s, n)| format!("{} {n}", super::proposal_status(t, *s))).collect::<Vec<_>>().join(" / "),
            draft: call.status == CallStatus::Draft,
            published: call.status == CallStatus::Published,
            error: failed.as_ref().filter(|(id, _)| *id == call.id).map(|(_, m)| m.clone()),
            id: call.id,
        })
        .collect();
    ListPage { c: page.chrome(), t, rows }
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let calls = or_return!(or_page(&page, overview(&state, &user).await));
    render(&page, StatusCode::OK, &list_page(&page, calls, None))
}

/// How a datetime-local field shows an instant: Japan time, to the minute.
fn local(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&jst()).format("%Y-%m-%dT%H:%M").to_string()
}

/// The form's values, as the officer types them.
struct Entered {
    program: String,
    values: Vec<(&'static str, String)>,
    criteria: Vec<(String, String, String)>,
    selection_stages: String,
    /// (fiscal year, yen), blank rows left out.
    budgets: Vec<(String, String)>,
}

const FIELDS: [&str; 8] = ["fiscal_year", "title", "description", "opens_at", "closes_at", "total_budget_yen", "max_request_yen", "reviewers_per_proposal"];

impl Entered {
    fn of_call(call: &Call) -> Self {
        let values = vec![
            ("fiscal_year", call.fiscal_year.to_string()),
            ("title", call.title.clone()),
            ("description", call.description.clone()),
            ("opens_at", local(call.opens_at)),
            ("closes_at", local(call.closes_at)),
            ("total_budget_yen", separated(call.total_budget_yen)),
            ("max_request_yen", separated(call.max_request_yen)),
            ("reviewers_per_proposal", call.reviewers_per_proposal.to_string()),
        ];
        let criteria = call.criteria.iter().map(|c| (c.code.clone(), c.name.clone(), c.weight.to_string())).collect();
        let budgets = call.budget_by_year.iter().map(|(y, b)| (y.to_string(), separated(*b))).collect();
        Entered { program: call.program.as_str().into(), values, criteria, selection_stages: call.selection_stages.to_string(), budgets }
    }

    fn blank() -> Self {
        Entered {
            program: Program::LabConstruction.as_str().into(),
            values: FIELDS.iter().map(|f| (*f, String::new())).collect(),
            criteria: Vec::new(),
            selection_stages: "1".into(),
            budgets: Vec::new(),
        }
    }

    fn of_form(f: &Fields) -> Self {
        let criteria = (0..20)
            .map(|i| (f.text(&format!("criteria.{i}.code")), f.text(&format!("criteria.{i}.name")), f.text(&format!("criteria.{i}.weight"))))
            .filter(|(c, n, w)| !(c.trim().is_empty() && n.trim().is_empty() && w.trim().is_empty()))
            .collect();
        let budgets = (0..BUDGET_ROWS)
            .map(|i| (f.text(&format!("budget.{i}.year")).trim().to_string(), f.text(&format!("budget.{i}.yen")).trim().to_string()))
            .filter(|(y, b)| !(y.is_empty() && b.is_empty()))
            .collect();
        Entered {
            program: f.text("program"),
            values: FIELDS.iter().map(|k| (*k, f.text(k).trim().to_string())).collect(),
            criteria,
            selection_stages: f.text("selection_stages"),
            budgets,
        }
    }

    fn value(&self, name: &str) -> &str {
        self.values.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// The typed values as the API's JSON, each unreadable one a problem named by its field.
    fn to_json(&self, errors: &mut Vec<FieldError>) -> Map<String, Value> {
        let mut body = Map::new();
        body.insert("program".into(), json!(self.program));
        for (name, raw) in &self.values {
            let value = match *name {
                "title" | "description" => json!(raw),
                "opens_at" | "closes_at" => match NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M") {
                    Ok(t) => json!(t.and_local_timezone(jst()).single().map(|t| t.to_rfc3339())),
                    Err(_) => {
                        errors.push(FieldError::new(*name, "invalid", "enter a date and time (JST)"));
                        continue;
                    }
                },
                _ => match raw.replace([',', '_', ' '], "").parse::<i64>() {
                    Ok(n) => json!(n),
                    Err(_) => {
                        errors.push(FieldError::new(*name, "invalid", "enter a whole number"));
                        continue;
                    }
                },
            };
            body.insert((*name).into(), value);
        }
        let mut criteria = Vec::new();
        for (i, (code, name, weight)) in self.criteria.iter().enumerate() {
            match weight.trim().parse::<f64>() {
                Ok(w) => criteria.push(json!({ "code": code.trim(), "name": name.trim(), "weight": w })),
                Err(_) => errors.push(FieldError::new(format!("criteria[{i}].weight"), "invalid", "enter the weight as a number")),
            }
        }
        body.insert("criteria".into(), json!(criteria));
        // Not chosen: the call's default (one stage) or, on an edit, unchanged.
        match self.selection_stages.trim() {
            "" => {}
            n => match n.parse::<i32>() {
                Ok(n) => {
                    body.insert("selection_stages".into(), json!(n));
                }
                Err(_) => errors.push(FieldError::new("selection_stages", "invalid", "choose one or two stages")),
            },
        }
        let mut budgets = Map::new();
        for (i, (year, yen)) in self.budgets.iter().enumerate() {
            let field = format!("budget_by_year[{i}]");
            match (year.parse::<i32>(), yen.replace([',', '_', ' '], "").parse::<i64>()) {
                (Ok(_), Ok(_)) if budgets.contains_key(year) => errors.push(FieldError::new(field, "duplicate", "this fiscal year has a budget in another row")),
                (Ok(_), Ok(b)) => {
                    budgets.insert(year.clone(), json!(b));
                }
                (Err(_), _) => errors.push(FieldError::new(field, "invalid", "enter the fiscal year as a number, e.g. 2027")),
                (_, Err(_)) => errors.push(FieldError::new(field, "invalid", "enter the budget in yen as a whole number")),
            }
        }
        body.insert("budget_by_year".into(), Value::Object(budgets));
        body
    }
}

fn form_page(page: &Page, heading: &'static str, action: String, entered: &Entered, errors: &[FieldError]) -> FormPage {
    let t = texts(page);
    let labels = [
        (t.fiscal_year, "number", ""),
        (t.call_title, "text", ""),
        (t.description, "textarea", ""),
        (t.opens_at, "datetime-local", t.jst_hint),
        (t.closes_at, "datetime-local", t.deadline_hint),
        (t.total_budget, "text", t.yen_hint),
        (t.max_request, "text", t.yen_hint),
        (t.reviewers_per_proposal, "number", ""),
    ];
    let inputs = FIELDS
        .iter()
        .zip(labels)
        .map(|(name, (label, kind, hint))| Input { name, label, kind, value: entered.value(name).to_string(), hint, error: problem(errors, name) })
        .collect();
    let mut criteria: Vec<CriterionRow> = entered
        .criteria
        .iter()
        .enumerate()
        .map(|(n, (code, name, weight))| CriterionRow {
            n,
            code: code.clone(),
            name: name.clone(),
            weight: weight.clone(),
            error: problem(errors, &format!("criteria[{n}]")).or_else(|| {
                let nested: Vec<&str> = errors.iter().filter(|e| e.field.starts_with(&format!("criteria[{n}]."))).map(|e| e.message.as_str()).collect();
                (!nested.is_empty()).then(|| nested.join(" "))
            }),
        })
        .collect();
    let next = criteria.len();
    criteria.extend((next..next + 3).map(|n| CriterionRow { n, code: String::new(), name: String::new(), weight: String::new(), error: None }));
    let budget_error = |n: usize, year: &str| {
        // Our own parse problems name the row; the use-case's name the year.
        let found: Vec<&str> =
            errors.iter().filter(|e| e.field == format!("budget_by_year[{n}]") || e.field == format!("budget_by_year.{year}")).map(|e| e.message.as_str()).collect();
        (!found.is_empty()).then(|| found.join(" "))
    };
    let mut budgets: Vec<BudgetRow> =
        entered.budgets.iter().enumerate().map(|(n, (year, yen))| BudgetRow { n, year: year.clone(), yen: yen.clone(), error: budget_error(n, year) }).collect();
    let next = budgets.len();
    budgets.extend((next..(next + 3).min(BUDGET_ROWS)).map(|n| BudgetRow { n, year: String::new(), yen: String::new(), error: None }));
    let known = |f: &str| FIELDS.contains(&f) || f.starts_with("criteria") || f.starts_with("budget_by_year") || f == "program" || f == "selection_stages";
    FormPage {
        c: page.chrome(),
        t,
        heading,
        action,
        program: entered.program.clone(),
        inputs,
        criteria,
        criteria_error: errors.iter().find(|e| e.field == "criteria").map(|e| e.message.clone()),
        errors: errors.iter().filter(|e| !known(&e.field)).map(|e| format!("{}: {}", e.field, e.message)).collect(),
        selection_stages: entered.selection_stages.clone(),
        stages_error: problem(errors, "selection_stages"),
        budgets,
    }
}

pub async fn new_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, _) = or_return!(officer(&req, &state).await);
    render(&page, StatusCode::OK, &form_page(&page, texts(&page).new_call, "/admin/calls".into(), &Entered::blank(), &[]))
}

/// Bad input goes back to the form with every problem next to its field and what was typed kept.
fn refused(page: &Page, heading: &'static str, action: String, entered: &Entered, e: ApiError) -> HttpResponse {
    match e.status {
        StatusCode::UNPROCESSABLE_ENTITY => render(page, e.status, &form_page(page, heading, action, entered, &e.errors)),
        // A refusal of the whole change (a passed deadline, a frozen field) reads next to the deadline.
        StatusCode::CONFLICT => {
            render(page, e.status, &form_page(page, heading, action, entered, &[FieldError::new("closes_at", "refused", e.detail)]))
        }
        _ => crate::web::error_page(page, &e),
    }
}

pub async fn create(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let entered = Entered::of_form(&f);
    let heading = texts(&page).new_call;
    let mut errors = Vec::new();
    let body = entered.to_json(&mut errors);
    let request = match serde_json::from_value::<CreateCall>(Value::Object(body)) {
        Ok(r) if errors.is_empty() => r,
        Ok(_) => return refused(&page, heading, "/admin/calls".into(), &entered, ApiError::validation(errors)),
        Err(e) => {
            errors.push(FieldError::new("program", "invalid", e.to_string()));
            return refused(&page, heading, "/admin/calls".into(), &entered, ApiError::validation(errors));
        }
    };
    let admin = user.clone();
    match state.write(Actor::user(&user), move |tx| calls::create(tx, &admin, request)).await {
        Ok(call) => see_other(&page, &format!("/admin/calls/{}", call.id)),
        Err(e) => refused(&page, heading, "/admin/calls".into(), &entered, e),
    }
}

async fn load(state: &AppState, user: &crate::auth::CurrentUser, id: &str) -> Result<Call, ApiError> {
    let (user, id) = (user.clone(), id.to_string());
    state.read(Actor::user(&user), move |tx| calls::get(tx, &user, &id)).await
}

pub async fn edit_form(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let call = or_return!(or_page(&page, load(&state, &user, &path).await));
    render(&page, StatusCode::OK, &form_page(&page, texts(&page).edit_call, format!("/admin/calls/{}/edit", call.id), &Entered::of_call(&call), &[]))
}

/// Sends only what changed, so a published call's frozen terms are not "changed" to themselves;
/// extending the deadline is this form with a later deadline.
pub async fn update(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let call = or_return!(or_page(&page, load(&state, &user, &path).await));
    let (heading, action) = (texts(&page).edit_call, format!("/admin/calls/{}/edit", call.id));
    let entered = Entered::of_form(&f);
    let mut errors = Vec::new();
    let mut patch = entered.to_json(&mut errors);
    let mut current_errors = Vec::new();
    let current = Entered::of_call(&call).to_json(&mut current_errors);
    patch.retain(|k, v| current.get(k) != Some(v));
    if !errors.is_empty() {
        return refused(&page, heading, action, &entered, ApiError::validation(errors));
    }
    let id = call.id.clone();
    match state.write(Actor::user(&user), move |tx| calls::update(tx, &id, None, patch)).await {
        Ok(_) => see_other(&page, &format!("/admin/calls/{}", call.id)),
        Err(e) => refused(&page, heading, action, &entered, e),
    }
}

/// A status change from the list; a refusal shows in the call's row.
async fn transition(req: HttpRequest, state: &AppState, id: String, form: Form, step: fn(&mut crate::app::Tx<'_>, &str) -> crate::error::ApiResult<Call>) -> HttpResponse {
    let (page, user, _) = or_return!(posted(&req, state, form).await);
    let call_id = id.clone();
    match state.write(Actor::user(&user), move |tx| step(tx, &call_id)).await {
        Ok(_) => see_other(&page, &format!("/admin/calls/{id}")),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let calls = or_return!(or_page(&page, overview(state, &user).await));
            render(&page, e.status, &list_page(&page, calls, Some((&id, e.detail))))
        }
        Err(e) => crate::web::error_page(&page, &e),
    }
}

pub async fn publish(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    transition(req, &state, path.into_inner(), form, calls::publish).await
}

pub async fn start_review(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    transition(req, &state, path.into_inner(), form, calls::start_review).await
}
