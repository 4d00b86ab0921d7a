//! The caller's own account, and the accounts admins invite.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::accounts::users::{self, CreateUser, InvitationLink, Me};
use crate::auth::{Admin, CurrentUser};
use crate::domain::user::Role;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::repo::users::User;
use crate::routes::{Body, List, Page};
use crate::state::AppState;

/// The caller's own account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = Problem))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<web::Json<Me>> {
    state.read(Actor::user(&user), move |tx| users::me(tx, &user)).await.map(web::Json)
}

/// Invite a user: the account is created inactive and an invitation link is emailed.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Invited", body = User),
        (status = 409, description = "`email_taken`", body = Problem),
        (status = 422, description = "Every problem with the request", body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/users")]
pub async fn create_user(state: web::Data<AppState>, admin: Admin, body: Body<CreateUser>) -> ApiResult<HttpResponse> {
    let link = InvitationLink::issue(&state);
    let created = state.write(Actor::user(&admin), move |tx| users::invite(tx, link, body.0)).await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    pub role: Option<Role>,
}

/// List users, optionally by role.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserFilter, Page),
    responses((status = 200, body = List<User>), (status = 401, body = Problem), (status = 403, body = Problem))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    admin: Admin,
    filter: web::Query<UserFilter>,
    page: web::Query<Page>,
) -> ApiResult<web::Json<List<User>>> {
    let (limit, offset) = page.into_inner().resolve()?;
    let role = filter.role;
    let (users, total) = state.read(Actor::user(&admin), move |tx| users::list(tx, role, limit, offset)).await?;
    Ok(web::Json(List::new(users, total)))
}
