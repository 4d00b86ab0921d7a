//! Reviewer assignments: listed and made by hand by program officers; accepted or declined by
//! the reviewer.

use actix_web::{HttpResponse, get, post, web};

use crate::app::review::assignments;
use crate::app::review::view::{AssignReviewer, Assignment, MyAssignment, Reason};
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::{Body, List, MaybeBody};
use crate::state::AppState;

/// The call's assignments.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = List<Assignment>), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/assignments")]
pub async fn list_assignments(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<List<Assignment>>> {
    let items = state.read(Actor::user(&admin), move |tx| assignments::of_call(tx, &id)).await?;
    Ok(web::Json(List::all(items)))
}

/// Assign a reviewer by hand. Refused for a conflicted pair (whoever asks), a pair already
/// assigned, or a reviewer at their maximum load.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body = AssignReviewer,
    responses(
        (status = 201, body = Assignment),
        (status = 409, description = "`conflict_of_interest`, `already_assigned`, `reviewer_at_capacity` or `invalid_state`", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/assignments")]
pub async fn assign_reviewer(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<AssignReviewer>) -> ApiResult<HttpResponse> {
    let Admin(admin) = admin;
    let base_url = state.settings.app.public_base_url.clone();
    let assignment = state.write(Actor::user(&admin), move |tx| assignments::assign(tx, &admin, &id, body.0, &base_url)).await?;
    let location = format!("/calls/{}/assignments", assignment.call_id);
    Ok(crate::routes::created_at(HttpResponse::Created().json(assignment), &location))
}

/// The caller's own assignments.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    responses((status = 200, body = List<MyAssignment>), (status = 403, body = Problem), (status = 401, body = Problem))
)]
#[get("/me/assignments")]
pub async fn my_assignments(state: web::Data<AppState>, reviewer: Reviewer) -> ApiResult<web::Json<List<MyAssignment>>> {
    let Reviewer(reviewer) = reviewer;
    let items = state.read(Actor::user(&reviewer), move |tx| assignments::mine(tx, &reviewer)).await?;
    Ok(web::Json(List::all(items)))
}

/// Accept an assignment.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Assignment), (status = 409, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/assignments/{id}/accept")]
pub async fn accept_assignment(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>) -> ApiResult<web::Json<Assignment>> {
    let Reviewer(reviewer) = reviewer;
    let view = state.write(Actor::user(&reviewer), move |tx| assignments::accept(tx, &reviewer, &id)).await?;
    Ok(web::Json(view))
}

/// Decline an assignment (until the review is submitted); the slot is freed for another reviewer.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = Option<Reason>),
    responses((status = 200, body = Assignment), (status = 409, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/assignments/{id}/decline")]
pub async fn decline_assignment(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>, body: MaybeBody<Reason>) -> ApiResult<web::Json<Assignment>> {
    let Reviewer(reviewer) = reviewer;
    let reason = body.0.and_then(|r| r.reason);
    let view = state.write(Actor::user(&reviewer), move |tx| assignments::decline(tx, &reviewer, &id, reason)).await?;
    Ok(web::Json(view))
}
