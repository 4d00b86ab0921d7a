//! Login, token refresh and logout, invitation activation and password reset.

use actix_web::{HttpResponse, post, web};

use crate::app::accounts::passwords::{self, PasswordResetRequest, TokenPasswordRequest};
use crate::app::accounts::session::{self, LoginRequest, RefreshRequest, TokenPair};
use crate::auth::CurrentUser;
use crate::auth::extract::ClientIp;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::routes::Body;
use crate::state::AppState;

/// Log in with email and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPair),
        (status = 401, description = "Bad credentials (`invalid_credentials`)", body = Problem),
        (status = 429, description = "Too many failed attempts (`too_many_attempts`); see Retry-After", body = Problem),
        (status = 503, description = "Password hashing is saturated (`busy`); see Retry-After", body = Problem),
    )
)]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, ip: ClientIp, body: Body<LoginRequest>) -> ApiResult<web::Json<TokenPair>> {
    session::login(&state, ip.0, body.0).await.map(web::Json)
}

/// Exchange a refresh token for a new pair; the presented token stops working.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token; a reused one revokes its session", body = Problem),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, ip: ClientIp, body: Body<RefreshRequest>) -> ApiResult<web::Json<TokenPair>> {
    session::refresh(&state, ip.0, body.0).await.map(web::Json)
}

/// End the session the refresh token belongs to.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), (status = 401, body = Problem))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: CurrentUser, body: Body<RefreshRequest>) -> ApiResult<HttpResponse> {
    let presented = body.0.refresh_token;
    state.write(Actor::user(&user), move |tx| session::logout(tx, &user, &presented)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Set the password from an invitation link and activate the account.
#[utoipa::path(
    tag = "auth",
    request_body = TokenPasswordRequest,
    responses(
        (status = 204, description = "Account activated"),
        (status = 410, description = "Invalid, expired or used token (`token_invalid`)", body = Problem),
        (status = 422, description = "Password not 12–128 characters", body = Problem),
        (status = 503, description = "Password hashing is saturated (`busy`); see Retry-After", body = Problem),
    )
)]
#[post("/auth/activate")]
pub async fn activate(state: web::Data<AppState>, ip: ClientIp, body: Body<TokenPasswordRequest>) -> ApiResult<HttpResponse> {
    passwords::activate(&state, ip.0, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask for a password-reset email. Always 202, whether or not the address has an account.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202, description = "If the account exists, an email is on its way"))
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Body<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    passwords::request_password_reset(&state, ip.0, body.0).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password from a reset link; every session of the account is ended. An invited
/// account that was never activated is activated.
#[utoipa::path(
    tag = "auth",
    request_body = TokenPasswordRequest,
    responses(
        (status = 204, description = "Password changed"),
        (status = 410, description = "Invalid, expired or used token (`token_invalid`)", body = Problem),
        (status = 422, description = "Password not 12–128 characters", body = Problem),
        (status = 503, description = "Password hashing is saturated (`busy`); see Retry-After", body = Problem),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Body<TokenPasswordRequest>,
) -> ApiResult<HttpResponse> {
    passwords::confirm_password_reset(&state, ip.0, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
