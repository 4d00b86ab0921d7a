//! Evaluation rounds (中間評価・事後評価): opened and amended by program officers, answered by
//! the lead prefectures' self-evaluations, graded by assigned evaluators (whose reviews go
//! through `/assignments/{id}/review`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use serde_json::{Map, Value};

use crate::app::evaluations::evaluators::{self, AssignEvaluator};
use crate::app::evaluations::rounds::{self, CreateEvaluation, Evaluation};
use crate::app::evaluations::self_evaluations::{self, SelfEvaluation, WriteSelfEvaluation};
use crate::app::review::view::Assignment;
use crate::auth::{Admin, Applicant, CurrentUser};
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::{Body, List, created_at, if_match, with_etag};
use crate::state::AppState;

fn rendered(status: StatusCode, round: &Evaluation) -> HttpResponse {
    with_etag(status, round.version, round)
}

/// Open an evaluation round over the call's active projects. Each lead prefecture is emailed
/// the self-evaluation's due date.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body = CreateEvaluation,
    responses(
        (status = 201, body = Evaluation, headers(("ETag" = String))),
        (status = 409, description = "The call has no active project (`invalid_state`)", body = Problem),
        (status = 422, description = "Every problem: items, adjustments, a fiscal year outside the projects' schedule, a due date in the past", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/evaluations")]
pub async fn create_evaluation(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<CreateEvaluation>) -> ApiResult<HttpResponse> {
    let Admin(admin) = admin;
    let base_url = state.settings.app.public_base_url.clone();
    let round = state.write(Actor::user(&admin), move |tx| rounds::create(tx, &admin, &id, body.0, &base_url)).await?;
    Ok(created_at(rendered(StatusCode::CREATED, &round), &format!("/evaluations/{}", round.id)))
}

/// The call's evaluation rounds, oldest first.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = List<Evaluation>), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/evaluations")]
pub async fn list_evaluations(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<List<Evaluation>>> {
    let items = state.read(Actor::user(&admin), move |tx| rounds::of_call(tx, &id)).await?;
    Ok(web::Json(List::all(items)))
}

/// One evaluation round.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The evaluation round")),
    responses((status = 200, body = Evaluation, headers(("ETag" = String))), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/evaluations/{id}")]
pub async fn get_evaluation(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let round = state.read(Actor::user(&admin), move |tx| rounds::get(tx, &id)).await?;
    Ok(rendered(StatusCode::OK, &round))
}

/// Amend a round (JSON merge patch): `title` and `self_evaluation_due` while it is open;
/// `items` and `adjustments` until the first grade is saved.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The evaluation round"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = Evaluation, headers(("ETag" = String))),
        (status = 409, description = "Items or adjustments after the first grade, or a published round (`invalid_state`)", body = Problem),
        (status = 412, description = "Stale If-Match (`version_conflict`)", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[patch("/evaluations/{id}")]
pub async fn update_evaluation(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    id: web::Path<String>,
    body: Body<Map<String, Value>>,
) -> ApiResult<HttpResponse> {
    let precondition = if_match(&req)?;
    let round = state.write(Actor::user(&admin), move |tx| rounds::update(tx, &id, precondition, body.0)).await?;
    Ok(rendered(StatusCode::OK, &round))
}

/// Write the project's self-evaluation (自己評価書): the lead prefecture, before the due date.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The evaluation round"), ("project_id" = String, Path)),
    request_body = WriteSelfEvaluation,
    responses(
        (status = 200, body = SelfEvaluation),
        (status = 409, description = "After the due date, or once the round is published (`evaluation_closed`)", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, description = "Not the lead prefecture", body = Problem),
    )
)]
#[put("/evaluations/{id}/projects/{project_id}/self-evaluation")]
pub async fn write_self_evaluation(
    state: web::Data<AppState>,
    lead: Applicant,
    path: web::Path<(String, String)>,
    body: Body<WriteSelfEvaluation>,
) -> ApiResult<web::Json<SelfEvaluation>> {
    let Applicant(lead) = lead;
    let (id, project_id) = path.into_inner();
    let view = state.write(Actor::user(&lead), move |tx| self_evaluations::write(tx, &lead, &id, &project_id, body.0)).await?;
    Ok(web::Json(view))
}

/// A project's self-evaluation, for program officers and the lead prefecture; 404 until written.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The evaluation round"), ("project_id" = String, Path)),
    responses((status = 200, body = SelfEvaluation), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/evaluations/{id}/projects/{project_id}/self-evaluation")]
pub async fn read_self_evaluation(state: web::Data<AppState>, user: CurrentUser, path: web::Path<(String, String)>) -> ApiResult<web::Json<SelfEvaluation>> {
    let (id, project_id) = path.into_inner();
    let view = state.read(Actor::user(&user), move |tx| self_evaluations::read(tx, &user, &id, &project_id)).await?;
    Ok(web::Json(view))
}

/// Assign an evaluator (a reviewer account) to one of the round's projects, under the conflict
/// rules of proposal review. The evaluator grades it through `/assignments/{id}/review`.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The evaluation round")),
    request_body = AssignEvaluator,
    responses(
        (status = 201, body = Assignment),
        (status = 409, description = "`conflict_of_interest`, `already_assigned`, or `invalid_state` (published round, inactive project)", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/evaluations/{id}/assignments")]
pub async fn assign_evaluator(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<AssignEvaluator>) -> ApiResult<HttpResponse> {
    let Admin(admin) = admin;
    let base_url = state.settings.app.public_base_url.clone();
    let assignment = state.write(Actor::user(&admin), move |tx| evaluators::assign(tx, &admin, &id, body.0, &base_url)).await?;
    let location = format!("/evaluations/{}/assignments", assignment.evaluation_id.as_deref().unwrap_or_default());
    Ok(created_at(HttpResponse::Created().json(assignment), &location))
}

/// The round's evaluator assignments.
#[utoipa::path(
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The evaluation round")),
    responses((status = 200, body = List<Assignment>), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/evaluations/{id}/assignments")]
pub async fn list_evaluators(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<List<Assignment>>> {
    let items = state.read(Actor::user(&admin), move |tx| evaluators::of_round(tx, &id)).await?;
    Ok(web::Json(List::all(items)))
}
