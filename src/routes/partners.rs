//! A joint proposal's partner prefectures (広域連携) confirming their participation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, post, web};

use crate::app::proposals::{self as app, Proposal};
use crate::auth::Applicant;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::with_etag;
use crate::state::AppState;

/// Confirm the caller's prefecture as partner of a joint proposal (広域連携).
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("code" = String, Path, description = "The partner prefecture: the caller's")),
    responses(
        (status = 200, body = Proposal),
        (status = 409, description = "`prefecture_already_participating`, `call_not_open` or `invalid_state`", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[post("/proposals/{id}/partners/{code}/confirm")]
pub async fn confirm_partner(state: web::Data<AppState>, applicant: Applicant, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (id, code) = path.into_inner();
    let code = app::partners::partner_code(&code)?;
    let user = applicant.0;
    let confirmed = state.write(Actor::user(&user), move |tx| app::confirm_partner(tx, &user, &id, code)).await?;
    Ok(with_etag(StatusCode::OK, confirmed.version, &confirmed))
}

/// Withdraw the caller's prefecture's confirmation (drafts only); the prefecture is released.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = Proposal), (status = 409, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem))
)]
#[delete("/proposals/{id}/partners/{code}/confirm")]
pub async fn withdraw_confirmation(state: web::Data<AppState>, applicant: Applicant, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (id, code) = path.into_inner();
    let code = app::partners::partner_code(&code)?;
    let user = applicant.0;
    let released = state.write(Actor::user(&user), move |tx| app::withdraw_confirmation(tx, &user, &id, code)).await?;
    Ok(with_etag(StatusCode::OK, released.version, &released))
}
