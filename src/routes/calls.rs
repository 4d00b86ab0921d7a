//! Calls (公募): program officers create, amend, publish and close them; everyone signed in reads
//! the published ones.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;

use crate::app::calls::{self, CreateCall};
use crate::auth::{Admin, CurrentUser};
use crate::domain::call::CallStatus;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::repo::calls::Call;
use crate::routes::{Body, List, Page, created_at, if_match, with_etag};
use crate::state::AppState;

fn rendered(status: StatusCode, call: &Call) -> HttpResponse {
    with_etag(status, call.version, call)
}

/// Open a call (as a draft).
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    request_body = CreateCall,
    responses(
        (status = 201, body = Call, headers(("ETag" = String))),
        (status = 422, description = "Every problem with the terms", body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls")]
pub async fn create_call(state: web::Data<AppState>, admin: Admin, body: Body<CreateCall>) -> ApiResult<HttpResponse> {
    let call = state.write(Actor::user(&admin), move |tx| calls::create(tx, &admin, body.0)).await?;
    Ok(created_at(rendered(StatusCode::CREATED, &call), &format!("/calls/{}", call.id)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallFilter {
    pub status: Option<CallStatus>,
}

/// List calls, newest first. Applicants and reviewers see published calls and later only.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(CallFilter, Page),
    responses((status = 200, body = List<Call>), (status = 401, body = Problem))
)]
#[get("/calls")]
pub async fn list_calls(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<CallFilter>,
    page: web::Query<Page>,
) -> ApiResult<web::Json<List<Call>>> {
    let (limit, offset) = page.into_inner().resolve()?;
    let status = filter.status;
    let (calls, total) = state.read(Actor::user(&user), move |tx| calls::list(tx, &user, status, limit, offset)).await?;
    Ok(web::Json(List::new(calls, total)))
}

/// One call.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Call, headers(("ETag" = String))), (status = 404, body = Problem), (status = 401, body = Problem))
)]
#[get("/calls/{id}")]
pub async fn get_call(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let call = state.read(Actor::user(&user), move |tx| calls::get(tx, &user, &id)).await?;
    Ok(rendered(StatusCode::OK, &call))
}

/// Amend a call (JSON merge patch). While `draft` anything; once published only `closes_at`
/// (an extension) and `description`; under review and after, `description`.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = Call, headers(("ETag" = String))),
        (status = 409, description = "A field the call's status no longer allows (`invalid_state`)", body = Problem),
        (status = 412, description = "Stale If-Match (`version_conflict`)", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[patch("/calls/{id}")]
pub async fn update_call(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    id: web::Path<String>,
    body: Body<Map<String, Value>>,
) -> ApiResult<HttpResponse> {
    let precondition = if_match(&req)?;
    let call = state.write(Actor::user(&admin), move |tx| calls::update(tx, &id, precondition, body.0)).await?;
    Ok(rendered(StatusCode::OK, &call))
}

/// Publish a draft call: applicants can now see it and apply within its window.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Call), (status = 409, description = "Not a draft (`invalid_state`)", body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/calls/{id}/publish")]
pub async fn publish_call(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let call = state.write(Actor::user(&admin), move |tx| calls::publish(tx, &id)).await?;
    Ok(rendered(StatusCode::OK, &call))
}

/// Close submissions and start the review: every submitted proposal goes under review.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Call),
        (status = 409, description = "Not published, or the deadline has not passed (`invalid_state`)", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/start-review")]
pub async fn start_review(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let call = state.write(Actor::user(&admin), move |tx| calls::start_review(tx, &id)).await?;
    Ok(rendered(StatusCode::OK, &call))
}
