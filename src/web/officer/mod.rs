//! The program officer's pages, under `/admin`: calls, the call's dashboard (prefectures,
//! conflicts, assignment), the ranking with the decisions beside it, users and the audit trail.
//! Admins only; each page calls the same use-cases as the JSON API.

mod calls;
mod dashboard;
mod decisions;
mod funding;
mod people;
mod projects;
mod text;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::CurrentUser;
use crate::domain::call::CallStatus;
use crate::domain::proposal::ProposalStatus;
use crate::domain::user::Role;
use crate::error::ApiError;
use crate::state::AppState;

use super::{Fields, Form, Page, error_page};
use text::T;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .route("", web::get().to(calls::list))
            .route("/calls/new", web::get().to(calls::new_form))
            .route("/calls", web::post().to(calls::create))
            .route("/calls/{id}/edit", web::get().to(calls::edit_form))
            .route("/calls/{id}/edit", web::post().to(calls::update))
            .route("/calls/{id}/publish", web::post().to(calls::publish))
            .route("/calls/{id}/start-review", web::post().to(calls::start_review))
            .route("/calls/{id}", web::get().to(dashboard::show))
            .route("/calls/{id}/auto-assign", web::post().to(dashboard::preview))
            .route("/calls/{id}/auto-assign/apply", web::post().to(dashboard::apply))
            .route("/calls/{id}/assignments", web::post().to(dashboard::assign))
            .route("/calls/{id}/assignments/{assignment}/remove", web::post().to(dashboard::remove))
            .route("/calls/{id}/ranking", web::get().to(decisions::ranking))
            .route("/calls/{id}/ranking.csv", web::get().to(decisions::csv))
            .route("/calls/{id}/decisions/{proposal}", web::post().to(decisions::decide))
            .route("/calls/{id}/publish-decisions", web::get().to(decisions::confirm))
            .route("/calls/{id}/publish-decisions", web::post().to(decisions::publish))
            .route("/projects", web::get().to(projects::list))
            .route("/projects/{id}", web::get().to(projects::show))
            .route("/projects/{id}/conditions", web::post().to(projects::clear_conditions))
            .route("/projects/{id}/grants/{fiscal_year}", web::get().to(projects::confirm_grant))
            .route("/projects/{id}/grants/{fiscal_year}", web::post().to(projects::grant))
            .route("/projects/{id}/phase", web::post().to(projects::change_phase))
            .route("/reports/funding", web::get().to(funding::page))
            .route("/reports/funding.csv", web::get().to(funding::csv))
            .route("/users", web::get().to(people::list))
            .route("/users", web::post().to(people::invite))
            .route("/users/{id}", web::get().to(people::edit_form))
            .route("/users/{id}", web::post().to(people::update))
            .route("/proposals/{id}/audit", web::get().to(people::audit)),
    );
}

/// The signed-in program officer, or the response that sends anyone else away.
async fn officer(req: &HttpRequest, state: &AppState) -> Result<(Page, CurrentUser), HttpResponse> {
    let page = crate::web::page_of(req, state).await?;
    let user = program_officer(&page, req)?;
    Ok((page, user))
}

fn program_officer(page: &Page, req: &HttpRequest) -> Result<CurrentUser, HttpResponse> {
    crate::web::signed_in_as(page, req, Role::Admin, "only program officers may open these pages")
}

/// A posted form from a program officer's page: refused without this page's CSRF token.
async fn posted(req: &HttpRequest, state: &AppState, form: Form) -> Result<(Page, CurrentUser, Fields), HttpResponse> {
    crate::web::posted_by(req, state, form, program_officer).await
}

pub(crate) use crate::web::or_return;

/// A use-case's result, or its refusal as a page.
fn or_page<T>(page: &Page, result: Result<T, ApiError>) -> Result<T, HttpResponse> {
    result.map_err(|e| error_page(page, &e))
}

/// The problems of a field (and of its items, `field[0]`…), as one message to show beside it.
fn problem(errors: &[crate::error::FieldError], field: &str) -> Option<String> {
    let found: Vec<&str> = errors.iter().filter(|e| e.field == field || e.field.starts_with(&format!("{field}["))).map(|e| e.message.as_str()).collect();
    (!found.is_empty()).then(|| found.join(" "))
}

fn texts(page: &Page) -> &'static T {
    text::of(page.lang)
}

pub fn call_status(t: &T, status: CallStatus) -> &'static str {
    match status {
        CallStatus::Draft => t.st_draft,
        CallStatus::Published => t.st_published,
        CallStatus::UnderReview => t.st_call_review,
        CallStatus::Hearing => t.st_hearing,
        CallStatus::Decided => t.st_decided,
    }
}

/// Every proposal status's label (and, by its code, its colour in the prefecture grid).
pub fn proposal_status(t: &T, status: ProposalStatus) -> &'static str {
    match status {
        ProposalStatus::Draft => t.st_draft,
        ProposalStatus::Submitted => t.st_submitted,
        ProposalStatus::UnderReview => t.st_under_review,
        ProposalStatus::Shortlisted => t.st_shortlisted,
        ProposalStatus::NotShortlisted => t.st_not_shortlisted,
        ProposalStatus::Adopted => t.st_adopted,
        ProposalStatus::ConditionallyAdopted => t.st_conditional,
        ProposalStatus::Rejected => t.st_rejected,
        ProposalStatus::Withdrawn => t.st_withdrawn,
    }
}
