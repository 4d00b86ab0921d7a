//! The caller's own account, and the accounts admins invite.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::accounts::lifecycle::{self, ChangePassword, UpdateUser};
use crate::app::accounts::users::{self, CreateUser, InvitationLink, Me};
use crate::auth::{Admin, CurrentUser};
use crate::domain::user::Role;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::repo::users::User;
use crate::routes::{Body, List, Page, created_at};
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
    // Accounts are read in the admins' list; an account has no page of its own.
    Ok(created_at(HttpResponse::Created().json(&created), "/users"))
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

/// Change a user's profile, or deactivate (`active:false`) or restore (`active:true`) the account.
/// Deactivation ends the user's sessions: their access tokens answer 401 within 5 s and logins
/// answer 401 `invalid_credentials`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The user as changed", body = User),
        (status = 404, description = "No such user", body = Problem),
        (status = 422, description = "Every problem with the request", body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    body: Body<UpdateUser>,
) -> ApiResult<web::Json<User>> {
    let id = id.into_inner();
    let actor = Actor::user(&admin);
    state.write(actor, move |tx| lifecycle::update(tx, &admin, &id, body.0)).await.map(web::Json)
}

/// Change the caller's own password; every other session of the account ends.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Password changed"),
        (status = 401, description = "Wrong current password (`invalid_credentials`) or no valid token", body = Problem),
        (status = 422, description = "New password not 12–128 characters", body = Problem),
        (status = 429, description = "Too many wrong passwords (`too_many_attempts`); see Retry-After", body = Problem),
        (status = 503, description = "Password hashing is saturated (`busy`); see Retry-After", body = Problem),
    )
)]
#[post("/me/password")]
pub async fn change_password(state: web::Data<AppState>, user: CurrentUser, body: Body<ChangePassword>) -> ApiResult<HttpResponse> {
    lifecycle::change_password(&state, user, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
