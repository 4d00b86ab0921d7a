//! Projects after adoption: the schedule per fiscal year, conditions, annual grants and stage
//! gates.

use actix_web::{get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::projects::view::{ClearConditions, GrantView, PhaseChange, Project};
use crate::app::projects;
use crate::auth::{Admin, CurrentUser};
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::{Body, List};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectFilter {
    pub call_id: Option<String>,
}

/// Projects: program officers see all, an applicant those its prefecture leads or is a
/// confirmed partner of.
#[utoipa::path(
    tag = "projects",
    security(("bearer" = [])),
    params(ProjectFilter),
    responses((status = 200, body = List<Project>), (status = 403, body = Problem))
)]
#[get("/projects")]
pub async fn list_projects(state: web::Data<AppState>, user: CurrentUser, filter: web::Query<ProjectFilter>) -> ApiResult<web::Json<List<Project>>> {
    let call_id = filter.into_inner().call_id;
    let items = state.read(Actor::user(&user), move |tx| projects::list(tx, &user, call_id.as_deref())).await?;
    Ok(web::Json(List::all(items)))
}

/// One project, with its schedule (and grants) and the KPIs its proposal named.
#[utoipa::path(
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The project")),
    responses((status = 200, body = Project), (status = 404, body = Problem))
)]
#[get("/projects/{id}")]
pub async fn get_project(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<web::Json<Project>> {
    let project = state.read(Actor::user(&user), move |tx| projects::get(tx, &user, &id)).await?;
    Ok(web::Json(project))
}

/// Clear the conditions of a conditional adoption, with a note saying how they were met; until
/// then nothing is granted.
#[utoipa::path(
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The project")),
    request_body = ClearConditions,
    responses(
        (status = 200, body = Project),
        (status = 409, description = "`invalid_state`: no conditions, cleared already, or the project is over", body = Problem),
        (status = 422, description = "No note", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/projects/{id}/conditions/clear")]
pub async fn clear_conditions(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<ClearConditions>) -> ApiResult<web::Json<Project>> {
    let Admin(admin) = admin;
    let project = state.write(Actor::user(&admin), move |tx| projects::clear_conditions(tx, &admin, &id, &body.0.note)).await?;
    Ok(web::Json(project))
}

/// The annual grant (交付決定) of one scheduled fiscal year, made once; the lead prefecture is
/// emailed.
#[utoipa::path(
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The project"), ("fiscal_year" = i32, Path, description = "A scheduled fiscal year")),
    responses(
        (status = 200, body = GrantView),
        (status = 409, description = "`conditions_open`, `already_granted`, or `invalid_state` (the project is completed or terminated)", body = Problem),
        (status = 404, description = "No such project, or the year is not scheduled", body = Problem),
        (status = 403, body = Problem),
    )
)]
#[post("/projects/{id}/grants/{fiscal_year}")]
pub async fn grant_year(state: web::Data<AppState>, admin: Admin, path: web::Path<(String, i32)>) -> ApiResult<web::Json<GrantView>> {
    let Admin(admin) = admin;
    let (id, fiscal_year) = path.into_inner();
    let base_url = state.settings.app.public_base_url.clone();
    let grant = state.write(Actor::user(&admin), move |tx| projects::grant(tx, &admin, &id, fiscal_year, &base_url)).await?;
    Ok(web::Json(grant))
}

/// A stage gate by hand: complete or terminate a project, with the reason (audited).
#[utoipa::path(
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The project")),
    request_body = PhaseChange,
    responses(
        (status = 200, body = Project),
        (status = 409, description = "`invalid_state`: the project is completed or terminated already", body = Problem),
        (status = 422, description = "No reason, or `to` is not `completed` or `terminated`", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/projects/{id}/phase")]
pub async fn change_phase(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<PhaseChange>) -> ApiResult<web::Json<Project>> {
    let Admin(admin) = admin;
    let project = state.write(Actor::user(&admin), move |tx| projects::change_phase(tx, &admin, &id, body.0)).await?;
    Ok(web::Json(project))
}
