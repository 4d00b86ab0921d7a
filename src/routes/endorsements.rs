//! Endorsements (連名): the three signatories co-sign a proposal through emailed links, without
//! an account. An endorsement covers the content as it was when given.

use actix_web::{HttpResponse, get, post, web};

use crate::app::proposals::endorsements::{LinkSettings, token_invalid};
use crate::app::proposals::view::{EndorsementPreview, EndorsementRecorded, EndorsementsRequested};
use crate::app::proposals as app;
use crate::auth::CurrentUser;
use crate::auth::extract::ClientIp;
use crate::auth::one_time::Purpose;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::state::AppState;

/// Email each signatory whose endorsement does not cover the current content a fresh link;
/// older links are voided.
#[utoipa::path(
    tag = "endorsements",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 202, body = EndorsementsRequested),
        (status = 422, description = "The signatories are incomplete (names, emails, one representative)", body = Problem),
        (status = 409, description = "`call_not_open` or `invalid_state`", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[post("/proposals/{id}/endorsements/request")]
pub async fn request_endorsements(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let settings = LinkSettings::configured(&state.settings, state.links.clone());
    let requested = state.write(Actor::user(&user), move |tx| app::request_endorsements(tx, &user, &id, &settings)).await?;
    Ok(HttpResponse::Accepted().json(requested))
}

/// What a link asks the signatory to endorse, to read before endorsing.
#[utoipa::path(
    tag = "endorsements",
    params(("token" = String, Path, description = "The token from the emailed link")),
    responses((status = 200, body = EndorsementPreview), (status = 410, description = "`endorsement_token_invalid`", body = Problem))
)]
#[get("/endorsements/{token}")]
pub async fn preview_endorsement(state: web::Data<AppState>, token: web::Path<String>) -> ApiResult<web::Json<EndorsementPreview>> {
    let id = state.links.verify(Purpose::Endorsement, &token).ok_or_else(token_invalid)?;
    let preview = state.read(Actor::anonymous("signatory", None), move |tx| app::preview_endorsement(tx, &id)).await?;
    Ok(web::Json(preview))
}

/// Endorse through the emailed link (no account needed). Single use; a content change since
/// the link was sent voids it.
#[utoipa::path(
    tag = "endorsements",
    params(("token" = String, Path, description = "The token from the emailed link")),
    responses((status = 200, body = EndorsementRecorded), (status = 410, description = "Used, expired or voided (`endorsement_token_invalid`)", body = Problem))
)]
#[post("/endorsements/{token}")]
pub async fn endorse(state: web::Data<AppState>, ip: ClientIp, token: web::Path<String>) -> ApiResult<web::Json<EndorsementRecorded>> {
    let id = state.links.verify(Purpose::Endorsement, &token).ok_or_else(token_invalid)?;
    let recorded = state.write(Actor::anonymous("signatory", ip.0), move |tx| app::endorse(tx, &id)).await?;
    Ok(web::Json(recorded))
}
