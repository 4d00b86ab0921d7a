//! The pages: plain server-rendered HTML over the same use-cases as the JSON API, for the people
//! the emails send here (signatories, reviewers, applicants). Every form works without
//! JavaScript; every form carries a CSRF token.

mod account;
mod applicant;
mod endorse;
pub mod i18n;
mod present;
mod project_progress;
mod project_view;
mod result;
mod reviewer;
mod officer;
mod session;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::error::ApiError;

pub use session::{Chrome, Page};

const CSS: &str = include_str!("static/kyoso.css");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(256 * 1024))
        .route("/static/kyoso.css", web::get().to(css))
        .route("/", web::get().to(account::home))
        .route("/login", web::get().to(account::login_form))
        .route("/login", web::post().to(account::login))
        .route("/logout", web::post().to(account::logout))
        .route("/activate", web::get().to(account::activate_form))
        .route("/activate", web::post().to(account::activate))
        .route("/reset-password", web::get().to(account::reset_form))
        .route("/reset-password", web::post().to(account::reset))
        .route("/endorse", web::get().to(endorse::show))
        .route("/endorse", web::post().to(endorse::endorse))
        .route("/me/assignments", web::get().to(reviewer::list))
        .route("/me/assignments/{id}", web::get().to(reviewer::show))
        .route("/me/assignments/{id}/accept", web::post().to(reviewer::accept))
        .route("/me/assignments/{id}/decline", web::post().to(reviewer::decline))
        .route("/me/assignments/{id}/conflict", web::post().to(reviewer::conflict))
        .route("/me/assignments/{id}/review", web::post().to(reviewer::save))
        .route("/me/assignments/{id}/confirm", web::get().to(reviewer::confirm))
        .route("/me/assignments/{id}/submit", web::post().to(reviewer::submit))
        .route("/me/assignments/{id}/attachments/{attachment}", web::get().to(reviewer::attachment))
        .route("/proposals/{id}/result", web::get().to(result::show))
        .configure(officer::configure)
        .configure(applicant::configure);
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS)
}

/// A posted form, as name/value pairs (the review form's field names depend on the call).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }

    /// The value, if the field was filled in.
    pub fn filled(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
    }
}

pub type Form = web::Form<Vec<(String, String)>>;

pub fn fields(form: Form) -> Fields {
    Fields(form.into_inner())
}

pub struct Link {
    pub href: String,
    pub label: String,
}

/// A page that only says something: a confirmation, or why something cannot be done.
#[derive(Template)]
#[template(path = "message.html", config = "src/web/askama.toml")]
pub struct MessagePage {
    pub c: Chrome,
    pub heading: String,
    pub body: String,
    pub action: Option<Link>,
}

pub fn render(page: &Page, status: StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(html) => page.finish(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html)),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page failed");
            page.finish(HttpResponse::InternalServerError().content_type("text/html; charset=utf-8").body(page.m().error_body))
        }
    }
}

pub fn message(page: &Page, status: StatusCode, heading: &str, body: &str, action: Option<Link>) -> HttpResponse {
    render(page, status, &MessagePage { c: page.chrome(), heading: heading.into(), body: body.into(), action })
}

pub fn see_other(page: &Page, location: &str) -> HttpResponse {
    page.finish(HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish())
}

/// The sign-in page, coming back to this one afterwards.
pub fn to_login(page: &Page, req: &HttpRequest) -> HttpResponse {
    let here = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    see_other(page, &format!("/login?next={}", session::encode(&here)))
}

/// A form without this page's CSRF token is refused.
pub fn csrf_refused(page: &Page) -> HttpResponse {
    let m = page.m();
    message(page, StatusCode::FORBIDDEN, m.csrf_title, m.csrf_body, None)
}

/// The page's session, or the plain 500 that says it could not be read.
pub async fn page_of(req: &HttpRequest, state: &crate::state::AppState) -> Result<Page, HttpResponse> {
    Page::of(req, state).await.map_err(|e| {
        tracing::error!(error = %e.detail, "reading the page session failed");
        HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body(e.detail)
    })
}

/// The signed-in user with `role`, or the response that sends anyone else away: a visitor to
/// the sign-in page, someone signed in with another role to a 403 page that says `refusal`.
pub fn signed_in_as(page: &Page, req: &HttpRequest, role: crate::domain::user::Role, refusal: &'static str) -> Result<crate::auth::CurrentUser, HttpResponse> {
    match (&page.user, page.user_with(role)) {
        (_, Some(u)) => Ok(u.clone()),
        (None, _) => Err(to_login(page, req)),
        (Some(_), None) => Err(error_page(page, &ApiError::forbidden(refusal))),
    }
}

/// A posted form from a signed-in page: the page, who `role` says may post it, and the fields;
/// refused without this page's CSRF token.
pub async fn posted_by(
    req: &HttpRequest,
    state: &crate::state::AppState,
    form: Form,
    role: fn(&Page, &HttpRequest) -> Result<crate::auth::CurrentUser, HttpResponse>,
) -> Result<(Page, crate::auth::CurrentUser, Fields), HttpResponse> {
    let page = page_of(req, state).await?;
    let user = role(&page, req)?;
    let f = fields(form);
    if !page.csrf_ok(f.get("csrf")) {
        return Err(csrf_refused(&page));
    }
    Ok((page, user, f))
}

/// The value of a `Result<T, HttpResponse>`, or the response returned from the handler.
macro_rules! or_return {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(response) => return response,
        }
    };
}
pub(crate) use or_return;

/// A use-case's refusal, as a page that says what happened and what to do.
pub fn error_page(page: &Page, e: &ApiError) -> HttpResponse {
    let m = page.m();
    let home = || Some(Link { href: "/".into(), label: m.back_home.into() });
    match (e.status.as_u16(), e.code.as_ref()) {
        (_, "endorsement_token_invalid") => message(page, e.status, m.link_invalid_title, m.endorse_link_invalid_body, None),
        (_, "token_invalid") => message(
            page,
            e.status,
            m.link_invalid_title,
            m.link_invalid_body,
            Some(Link { href: "/reset-password".into(), label: m.reset_title.into() }),
        ),
        (404, _) => message(page, e.status, m.not_found_title, m.not_found_body, home()),
        (429, _) => message(page, e.status, m.refused_title, m.too_many_attempts, None),
        (s, _) if s >= 500 => message(page, e.status, m.error_title, m.error_body, home()),
        _ => message(page, e.status, m.refused_title, &e.detail, home()),
    }
}
