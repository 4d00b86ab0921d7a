//! Decisions (採択決定): per-proposal outcomes within the call's budget, the decision-support
//! plan, publication with notifications, and what applicants and the public then see.

use actix_web::{get, post, put, web};

use crate::app::decisions::view::{BudgetPlan, CallDecisions, DecisionInput, DecisionView, ProposalResult, PublicResults};
use crate::app::decisions::{self, publication};
use crate::auth::{Admin, CurrentUser};
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::repo::calls::Call;
use crate::routes::Body;
use crate::state::AppState;

/// Record or change the decision on a proposal while its call is under review. The awards of a
/// call never exceed its budget, also when program officers decide at the same moment: the
/// call's row is locked while the sum is checked.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    request_body = DecisionInput,
    responses(
        (status = 200, body = DecisionView),
        (status = 409, description = "`budget_exceeded` (with `remaining_yen`), or `invalid_state` (call not under review, decisions published)", body = Problem),
        (status = 422, description = "Award above the request or the call maximum, missing conditions, …", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[put("/proposals/{id}/decision")]
pub async fn decide(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<DecisionInput>) -> ApiResult<web::Json<DecisionView>> {
    let Admin(admin) = admin;
    let view = state.write(Actor::user(&admin), move |tx| decisions::decide(tx, &admin, &id, body.0)).await?;
    Ok(web::Json(view))
}

/// The decision on a proposal (program officers, before and after publication).
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    responses((status = 200, body = DecisionView), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/proposals/{id}/decision")]
pub async fn get_decision(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<DecisionView>> {
    let view = state.read(Actor::user(&admin), move |tx| decisions::get(tx, &id)).await?;
    Ok(web::Json(view))
}

/// Every decision of a call, with the budget used and left.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = CallDecisions), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/decisions")]
pub async fn list_decisions(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<CallDecisions>> {
    let view = state.read(Actor::user(&admin), move |tx| decisions::of_call(tx, &id)).await?;
    Ok(web::Json(view))
}

/// Decision support: the set of reviewed proposals with the highest total score whose requests
/// fit the call's budget — an exact 0/1 knapsack in whole yen. Ties go to the cheaper set, then
/// to the better-ranked proposals. Proposals without a submitted review have no score and are
/// left out.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = BudgetPlan), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/budget-plan")]
pub async fn budget_plan(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<BudgetPlan>> {
    let plan = state.read(Actor::user(&admin), move |tx| decisions::budget_plan(tx, &id)).await?;
    Ok(web::Json(plan))
}

/// Publish the decisions: refused while any reviewed proposal lacks one; then the call is
/// decided, every proposal takes its outcome, each participating prefecture's officers are
/// emailed, applicants see their results and the public its list of adopted proposals.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses(
        (status = 200, body = Call),
        (status = 409, description = "`decisions_missing` (listing them in `missing`), or `invalid_state`", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/publish-decisions")]
pub async fn publish_decisions(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<Call>> {
    let base_url = state.settings.app.public_base_url.clone();
    let call = state.write(Actor::user(&admin), move |tx| publication::publish(tx, &id, &base_url)).await?;
    Ok(web::Json(call))
}

/// The applicant's result, after publication: outcome, amount, conditions, feedback and the
/// aggregated evaluation — never who reviewed or any single review.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    responses((status = 200, body = ProposalResult), (status = 404, description = "Not published yet, or not the caller's proposal", body = Problem))
)]
#[get("/proposals/{id}/result")]
pub async fn proposal_result(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<web::Json<ProposalResult>> {
    let result = state.read(Actor::user(&user), move |tx| publication::result(tx, &user, &id)).await?;
    Ok(web::Json(result))
}

/// The public list of adopted proposals (採択課題一覧), without authentication, once the
/// decisions are published.
#[utoipa::path(
    tag = "decisions",
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = PublicResults), (status = 404, description = "Unknown call, or decisions not published", body = Problem))
)]
#[get("/public/calls/{id}/results")]
pub async fn public_results(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult<web::Json<PublicResults>> {
    let results = state.read(Actor::anonymous("public", None), move |tx| publication::adopted(tx, &id)).await?;
    Ok(web::Json(results))
}
