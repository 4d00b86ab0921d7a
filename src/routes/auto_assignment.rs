//! Automatic assignment of reviewers to a call's proposals.

use actix_web::{post, web};

use crate::app::review::auto;
use crate::app::review::view::{AutoAssign, AutoAssignResult};
use crate::auth::Admin;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::MaybeBody;
use crate::state::AppState;

/// Assign reviewers automatically: every submitted proposal gets its number of reviewers, no
/// reviewer exceeds their load, no conflicted pair is formed, and the total expertise affinity
/// is maximal (an exact min-cost flow, deterministic). Existing assignments are kept and
/// counted; declined pairs are not offered again.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body(content = Option<AutoAssign>),
    responses(
        (status = 200, body = AutoAssignResult),
        (status = 409, description = "Submissions not closed yet (`invalid_state`)", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/assignments/auto")]
pub async fn auto_assign(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: MaybeBody<AutoAssign>) -> ApiResult<web::Json<AutoAssignResult>> {
    let Admin(admin) = admin;
    let options = body.0.unwrap_or_default();
    let base_url = state.settings.app.public_base_url.clone();
    let result = state.write(Actor::user(&admin), move |tx| auto::run(tx, &admin, &id, options, &base_url)).await?;
    Ok(web::Json(result))
}
