//! Signing in and out, and setting a password from an emailed link (invitation, reset).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::accounts::passwords::{self, PasswordResetRequest, TokenPasswordRequest};
use crate::app::accounts::session::{self, LoginRequest};
use crate::app::calls::{self, PublicBoard};
use crate::auth::one_time::Purpose;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::user::Role;
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::i18n::Lang;
use super::{Chrome, Form, Link, Page, csrf_refused, error_page, fields, message, render, see_other};

#[derive(Template)]
#[template(path = "login.html", config = "src/web/askama.toml")]
struct LoginPage {
    c: Chrome,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html", config = "src/web/askama.toml")]
struct HomePage {
    c: Chrome,
    admin: bool,
    /// What anyone may read: the open calls and the latest published results.
    board: Option<Board>,
}

struct Board {
    open: Vec<OpenCall>,
    results: Vec<CallResults>,
}

struct OpenCall {
    title: String,
    deadline: String,
}

struct CallResults {
    title: String,
    items: Vec<Adoption>,
}

struct Adoption {
    lead: String,
    partners: String,
    title: String,
    amount: String,
    outcome: &'static str,
}

/// The public board in the page's language.
fn board(lang: Lang, found: PublicBoard) -> Board {
    let prefecture = |code: &str| code.parse::<PrefectureCode>().map(|p| lang.pick(p.name_ja(), p.name_en()).to_string()).unwrap_or_else(|_| code.to_string());
    Board {
        open: found.open.into_iter().map(|c| OpenCall { title: c.title, deadline: lang.date_time(c.closes_at) }).collect(),
        results: found
            .results
            .into_iter()
            .map(|r| CallResults {
                title: r.call_title,
                items: r
                    .items
                    .into_iter()
                    .map(|a| Adoption {
                        lead: prefecture(&a.lead_prefecture_code),
                        partners: a.partner_prefecture_codes.iter().map(|c| prefecture(c)).collect::<Vec<_>>().join(lang.pick("、", ", ")),
                        title: a.title.unwrap_or_default(),
                        amount: lang.yen(a.awarded_amount_yen),
                        outcome: lang.pick(a.outcome.name_ja(), a.outcome.name_en()),
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "set_password.html", config = "src/web/askama.toml")]
struct SetPasswordPage {
    c: Chrome,
    heading: String,
    intro: String,
    action: &'static str,
    token: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "reset_request.html", config = "src/web/askama.toml")]
struct ResetRequestPage {
    c: Chrome,
    email: String,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
    next: Option<String>,
}

/// Only a path on this site: never somewhere else after signing in.
fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\")).map(str::to_string)
}

macro_rules! page_or_error {
    ($req:expr, $state:expr) => {
        match $crate::web::page_of(&$req, &$state).await {
            Ok(page) => page,
            Err(response) => return response,
        }
    };
}
pub(crate) use page_or_error;

pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = page_or_error!(req, state);
    match &page.user {
        Some(u) if u.role == Role::Reviewer => see_other(&page, "/me/assignments"),
        Some(u) if u.role == Role::Applicant => super::applicant::home(&page, &state, u).await,
        Some(u) => render(&page, StatusCode::OK, &HomePage { c: page.chrome(), admin: u.role == Role::Admin, board: None }),
        None => match state.read(Actor::anonymous("page", page.ip.clone()), calls::public_board).await {
            Ok(found) => render(&page, StatusCode::OK, &HomePage { c: page.chrome(), admin: false, board: Some(board(page.lang, found)) }),
            Err(e) => error_page(&page, &e),
        },
    }
}

pub async fn login_form(req: HttpRequest, state: web::Data<AppState>, query: web::Query<TokenQuery>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let next = local_path(query.next.as_deref()).unwrap_or_default();
    render(&page, StatusCode::OK, &LoginPage { c: page.chrome(), email: String::new(), next, error: None })
}

/// Signs in through the API's login use-case, so the same throttling applies.
pub async fn login(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    let mut page = page_or_error!(req, state);
    let f = fields(form);
    if !page.csrf_ok(f.get("csrf")) {
        return csrf_refused(&page);
    }
    let (email, next) = (f.text("email"), local_path(f.get("next")).unwrap_or_default());
    let request = LoginRequest { email: email.clone(), password: f.text("password") };
    match session::login(&state, page.ip.clone(), request).await {
        Ok(pair) => {
            page.sign_in(pair.refresh_token);
            see_other(&page, if next.is_empty() { "/" } else { &next })
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED || e.status == StatusCode::TOO_MANY_REQUESTS => {
            let m = page.m();
            let error = if e.status == StatusCode::TOO_MANY_REQUESTS { m.too_many_attempts } else { m.bad_credentials };
            render(&page, e.status, &LoginPage { c: page.chrome(), email, next, error: Some(error.into()) })
        }
        Err(e) => error_page(&page, &e),
    }
}

pub async fn logout(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    let mut page = page_or_error!(req, state);
    let f = fields(form);
    if !page.csrf_ok(f.get("csrf")) {
        return csrf_refused(&page);
    }
    if let (Some(user), Some(token)) = (page.user.clone(), page.session_token().map(str::to_string)) {
        if let Err(e) = state.write(Actor::user(&user), move |tx| session::logout(tx, &user, &token)).await {
            return error_page(&page, &e);
        }
    }
    page.sign_out();
    see_other(&page, "/login")
}

/// Whether a link is still good, so a used or expired one is said so before anything is typed.
async fn link_usable(state: &AppState, page: &Page, purpose: Purpose, token: &str) -> Result<(), HttpResponse> {
    let invalid = || error_page(page, &passwords::token_invalid());
    let Some(id) = state.links.verify(purpose, token) else { return Err(invalid()) };
    let checked = state.read(Actor::anonymous("anonymous", page.ip.clone()), move |tx| passwords::check_link(tx, purpose, &id)).await;
    checked.map_err(|e| error_page(page, &e))
}

fn set_password_page(page: &Page, purpose: Purpose, token: String, error: Option<String>) -> SetPasswordPage {
    let m = page.m();
    let (heading, intro, action) = match purpose {
        Purpose::Invitation => (m.activate_title, m.activate_intro, "/activate"),
        _ => (m.reset_title, m.reset_intro, "/reset-password"),
    };
    SetPasswordPage { c: page.chrome(), heading: heading.into(), intro: intro.into(), action, token, error }
}

async fn password_form(req: HttpRequest, state: &AppState, purpose: Purpose, token: String) -> HttpResponse {
    let page = page_or_error!(req, state);
    if let Err(refused) = link_usable(state, &page, purpose, &token).await {
        return refused;
    }
    render(&page, StatusCode::OK, &set_password_page(&page, purpose, token, None))
}

/// Sets the password from a link; a weak password is said next to the field.
async fn set_password(req: HttpRequest, state: &AppState, purpose: Purpose, f: super::Fields) -> HttpResponse {
    let page = page_or_error!(req, state);
    if !page.csrf_ok(f.get("csrf")) {
        return csrf_refused(&page);
    }
    let (token, m) = (f.text("token"), page.m());
    let request = TokenPasswordRequest { token: token.clone(), password: f.text("password") };
    let (outcome, done) = match purpose {
        Purpose::Invitation => (passwords::activate(state, page.ip.clone(), request).await, m.activate_done),
        _ => (passwords::confirm_password_reset(state, page.ip.clone(), request).await, m.reset_done),
    };
    match outcome {
        Ok(()) => message(&page, StatusCode::OK, m.set_password, done, Some(Link { href: "/login".into(), label: m.to_sign_in.into() })),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            render(&page, e.status, &set_password_page(&page, purpose, token, Some(m.password_hint.into())))
        }
        Err(e) => error_page(&page, &e),
    }
}

pub async fn activate_form(req: HttpRequest, state: web::Data<AppState>, query: web::Query<TokenQuery>) -> HttpResponse {
    password_form(req, &state, Purpose::Invitation, query.into_inner().token.unwrap_or_default()).await
}

pub async fn activate(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    set_password(req, &state, Purpose::Invitation, fields(form)).await
}

/// With a token, the new-password form; without, the form that asks for a link.
pub async fn reset_form(req: HttpRequest, state: web::Data<AppState>, query: web::Query<TokenQuery>) -> HttpResponse {
    match query.into_inner().token {
        Some(token) => password_form(req, &state, Purpose::PasswordReset, token).await,
        None => {
            let page = page_or_error!(req, state);
            render(&page, StatusCode::OK, &ResetRequestPage { c: page.chrome(), email: String::new() })
        }
    }
}

pub async fn reset(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    let f = fields(form);
    if f.get("token").is_some() {
        return set_password(req, &state, Purpose::PasswordReset, f).await;
    }
    let page = page_or_error!(req, state);
    if !page.csrf_ok(f.get("csrf")) {
        return csrf_refused(&page);
    }
    let m = page.m();
    match passwords::request_password_reset(&state, page.ip.clone(), PasswordResetRequest { email: f.text("email") }).await {
        Ok(()) => message(&page, StatusCode::OK, m.reset_title, m.reset_sent, None),
        Err(e) => error_page(&page, &e),
    }
}
