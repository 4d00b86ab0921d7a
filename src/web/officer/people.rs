//! Users (list, invite, edit, deactivate) and a proposal's audit trail.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::accounts::lifecycle::{self, UpdateUser};
use crate::app::accounts::users::{self, CreateUser, InvitationLink};
use crate::app::audit_log::{self, AuditFilter};
use crate::auth::CurrentUser;
use crate::domain::user::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::audit::Actor;
use crate::repo::users::User;
use crate::state::AppState;

use super::text::T;
use super::{officer, or_page, or_return, posted, problem, texts};
use crate::web::present::prefecture;
use crate::web::{Chrome, Fields, Form, Page, render, see_other};

struct UserRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    place: String,
    active: bool,
}

/// A form field with what was typed and its problem.
struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "officer/users.html", config = "src/web/askama.toml")]
struct UsersPage {
    c: Chrome,
    t: &'static T,
    rows: Vec<UserRow>,
    role: String,
    role_error: Option<String>,
    fields: Vec<Field>,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "officer/user.html", config = "src/web/askama.toml")]
struct UserPage {
    c: Chrome,
    t: &'static T,
    id: String,
    email: String,
    role: &'static str,
    active: bool,
    fields: Vec<Field>,
    errors: Vec<String>,
}

struct AuditRow {
    at: String,
    actor: String,
    action: String,
    details: String,
}

#[derive(Template)]
#[template(path = "officer/audit.html", config = "src/web/askama.toml")]
struct AuditPage {
    c: Chrome,
    t: &'static T,
    id: String,
    rows: Vec<AuditRow>,
}

pub fn role_name(t: &T, role: Role) -> &'static str {
    match role {
        Role::Applicant => t.role_applicant,
        Role::Reviewer => t.role_reviewer,
        Role::Admin => t.role_admin,
    }
}

const INVITE: [&str; 7] = ["email", "name", "prefecture_code", "affiliation", "affiliation_prefecture_code", "expertise", "max_assignments"];

fn fields_of(t: &T, names: &[&'static str], value: impl Fn(&str) -> String, errors: &[FieldError]) -> Vec<Field> {
    names
        .iter()
        .map(|name| {
            let label = match *name {
                "email" => t.email,
                "name" => t.name,
                "prefecture_code" => t.prefecture_code,
                "affiliation" => t.affiliation,
                "affiliation_prefecture_code" => t.affiliation_prefecture,
                "expertise" => t.expertise,
                _ => t.max_assignments,
            };
            Field { name, label, value: value(name), error: problem(errors, name) }
        })
        .collect()
}

fn users_page(page: &Page, users: Vec<User>, typed: Option<&Fields>, errors: &[FieldError]) -> UsersPage {
    let t = texts(page);
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            place: u.prefecture_code.or(u.affiliation_prefecture_code).map(|c| prefecture(page.lang, c)).unwrap_or_default()
                + &u.affiliation.clone().map(|a| format!(" {a}")).unwrap_or_default(),
            role: role_name(t, u.role),
            id: u.id,
            name: u.name,
            email: u.email,
            active: u.active,
        })
        .collect();
    let known = |f: &str| INVITE.contains(&f) || f.starts_with("expertise") || f == "role";
    UsersPage {
        c: page.chrome(),
        t,
        rows,
        role: typed.map(|f| f.text("role")).unwrap_or_else(|| "reviewer".into()),
        role_error: problem(errors, "role"),
        fields: fields_of(t, &INVITE, |n| typed.map(|f| f.text(n)).unwrap_or_default(), errors),
        errors: errors.iter().filter(|e| !known(&e.field)).map(|e| e.message.clone()).collect(),
    }
}

async fn all_users(state: &AppState, user: &CurrentUser) -> Result<Vec<User>, ApiError> {
    state.read(Actor::user(user), |tx| users::list(tx, None, 500, 0).map(|(u, _)| u)).await
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let users = or_return!(or_page(&page, all_users(&state, &user).await));
    render(&page, StatusCode::OK, &users_page(&page, users, None, &[]))
}

fn keywords(raw: &str) -> Vec<String> {
    raw.split([',', '、', '\n']).map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect()
}

fn whole(f: &Fields, name: &str, errors: &mut Vec<FieldError>) -> Option<i32> {
    let raw = f.filled(name)?;
    raw.parse().map_err(|_| errors.push(FieldError::new(name, "invalid", "enter a whole number"))).ok()
}

