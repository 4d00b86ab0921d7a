//! Proposals (提案): a prefecture drafts, invites partners, collects endorsements and submits
//! before the deadline; program officers and assigned reviewers read.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use crate::app::proposals::{self as app, Proposal, SubmittedVersion};
use crate::auth::{Applicant, CurrentUser};
use crate::domain::proposal::{ProposalContent, ProposalStatus};
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::{Body, List, MaybeBody, Page, created_at, if_match, with_etag, with_etag_json};
use crate::state::AppState;

/// Start the prefecture's proposal for a call, optionally with initial content.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body(content = Option<ProposalContent>, description = "Initial content (all optional)"),
    responses(
        (status = 201, body = Proposal, headers(("ETag" = String))),
        (status = 409, description = "`prefecture_already_participating` or `call_not_open`", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    )
)]
#[post("/calls/{id}/proposals")]
pub async fn create_proposal(
    state: web::Data<AppState>,
    applicant: Applicant,
    call_id: web::Path<String>,
    body: MaybeBody<Value>,
) -> ApiResult<HttpResponse> {
    let lead = applicant.prefecture()?;
    let content = app::drafting::initial_content(body.0, lead)?;
    let user = applicant.0;
    let created = state.write(Actor::user(&user), move |tx| app::create(tx, &user, lead, &call_id, content)).await?;
    Ok(created_at(with_etag(StatusCode::CREATED, created.version, &created), &format!("/proposals/{}", created.id)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalFilter {
    pub call_id: Option<String>,
    pub status: Option<ProposalStatus>,
}

/// Proposals the caller may see: applicants those of their prefecture (lead or partner),
/// reviewers those assigned to them, program officers all.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(ProposalFilter, Page),
    responses((status = 200, body = List<Proposal>), (status = 401, body = Problem))
)]
#[get("/proposals")]
pub async fn list_proposals(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<ProposalFilter>,
    page: web::Query<Page>,
) -> ApiResult<web::Json<List<Proposal>>> {
    let (limit, offset) = page.into_inner().resolve()?;
    let ProposalFilter { call_id, status } = filter.into_inner();
    let (items, total) = state
        .read(Actor::user(&user), move |tx| app::list(tx, &user, call_id.as_deref(), status, limit, offset))
        .await?;
    Ok(web::Json(List::new(items, total)))
}

/// One proposal.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Proposal, headers(("ETag" = String))), (status = 404, body = Problem), (status = 401, body = Problem))
)]
#[get("/proposals/{id}")]
pub async fn get_proposal(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let found = state.read(Actor::user(&user), move |tx| app::get_json(tx, &user, &id)).await?;
    Ok(with_etag_json(StatusCode::OK, found.version(), found.body()?))
}

/// Edit a draft (JSON merge patch of the proposal body; arrays are replaced whole). Any change
/// of content voids every endorsement and every outstanding endorsement link.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body(content = ProposalContent, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = Proposal, headers(("ETag" = String))),
        (status = 409, description = "`call_not_open` after the deadline, `invalid_state` unless draft", body = Problem),
        (status = 412, description = "Stale If-Match (`version_conflict`)", body = Problem),
        (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[patch("/proposals/{id}")]
pub async fn update_proposal(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    id: web::Path<String>,
    body: Body<Value>,
) -> ApiResult<HttpResponse> {
    let precondition = if_match(&req)?;
    let updated = state.write(Actor::user(&user), move |tx| app::update(tx, &user, &id, &precondition, &body.0)).await?;
    Ok(with_etag_json(StatusCode::OK, updated.version(), updated.body()?))
}

/// The immutable snapshots of every submission, oldest first.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = List<SubmittedVersion>), (status = 404, body = Problem))
)]
#[get("/proposals/{id}/versions")]
pub async fn list_versions(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<web::Json<List<SubmittedVersion>>> {
    let versions = state.read(Actor::user(&user), move |tx| app::list_versions(tx, &user, &id)).await?;
    Ok(web::Json(List::all(versions)))
}
