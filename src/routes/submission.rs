//! Submitting a proposal, pulling it back, withdrawing it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};

use crate::app::proposals::{self as app, Checklist, Proposal};
use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::idempotency::{self, IdempotencyKey, Outcome};
use crate::repo::audit::Actor;
use crate::routes::with_etag;
use crate::state::AppState;

/// Submit: every rule is checked at once (422 lists every problem), the prefectures' claims are
/// re-checked, a receipt number is issued, an immutable snapshot is stored and the lead
/// prefecture's officers get a receipt email. With `Idempotency-Key`, a retry returns the
/// first response.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key returns the same response")),
    responses(
        (status = 200, description = "Submitted", body = Proposal),
        (status = 400, description = "Unreadable or overlong Idempotency-Key (`invalid_idempotency_key`)", body = Problem),
        (status = 422, description = "Every problem that stands in the way", body = Problem),
        (status = 409, description = "`call_not_open`, `prefecture_already_participating` or `invalid_state`", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[post("/proposals/{id}/submit")]
pub async fn submit_proposal(state: web::Data<AppState>, user: CurrentUser, key: IdempotencyKey, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let outcome = state.write(Actor::user(&user), move |tx| app::submit(tx, &user, &id, key.0.as_deref())).await?;
    Ok(match outcome {
        Outcome::Fresh(view) => with_etag(StatusCode::OK, view.version, &view),
        Outcome::Replayed(body) => idempotency::replayed(&body),
    })
}

/// What `submit` would refuse now (endorsements included), without submitting: `ready` is true
/// when it would succeed. For anyone who may read the proposal.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Checklist), (status = 404, body = Problem))
)]
#[get("/proposals/{id}/checklist")]
pub async fn proposal_checklist(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let checklist = state.read(Actor::user(&user), move |tx| app::checklist(tx, &user, &id)).await?;
    Ok(HttpResponse::Ok().json(checklist))
}

/// Pull a submission back to draft, before the deadline only.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Proposal), (status = 409, description = "`call_not_open` after the deadline; `invalid_state` unless submitted", body = Problem), (status = 403, body = Problem), (status = 404, body = Problem))
)]
#[post("/proposals/{id}/unsubmit")]
pub async fn unsubmit_proposal(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let done = state.write(Actor::user(&user), move |tx| app::unsubmit(tx, &user, &id)).await?;
    Ok(with_etag(StatusCode::OK, done.version, &done))
}

/// Withdraw for good (draft or submitted, before the deadline): every prefecture is released.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Proposal), (status = 409, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem))
)]
#[post("/proposals/{id}/withdraw")]
pub async fn withdraw_proposal(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let done = state.write(Actor::user(&user), move |tx| app::withdraw(tx, &user, &id)).await?;
    Ok(with_etag(StatusCode::OK, done.version, &done))
}
