//! Login, token refresh and logout, invitation activation and password reset.

use actix_web::{HttpResponse, post, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::domain::time::Instant;
use crate::auth::extract::ClientIp;
use crate::auth::one_time::Purpose;
use crate::domain::user::{Email, check_password};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::mail::templates;
use crate::repo::audit::{self, Actor};
use crate::repo::{outbox, sessions, tokens, users};
use crate::routes::Body;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenPasswordRequest {
    /// The token from the emailed link (`?token=…`).
    pub token: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    pub email: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "the email or password is not correct")
}

fn throttled(state: &AppState, account_key: &str, ip_key: &str) -> Option<ApiError> {
    let now = state.now();
    let wait = [
        state.throttle.per_account.blocked_for(account_key, now),
        state.throttle.per_ip.blocked_for(ip_key, now),
    ]
    .into_iter()
    .flatten()
    .max()?;
    Some(ApiError::too_many_attempts(wait))
}

/// Issues an access token for a session.
fn access_token(state: &AppState, user: &users::UserRow, session_id: &str) -> ApiResult<String> {
    state
        .access_tokens
        .issue(&user.id, user.role(), user.prefecture(), session_id, state.now())
        .map_err(ApiError::internal)
}

/// Log in with email and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPair),
        (status = 401, description = "Bad credentials (`invalid_credentials`)", body = Problem),
        (status = 429, description = "Too many failed attempts (`too_many_attempts`); see Retry-After", body = Problem),
    )
)]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, ip: ClientIp, body: Body<LoginRequest>) -> ApiResult<web::Json<TokenPair>> {
    let LoginRequest { email, password } = body.0;
    let account_key = format!("account:{}", email.trim().to_lowercase());
    let ip_key = format!("ip:{}", ip.0.as_deref().unwrap_or("unknown"));
    if let Some(error) = throttled(&state, &account_key, &ip_key) {
        return Err(error);
    }

    let email = Email::parse(&email).ok();
    let user = match email {
        Some(email) => state.db.read(move |c| users::find_by_email(c, &email).map_err(ApiError::from)).await?,
        None => None,
    };
    let passwords = state.passwords.clone();
    let candidate = user.clone();
    let verified = web::block(move || match candidate.as_ref().and_then(|u| u.password_hash.as_deref().filter(|_| u.active)) {
        Some(hash) => passwords.verify(&password, hash),
        None => passwords.verify_dummy(&password),
    })
    .await?;

    let now = state.now();
    match (verified, user) {
        (true, Some(user)) => {
            state.throttle.per_account.clear(&account_key);
            let ttl = Duration::seconds(state.settings.auth.refresh_ttl_secs);
            let actor = Actor::account(&user.id, ip.0.clone());
            let user_id = user.id.clone();
            let (session_id, refresh_token) = state
                .db
                .write(move |c| {
                    let opened = sessions::open(c, &user_id, now, ttl)?;
                    audit::record(c, &actor, now, "login", "user", &user_id, json!({ "session_id": opened.0 }))?;
                    Ok(opened)
                })
                .await?;
            Ok(web::Json(TokenPair {
                access_token: access_token(&state, &user, &session_id)?,
                refresh_token,
                token_type: "Bearer",
                expires_in: state.access_tokens.ttl_secs,
            }))
        }
        (_, user) => {
            state.throttle.per_account.record_failure(&account_key, now);
            state.throttle.per_ip.record_failure(&ip_key, now);
            let actor = Actor::anonymous("anonymous", ip.0.clone());
            let attempted = account_key.trim_start_matches("account:").to_string();
            state
                .db
                .write(move |c| {
                    let entity = user.as_ref().map_or("unknown", |u| u.id.as_str());
                    audit::record(c, &actor, now, "login_failed", "user", entity, json!({ "email": attempted }))?;
                    Ok(())
                })
                .await?;
            Err(invalid_credentials())
        }
    }
}

