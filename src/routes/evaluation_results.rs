//! Publishing an evaluation round, and its public results.

use actix_web::{get, post, web};

use crate::app::evaluations::publication::{self, RoundResults};
use crate::auth::Admin;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::state::AppState;

/// Publish an evaluation round: every active project of the call needs a submitted review. Each
/// project gets its total score (1.00–4.00) and overall grade; an interim round multiplies the
/// project's later, not yet granted fiscal years by the round's percentage for its grade (0
/// terminates it) within the call's yearly budgets; an ex-post round completes the projects.
/// The lead prefectures are emailed their results.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The evaluation round")),
    responses(
        (status = 200, body = RoundResults),
        (status = 409, description = "`reviews_missing` (the projects in `missing`), or `invalid_state` (published already, no active project)", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/evaluations/{id}/publish")]
pub async fn publish_evaluation(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<RoundResults>> {
    let base_url = state.settings.app.public_base_url.clone();
    let results = state.write(Actor::user(&admin), move |tx| publication::publish(tx, &id, &base_url)).await?;
    Ok(web::Json(results))
}

/// A published round's results, for anyone without signing in: scores, grades, item means and
/// the cohort mean — never who evaluated.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "The evaluation round")),
    responses((status = 200, body = RoundResults), (status = 404, description = "Unknown round, or not published yet", body = Problem))
)]
#[get("/public/evaluations/{id}/results")]
pub async fn public_evaluation_results(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult<web::Json<RoundResults>> {
    let results = state.read(Actor::anonymous("public", None), move |tx| publication::public_results(tx, &id)).await?;
    Ok(web::Json(results))
}
