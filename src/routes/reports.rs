//! 実績報告: the lead prefecture's annual progress report per scheduled fiscal year, and the
//! program officer's view of every KPI against its straight line.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};

use crate::app::projects::reports::{self, KpiProgressItem, ProgressReport};
use crate::auth::{Admin, CurrentUser};
use crate::domain::report::ReportInput;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::{Body, List, if_match, with_etag};
use crate::state::AppState;

/// Save the year's report as a draft (replacing the previous draft). Values may be left out
/// (null) until submission; those given must be valid.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The project"),
        ("fiscal_year" = i32, Path, description = "A scheduled fiscal year"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on"),
    ),
    request_body = ReportInput,
    responses(
        (status = 200, body = ProgressReport, headers(("ETag" = String))),
        (status = 409, description = "`report_locked`: the report is submitted", body = Problem),
        (status = 412, description = "Stale If-Match (`version_conflict`)", body = Problem),
        (status = 422, description = "Every problem: `unknown_kpi`, `duplicate` or `required` (KPI name), `negative` (outcome count), `too_long`", body = Problem),
        (status = 403, description = "Not the lead prefecture (a partner, a program officer)", body = Problem),
        (status = 404, description = "No such project for the caller, or the year is not scheduled", body = Problem),
    )
)]
#[put("/projects/{id}/reports/{fiscal_year}")]
pub async fn save_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    path: web::Path<(String, i32)>,
    body: Body<ReportInput>,
) -> ApiResult<HttpResponse> {
    let (id, fiscal_year) = path.into_inner();
    let precondition = if_match(&req)?;
    let saved = state.write(Actor::user(&user), move |tx| reports::save(tx, &user, &id, fiscal_year, &precondition, body.0)).await?;
    Ok(with_etag(StatusCode::OK, saved.version, &saved))
}

/// Submit the year's report: every KPI of the project, every outcome count and a narrative are
/// needed (422 lists all that is missing). The report is then locked.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The project"),
        ("fiscal_year" = i32, Path, description = "A scheduled fiscal year"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version submitted"),
    ),
    responses(
        (status = 200, body = ProgressReport, headers(("ETag" = String))),
        (status = 409, description = "`report_locked`: submitted already", body = Problem),
        (status = 412, description = "Stale If-Match (`version_conflict`)", body = Problem),
        (status = 422, description = "Every gap: `kpis.<name>`, `outcomes.<count>`, `narrative`, each `required`", body = Problem),
        (status = 403, body = Problem),
        (status = 404, description = "No such project for the caller, or the year is not scheduled", body = Problem),
    )
)]
#[post("/projects/{id}/reports/{fiscal_year}/submit")]
pub async fn submit_report(state: web::Data<AppState>, user: CurrentUser, req: HttpRequest, path: web::Path<(String, i32)>) -> ApiResult<HttpResponse> {
    let (id, fiscal_year) = path.into_inner();
    let precondition = if_match(&req)?;
    let submitted = state.write(Actor::user(&user), move |tx| reports::submit(tx, &user, &id, fiscal_year, &precondition)).await?;
    Ok(with_etag(StatusCode::OK, submitted.version, &submitted))
}

/// A project's reports, drafts included, oldest fiscal year first: for program officers and the
/// prefectures taking part.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The project")),
    responses((status = 200, body = List<ProgressReport>), (status = 404, body = Problem))
)]
#[get("/projects/{id}/reports")]
pub async fn list_reports(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<web::Json<List<ProgressReport>>> {
    let items = state.read(Actor::user(&user), move |tx| reports::list(tx, &user, &id)).await?;
    Ok(web::Json(List::all(items)))
}

/// Each KPI of each of the call's projects in the year of its latest submitted report, against
/// the straight line from the baseline (the call's fiscal year) to the target.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = List<KpiProgressItem>), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/kpi-progress")]
pub async fn kpi_progress(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<List<KpiProgressItem>>> {
    let Admin(admin) = admin;
    let items = state.read(Actor::user(&admin), move |tx| reports::kpi_progress(tx, &admin, &id)).await?;
    Ok(web::Json(List::all(items)))
}
