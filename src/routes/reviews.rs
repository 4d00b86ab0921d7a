//! Reviews graded S/A/B/C per criterion (seed 003): read, saved, submitted and returned.

use actix_web::{get, post, put, web};

use crate::app::review::reviews;
use crate::app::review::view::{Reason, Review};
use crate::auth::{Admin, CurrentUser, Reviewer};
use crate::domain::review::ReviewInput;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::{Body, MaybeBody};
use crate::state::AppState;

/// A review: its reviewer or a program officer reads it; nobody else, and no other reviewer.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assignment")),
    responses((status = 200, body = Review), (status = 404, body = Problem))
)]
#[get("/assignments/{id}/review")]
pub async fn get_review(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<web::Json<Review>> {
    let view = state.read(Actor::user(&user), move |tx| reviews::get(tx, &user, &id)).await?;
    Ok(web::Json(view))
}

/// Save the review as a draft (grades may be partial). Saving accepts a pending assignment.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assignment")),
    request_body = ReviewInput,
    responses(
        (status = 200, body = Review),
        (status = 409, description = "`review_locked` once submitted; `conflict_of_interest`; `invalid_state`", body = Problem),
        (status = 422, description = "Unknown criterion or grade", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[put("/assignments/{id}/review")]
pub async fn save_review(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>, body: Body<ReviewInput>) -> ApiResult<web::Json<Review>> {
    let Reviewer(reviewer) = reviewer;
    let view = state.write(Actor::user(&reviewer), move |tx| reviews::save(tx, &reviewer, &id, body.0)).await?;
    Ok(web::Json(view))
}

/// Submit the review: every criterion and the overall grade must be given; the review is then
/// locked.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assignment")),
    responses(
        (status = 200, body = Review),
        (status = 422, description = "Every missing grade", body = Problem),
        (status = 409, description = "`review_locked` if already submitted", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/assignments/{id}/review/submit")]
pub async fn submit_review(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>) -> ApiResult<web::Json<Review>> {
    let Reviewer(reviewer) = reviewer;
    let view = state.write(Actor::user(&reviewer), move |tx| reviews::submit(tx, &reviewer, &id)).await?;
    Ok(web::Json(view))
}

/// Return a submitted review to its reviewer, unlocking it.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assignment")),
    request_body(content = Option<Reason>, description = "The reason is told to the reviewer"),
    responses((status = 200, body = Review), (status = 409, description = "Not submitted, or decisions published (`invalid_state`)", body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/assignments/{id}/review/return")]
pub async fn return_review(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: MaybeBody<Reason>) -> ApiResult<web::Json<Review>> {
    let reason = body.0.and_then(|r| r.reason);
    let base_url = state.settings.app.public_base_url.clone();
    let view = state.write(Actor::user(&admin), move |tx| reviews::give_back(tx, &id, reason, &base_url)).await?;
    Ok(web::Json(view))
}