pub async fn invite(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let mut errors = Vec::new();
    let role = f.text("role").parse::<Role>().map_err(|_| errors.push(FieldError::new("role", "required", "choose a role"))).ok();
    let max_assignments = whole(&f, "max_assignments", &mut errors);
    let result = match role {
        Some(role) if errors.is_empty() => {
            let request = CreateUser {
                email: f.text("email").trim().to_string(),
                name: f.text("name").trim().to_string(),
                role,
                prefecture_code: f.filled("prefecture_code"),
                affiliation: f.filled("affiliation"),
                affiliation_prefecture_code: f.filled("affiliation_prefecture_code"),
                expertise: f.filled("expertise").map(|e| keywords(&e)),
                max_assignments,
            };
            let link = InvitationLink::issue(&state);
            state.write(Actor::user(&user), move |tx| users::invite(tx, link, request)).await.map(|_| ())
        }
        _ => Err(ApiError::validation(errors)),
    };
    match result {
        Ok(()) => see_other(&page, "/admin/users"),
        Err(e) if e.status.is_client_error() => {
            let users = or_return!(or_page(&page, all_users(&state, &user).await));
            let errors = if e.errors.is_empty() { vec![FieldError::new("email", "refused", e.detail.clone())] } else { e.errors.clone() };
            render(&page, e.status, &users_page(&page, users, Some(&f), &errors))
        }
        Err(e) => crate::web::error_page(&page, &e),
    }
}

const EDIT: [&str; 4] = ["name", "affiliation", "expertise", "max_assignments"];

async fn one(state: &AppState, user: &CurrentUser, id: &str) -> Result<User, ApiError> {
    let id = id.to_string();
    state.read(Actor::user(user), move |tx| crate::app::officer::user(tx, &id)).await
}

fn user_page(page: &Page, u: &User, typed: Option<&Fields>, errors: &[FieldError]) -> UserPage {
    let t = texts(page);
    let reviewer = u.role == Role::Reviewer;
    let names: &[&'static str] = if reviewer { &EDIT } else { &EDIT[..2] };
    let current = |n: &str| match n {
        "name" => u.name.clone(),
        "affiliation" => u.affiliation.clone().unwrap_or_default(),
        "expertise" => u.expertise.join(", "),
        _ => u.max_assignments.map(|m| m.to_string()).unwrap_or_default(),
    };
    UserPage {
        c: page.chrome(),
        t,
        id: u.id.clone(),
        email: u.email.clone(),
        role: role_name(t, u.role),
        active: u.active,
        fields: fields_of(t, names, |n| typed.map(|f| f.text(n)).unwrap_or_else(|| current(n)), errors),
        errors: errors.iter().filter(|e| !EDIT.contains(&e.field.as_str()) && !e.field.starts_with("expertise")).map(|e| e.message.clone()).collect(),
    }
}

pub async fn edit_form(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let u = or_return!(or_page(&page, one(&state, &user, &path).await));
    render(&page, StatusCode::OK, &user_page(&page, &u, None, &[]))
}

/// Saves the profile, or (the separate button) deactivates or restores the account.
pub async fn update(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let u = or_return!(or_page(&page, one(&state, &user, &path).await));
    let mut errors = Vec::new();
    let request = match f.get("active") {
        Some(active) => UpdateUser { name: None, affiliation: None, affiliation_prefecture_code: None, expertise: None, max_assignments: None, active: Some(active == "true") },
        None => {
            let reviewer = u.role == Role::Reviewer;
            UpdateUser {
                name: f.filled("name"),
                affiliation: f.filled("affiliation"),
                affiliation_prefecture_code: None,
                expertise: reviewer.then(|| keywords(&f.text("expertise"))),
                max_assignments: if reviewer { Some(whole(&f, "max_assignments", &mut errors)) } else { None },
                active: None,
            }
        }
    };
    let result = if errors.is_empty() {
        let (admin, id) = (user.clone(), u.id.clone());
        state.write(Actor::user(&user), move |tx| lifecycle::update(tx, &admin, &id, request)).await.map(|_| ())
    } else {
        Err(ApiError::validation(errors))
    };
    match result {
        Ok(()) => see_other(&page, &format!("/admin/users/{}", u.id)),
        Err(e) if e.status.is_client_error() => {
            let errors = if e.errors.is_empty() { vec![FieldError::new("account", "refused", e.detail.clone())] } else { e.errors.clone() };
            render(&page, e.status, &user_page(&page, &u, Some(&f), &errors))
        }
        Err(e) => crate::web::error_page(&page, &e),
    }
}

pub async fn audit(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let id = path.into_inner();
    let filter = AuditFilter { entity_type: Some("proposal".into()), entity_id: Some(id.clone()) };
    let events = or_return!(or_page(&page, state.read(Actor::user(&user), move |tx| audit_log::list(tx, filter, 500, 0)).await));
    let rows = events
        .0
        .into_iter()
        .map(|e| AuditRow { at: page.lang.date_time(e.occurred_at), actor: e.actor, action: e.action, details: e.details.to_string() })
        .collect();
    render(&page, StatusCode::OK, &AuditPage { c: page.chrome(), t: texts(&page), id, rows })
}
