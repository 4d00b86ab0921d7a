//! The funding report: granted and scheduled money per fiscal year and lead prefecture, as JSON
//! or CSV.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::projects::funding::{self, FundingLine};
use crate::auth::Admin;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::{List, wants_csv};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FundingQuery {
    /// One fiscal year; without it, every year.
    pub fiscal_year: Option<i32>,
    /// `csv` for a spreadsheet (same as `Accept: text/csv`).
    pub format: Option<String>,
}

/// 資金投入状況: per fiscal year and lead prefecture (with its 地方), what is granted and what is
/// scheduled, ordered by year then prefecture code. `Accept: text/csv` (or `?format=csv`) gives
/// the same as CSV.
#[utoipa::path(
    tag = "projects",
    security(("bearer" = [])),
    params(FundingQuery),
    responses(
        (status = 200, description = "The report; as CSV with `Accept: text/csv` or `?format=csv`", content(
            (List<FundingLine> = "application/json"),
            (String = "text/csv"),
        )),
        (status = 422, description = "`fiscal_year` is not a year", body = Problem),
        (status = 403, body = Problem),
    )
)]
#[get("/reports/funding")]
pub async fn funding_report(state: web::Data<AppState>, admin: Admin, req: HttpRequest, query: web::Query<FundingQuery>) -> ApiResult<HttpResponse> {
    let FundingQuery { fiscal_year, format } = query.into_inner();
    let lines = state.read(Actor::user(&admin), move |tx| funding::report(tx, fiscal_year)).await?;
    if wants_csv(&req, format.as_deref()) {
        let year = fiscal_year.map_or_else(|| "all".to_string(), |y| y.to_string());
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"funding-{year}.csv\"")))
            .body(funding::to_csv(&lines)?));
    }
    Ok(HttpResponse::Ok().json(List::all(lines)))
}
