//! Two-stage selection: the shortlist after the document review, and the hearing slots.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};

use crate::app::selection::hearings::{self, HearingSlot, MoveHearing, ScheduleHearing};
use crate::app::selection::{self, ShortlistInput};
use crate::auth::Admin;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::repo::calls::Call;
use crate::routes::{Body, List, created_at};
use crate::state::AppState;

/// Make the shortlist of a two-stage call after its document review: the listed proposals are
/// `shortlisted`, the other proposals under review `not_shortlisted`, the call moves to
/// `hearing`, and every participating prefecture is emailed its document-stage evaluation now.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body = ShortlistInput,
    responses(
        (status = 200, body = Call),
        (status = 409, description = "`reviews_missing` (a listed proposal has no submitted document review; listed in `missing`), or `invalid_state` (not a two-stage call under review)", body = Problem),
        (status = 422, description = "An id that is no proposal under review in this call, or an empty list", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/shortlist")]
pub async fn make_shortlist(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<ShortlistInput>) -> ApiResult<web::Json<Call>> {
    let base_url = state.settings.app.public_base_url.clone();
    let call = state.write(Actor::user(&admin), move |tx| selection::shortlist(tx, &id, body.0, &base_url)).await?;
    Ok(web::Json(call))
}

/// Schedule the hearing of a shortlisted proposal. Slots of a call never overlap (also when
/// booked at the same moment); the lead prefecture is emailed the slot with an `.ics` invitation.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body = ScheduleHearing,
    responses(
        (status = 201, body = HearingSlot),
        (status = 409, description = "`not_shortlisted`, `slot_overlap` (the other slot in `overlaps`), or `invalid_state` (call not in its hearing, proposal already has a slot)", body = Problem),
        (status = 422, description = "`ends_at` not after `starts_at`, no place", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/hearings")]
pub async fn schedule_hearing(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<ScheduleHearing>) -> ApiResult<HttpResponse> {
    let Admin(admin) = admin;
    let slot = state.write(Actor::user(&admin), move |tx| hearings::schedule(tx, &admin, &id, body.0)).await?;
    let location = format!("/hearings/{}", slot.id);
    Ok(created_at(HttpResponse::build(StatusCode::CREATED).json(&slot), &location))
}

/// The call's hearing slots, by start.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = List<HearingSlot>), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/hearings")]
pub async fn list_hearings(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<List<HearingSlot>>> {
    let items = state.read(Actor::user(&admin), move |tx| hearings::of_call(tx, &id)).await?;
    Ok(web::Json(List::all(items)))
}

/// Move a hearing slot (and its place, if given). The invitation is sent again, replacing the
/// earlier one in calendars (same UID, higher SEQUENCE).
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The hearing slot")),
    request_body = MoveHearing,
    responses(
        (status = 200, body = HearingSlot),
        (status = 409, description = "`slot_overlap`, or `invalid_state` (the call left its hearing)", body = Problem),
        (status = 422, description = "`ends_at` not after `starts_at`, empty place", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[patch("/hearings/{id}")]
pub async fn move_hearing(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<MoveHearing>) -> ApiResult<web::Json<HearingSlot>> {
    let slot = state.write(Actor::user(&admin), move |tx| hearings::reschedule(tx, &id, body.0)).await?;
    Ok(web::Json(slot))
}
