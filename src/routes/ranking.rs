//! The ranking of a call's reviewed proposals, as JSON or CSV.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::review::ranking;
use crate::app::review::view::Ranking;
use crate::auth::Admin;
use crate::domain::review::ReviewStage;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::wants_csv;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingFormat {
    /// `csv` for a spreadsheet (same as `Accept: text/csv`).
    pub format: Option<String>,
    /// `document` or `hearing` (two-stage calls); default: the stage that decides — the
    /// hearing once the shortlist is made.
    pub stage: Option<ReviewStage>,
}

/// The call's proposals ranked by score, best first, with the aggregates a panel discusses.
/// `Accept: text/csv` (or `?format=csv`) gives the same as CSV.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call"), RankingFormat),
    responses(
        (status = 200, description = "The ranking; as CSV with `Accept: text/csv` or `?format=csv`", content(
            (Ranking = "application/json"),
            (String = "text/csv"),
        )),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[get("/calls/{id}/ranking")]
pub async fn call_ranking(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    id: web::Path<String>,
    format: web::Query<RankingFormat>,
) -> ApiResult<HttpResponse> {
    let stage = format.stage;
    let ranking = state.read(Actor::user(&admin), move |tx| ranking::of_call(tx, &id, stage)).await?;
    if wants_csv(&req, format.format.as_deref()) {
        let body = ranking.to_csv()?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"ranking-{}.csv\"", ranking.call_id)))
            .body(body));
    }
    let items = ranking.items;
    let total = items.len() as i64;
    Ok(HttpResponse::Ok().json(Ranking { items, total, stage: ranking.stage }))
}
