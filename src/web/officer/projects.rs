//! The program officer's project pages: a call's projects, one project with its schedule, and
//! the three things done to it — clearing the conditions, granting a fiscal year after a
//! confirmation naming the amount and who is emailed, completing or terminating it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::officer::preview_grant;
use crate::app::projects::view::{PhaseChange, Project};
use crate::app::projects;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::{officer, or_page, or_return, posted, problem};
use crate::web::project_progress::project_page;
use crate::web::project_view::{PT, project_doc};
use crate::web::{Chrome, Fields, Form, Page, error_page, render, see_other};

struct ProjectLine {
    id: String,
    title: String,
    lead: String,
    phase: &'static str,
    conditions: &'static str,
    total: String,
    granted: String,
}

#[derive(Template)]
#[template(path = "projects/list.html", config = "src/web/askama.toml")]
struct ListPage {
    c: Chrome,
    t: &'static PT,
    call_id: Option<String>,
    rows: Vec<ProjectLine>,
}

#[derive(Template)]
#[template(path = "projects/grant.html", config = "src/web/askama.toml")]
struct GrantPage {
    c: Chrome,
    t: &'static PT,
    id: String,
    title: String,
    fiscal_year: i32,
    amount: String,
    recipients: Vec<String>,
    alert: Option<String>,
}

#[derive(Deserialize)]
pub struct CallFilter {
    call_id: Option<String>,
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, query: web::Query<CallFilter>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let call_id = query.into_inner().call_id.filter(|c| !c.is_empty());
    let (reader, filter) = (user.clone(), call_id.clone());
    let found = state.read(Actor::user(&user), move |tx| projects::list(tx, &reader, filter.as_deref())).await;
    let items = or_return!(or_page(&page, found));
    let (lang, t) = (page.lang, PT::of(page.lang));
    let rows = items
        .iter()
        .map(|p| {
            let doc = project_doc(lang, p);
            ProjectLine {
                id: p.id.clone(),
                title: doc.title,
                lead: doc.lead,
                phase: doc.phase,
                conditions: match (&p.conditions, p.conditions_cleared) {
                    (None, _) => t.no_conditions,
                    (Some(_), true) => t.cleared,
                    (Some(_), false) => t.not_cleared,
                },
                total: doc.total,
                granted: doc.granted_total,
            }
        })
        .collect();
    render(&page, StatusCode::OK, &ListPage { c: page.chrome(), t, call_id, rows })
}

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<Project, ApiError> {
    let (reader, id) = (user.clone(), id.to_string());
    state.read(Actor::user(user), move |tx| projects::get(tx, &reader, &id)).await
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, query: web::Query<Done>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let mut shown = or_return!(or_page(&page, project_page(&page, &state, &user, &path, true).await));
    shown.notice = query.done.is_some().then_some(shown.t.done);
    render(&page, StatusCode::OK, &shown)
}

/// After a refused action: the project again, the refusal beside its field (or on top), with
/// what was typed kept.
async fn refused(page: &Page, state: &AppState, user: &CurrentUser, id: &str, f: &Fields, e: ApiError) -> HttpResponse {
    if !e.status.is_client_error() || e.status == StatusCode::NOT_FOUND {
        return error_page(page, &e);
    }
    let mut shown = or_return!(or_page(page, project_page(page, state, user, id, true).await));
    shown.note = f.text("note");
    shown.to = f.text("to");
    shown.reason = f.text("reason");
    shown.note_error = problem(&e.errors, "note");
    shown.to_error = problem(&e.errors, "to");
    shown.reason_error = problem(&e.errors, "reason");
    if e.errors.is_empty() {
        shown.alert = Some(shown.t.refusal(&e));
    }
    render(page, e.status, &shown)
}

pub async fn clear_conditions(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let (admin, id, note) = (user.clone(), path.into_inner(), f.text("note"));
    let project_id = id.clone();
    match state.write(Actor::user(&user), move |tx| projects::clear_conditions(tx, &admin, &project_id, &note)).await {
        Ok(_) => see_other(&page, &format!("/admin/projects/{id}?done=conditions")),
        Err(e) => refused(&page, &state, &user, &id, &f, e).await,
    }
}

pub async fn change_phase(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let id = path.into_inner();
    let to = match f.text("to").parse() {
        Ok(to) => to,
        Err(_) => {
            let e = ApiError::validation(vec![crate::error::FieldError::new("to", "required", page.lang.pick("完了か中止かを選んでください。", "choose complete or terminate"))]);
            return refused(&page, &state, &user, &id, &f, e).await;
        }
    };
    let (admin, project_id, change) = (user.clone(), id.clone(), PhaseChange { to, reason: f.text("reason") });
    match state.write(Actor::user(&user), move |tx| projects::change_phase(tx, &admin, &project_id, change)).await {
        Ok(_) => see_other(&page, &format!("/admin/projects/{id}?done=phase")),
        Err(e) => refused(&page, &state, &user, &id, &f, e).await,
    }
}

/// Before granting: the amount and who will be emailed, found by rehearsing the grant.
pub async fn confirm_grant(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, i32)>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let (id, fiscal_year) = path.into_inner();
    let project = or_return!(or_page(&page, load(&state, &user, &id).await));
    let (admin, project_id) = (user.clone(), id.clone());
    let t = PT::of(page.lang);
    let (amount, recipients, alert, status) = match state.write(Actor::user(&user), move |tx| preview_grant(tx, &admin, &project_id, fiscal_year)).await {
        Ok((amount, recipients)) => (page.lang.yen(amount), recipients, None, StatusCode::OK),
        Err(e) if e.status == StatusCode::NOT_FOUND => return error_page(&page, &e),
        Err(e) => (String::new(), Vec::new(), Some(t.refusal(&e)), e.status),
    };
    render(&page, status, &GrantPage { c: page.chrome(), t, id, title: project.title, fiscal_year, amount, recipients, alert })
}

pub async fn grant(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, i32)>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let (id, fiscal_year) = path.into_inner();
    let (admin, project_id, base) = (user.clone(), id.clone(), state.settings.app.public_base_url.clone());
    match state.write(Actor::user(&user), move |tx| projects::grant(tx, &admin, &project_id, fiscal_year, &base)).await {
        Ok(_) => see_other(&page, &format!("/admin/projects/{id}?done=grant#schedule")),
        Err(e) => refused(&page, &state, &user, &id, &f, e).await,
    }
}
