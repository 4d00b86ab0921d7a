//! Conflicts of interest: declared by program officers for a proposal, or by a reviewer on an
//! assignment of theirs.

use actix_web::{HttpResponse, get, post, web};

use crate::app::review::conflicts;
use crate::app::review::view::{Conflict, DeclareConflict, Reason};
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::{Body, List, MaybeBody, created_at};
use crate::state::AppState;

/// Record a conflict of interest between a reviewer and a proposal; an existing assignment of
/// the pair is removed.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    request_body = DeclareConflict,
    responses((status = 201, body = Conflict), (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/proposals/{id}/conflicts")]
pub async fn declare_conflict(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<DeclareConflict>) -> ApiResult<HttpResponse> {
    let Admin(admin) = admin;
    let conflict = state.write(Actor::user(&admin), move |tx| conflicts::declare(tx, &admin, &id, body.0)).await?;
    let location = format!("/proposals/{}/conflicts", conflict.proposal_id);
    Ok(created_at(HttpResponse::Created().json(conflict), &location))
}

/// The conflicts declared for a proposal.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    responses((status = 200, body = List<Conflict>), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/proposals/{id}/conflicts")]
pub async fn list_conflicts(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<List<Conflict>>> {
    let items = state.read(Actor::user(&admin), move |tx| conflicts::of_proposal(tx, &id)).await?;
    Ok(web::Json(List::all(items)))
}

/// Declare a conflict of interest with the assigned proposal: the conflict is recorded and the
/// assignment removed.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = Option<Reason>),
    responses((status = 201, body = Conflict), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/assignments/{id}/conflict")]
pub async fn declare_own_conflict(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>, body: MaybeBody<Reason>) -> ApiResult<HttpResponse> {
    let Reviewer(reviewer) = reviewer;
    let reason = body.0.and_then(|r| r.reason);
    let conflict = state.write(Actor::user(&reviewer), move |tx| conflicts::declare_own(tx, &reviewer, &id, reason)).await?;
    let location = format!("/proposals/{}/conflicts", conflict.proposal_id);
    Ok(created_at(HttpResponse::Created().json(conflict), &location))
}