enum RefreshOutcome {
    Rotated { user: Box<users::UserRow>, session_id: String, refresh_token: String },
    Refused(ApiError),
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
    let presented = body.0.refresh_token;
    let now = state.now();
    let ttl = Duration::seconds(state.settings.auth.refresh_ttl_secs);
    let outcome = state
        .db
        .write(move |c| {
            let Some((token, session)) = sessions::find_refresh(c, &presented)? else {
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized(
                    "invalid_refresh_token",
                    "the refresh token is not valid",
                )));
            };
            if session.revoked_at.is_some() {
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized("session_revoked", "this session has ended; log in again")));
            }
            // A rotated token presented again was copied: end the session for everyone holding it.
            if token.rotated_at.is_some() || !sessions::rotate(c, &token.id, now)? {
                sessions::revoke(c, &session.id, "refresh token reuse", now)?;
                let actor = Actor::anonymous("anonymous", ip.0.clone());
                audit::record(c, &actor, now, "refresh_token_reused", "session", &session.id, json!({ "user_id": session.user_id }))?;
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized(
                    "refresh_token_reused",
                    "this refresh token was already used; the session has been revoked",
                )));
            }
            if Instant::from(now) >= token.expires_at {
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized("invalid_refresh_token", "the refresh token has expired")));
            }
            let user = users::find(c, &session.user_id)?.filter(|u| u.active);
            let Some(user) = user else {
                return Ok(RefreshOutcome::Refused(ApiError::unauthorized("invalid_refresh_token", "the account is not active")));
            };
            let refresh_token = sessions::issue_refresh(c, &session.id, now, ttl)?;
            Ok(RefreshOutcome::Rotated { user: Box::new(user), session_id: session.id, refresh_token })
        })
        .await?;
    match outcome {
        RefreshOutcome::Refused(error) => Err(error),
        RefreshOutcome::Rotated { user, session_id, refresh_token } => Ok(web::Json(TokenPair {
            access_token: access_token(&state, &user, &session_id)?,
            refresh_token,
            token_type: "Bearer",
            expires_in: state.access_tokens.ttl_secs,
        })),
    }
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
    let now = state.now();
    state
        .db
        .write(move |c| {
            if let Some((_, session)) = sessions::find_refresh(c, &presented)? {
                // Only the owner may end a session; anything else is answered alike, revealing nothing.
                if session.user_id == user.id && sessions::revoke(c, &session.id, "logout", now)? {
                    audit::record(c, &Actor::user(&user), now, "logout", "session", &session.id, json!({}))?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn password_problem(password: &str) -> ApiResult<()> {
    check_password(password).map_err(|m| ApiError::validation(vec![FieldError::new("password", "invalid_length", m)]))
}

fn token_invalid() -> ApiError {
    ApiError::gone("token_invalid", "this link is invalid, expired or already used; ask for a new one")
}

/// Verifies a link token's signature and hashes the new password, both before the transaction.
async fn prepare_token_password(
    state: &AppState,
    purpose: Purpose,
    request: TokenPasswordRequest,
) -> ApiResult<(String, String)> {
    password_problem(&request.password)?;
    let id = state.links.verify(purpose, &request.token).ok_or_else(token_invalid)?;
    let passwords = state.passwords.clone();
    let hash = web::block(move || passwords.hash(&request.password)).await?.map_err(ApiError::internal)?;
    Ok((id, hash))
}

/// Set the password from an invitation link and activate the account.
#[utoipa::path(
    tag = "auth",
    request_body = TokenPasswordRequest,
    responses(
        (status = 204, description = "Account activated"),
        (status = 410, description = "Invalid, expired or used token (`token_invalid`)", body = Problem),
        (status = 422, description = "Password not 12–128 characters", body = Problem),
    )
)]
#[post("/auth/activate")]
pub async fn activate(state: web::Data<AppState>, ip: ClientIp, body: Body<TokenPasswordRequest>) -> ApiResult<HttpResponse> {
    let (token_id, hash) = prepare_token_password(&state, Purpose::Invitation, body.0).await?;
    let now = state.now();
    state
        .db
        .write(move |c| {
            let token = tokens::find(c, &token_id, Purpose::Invitation)?.filter(|t| t.usable_at(now)).ok_or_else(token_invalid)?;
            let user_id = token.user_id.clone().ok_or_else(token_invalid)?;
            if !tokens::consume(c, &token.id, now)? {
                return Err(token_invalid());
            }
            users::set_password(c, &user_id, &hash, now)?;
            audit::record(c, &Actor::account(&user_id, ip.0.clone()), now, "user_activated", "user", &user_id, json!({}))?;
            Ok(())
        })
        .await?;
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
    if let Ok(email) = Email::parse(&body.0.email) {
        let now = state.now();
        let (id, token) = state.links.issue(Purpose::PasswordReset);
        let valid_minutes = state.settings.auth.password_reset_ttl_minutes;
        let link = templates::link(&state.settings.app.public_base_url, "/reset-password", &token);
        let queued = state
            .db
            .write(move |c| {
                // Invited accounts qualify too: a reset link proves control of the address just as
                // the invitation did, and is the way back in once an invitation has expired.
                let Some(user) = users::find_by_email(c, &email)? else {
                    return Ok(false);
                };
                tokens::void_for_user(c, &user.id, Purpose::PasswordReset, now)?;
                let subject = tokens::Subject { user_id: Some(&user.id), ..Default::default() };
                tokens::insert(c, &id, Purpose::PasswordReset, subject, now, now + Duration::minutes(valid_minutes))?;
                outbox::enqueue(c, &user.email, &templates::password_reset(&user.name, &link, valid_minutes), now)?;
                audit::record(c, &Actor::anonymous("anonymous", ip.0.clone()), now, "password_reset_requested", "user", &user.id, json!({}))?;
                Ok(true)
            })
            .await?;
        if queued {
            state.mail_wakeup.notify_one();
        }
    }
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
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Body<TokenPasswordRequest>,
) -> ApiResult<HttpResponse> {
    let (token_id, hash) = prepare_token_password(&state, Purpose::PasswordReset, body.0).await?;
    let now = state.now();
    state
        .db
        .write(move |c| {
            let token = tokens::find(c, &token_id, Purpose::PasswordReset)?.filter(|t| t.usable_at(now)).ok_or_else(token_invalid)?;
            let user_id = token.user_id.clone().ok_or_else(token_invalid)?;
            if !tokens::consume(c, &token.id, now)? {
                return Err(token_invalid());
            }
            users::set_password(c, &user_id, &hash, now)?;
            let ended = sessions::revoke_all_of(c, &user_id, "password reset", now)?;
            audit::record(c, &Actor::account(&user_id, ip.0.clone()), now, "password_reset", "user", &user_id, json!({ "sessions_ended": ended }))?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
