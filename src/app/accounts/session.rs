//! Login, token refresh and logout.
//!
//! Login and refresh also issue the access token and consult the in-memory login throttle,
//! and password verification runs on the blocking pool outside any transaction (it is slow on
//! purpose); these use-cases therefore take the whole [`AppState`] and open their own
//! transactions.

use super::hashing;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::time::Instant;
use crate::domain::user::Email;
use crate::error::{ApiError, ApiResult};
use crate::repo::audit::Actor;
use crate::auth::throttle::{LoginThrottle, login_account_key, login_ip_key};
use crate::repo::attempts::{self, Reservation};
use crate::repo::sessions;
use crate::repo::users::{self, UserRow};
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

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "the email or password is not correct")
}

/// Reserves a failed-login slot for the account and one for the address before the password is
/// looked at; either refused means 429. A reservation is a failure until the login succeeds.
fn reserve_attempt(tx: &mut Tx, throttle: &LoginThrottle, account_key: &str, ip_key: &str) -> ApiResult<Option<u64>> {
    let now = tx.now;
    let account = throttle.per_account;
    if let Reservation::Refused { retry_after_secs } = attempts::reserve(tx.conn, account_key, account.attempts, account.window, now)? {
        return Ok(Some(retry_after_secs));
    }
    let ip = throttle.per_ip;
    if let Reservation::Refused { retry_after_secs } = attempts::reserve(tx.conn, ip_key, ip.attempts, ip.window, now)? {
        attempts::release(tx.conn, account_key)?;
        return Ok(Some(retry_after_secs));
    }
    Ok(None)
}

/// The pair handed out for a session: a fresh access token and the given refresh token.
fn token_pair(state: &AppState, user: &UserRow, session_id: &str, refresh_token: String) -> ApiResult<TokenPair> {
    let access_token = state
        .access_tokens
        .issue(&user.id, user.role(), user.prefecture(), session_id, state.now())
        .map_err(ApiError::internal)?;
    Ok(TokenPair { access_token, refresh_token, token_type: "Bearer", expires_in: state.access_tokens.ttl_secs })
}

/// How long a refresh token lives, and how long a session lives at most.
#[derive(Clone, Copy)]
struct SessionTtls {
    refresh: Duration,
    session: Duration,
}

fn session_ttls(state: &AppState) -> SessionTtls {
    let auth = &state.settings.auth;
    SessionTtls { refresh: Duration::seconds(auth.refresh_ttl_secs), session: Duration::seconds(auth.session_lifetime_secs) }
}

/// Logs in with email and password. Each attempt is counted against the account and the client
/// address before the password is verified, so parallel guesses get no more tries than
/// sequential ones; a correct password gives its attempt back and clears the account's count.
pub async fn login(state: &AppState, ip: Option<String>, request: LoginRequest) -> ApiResult<TokenPair> {
    let LoginRequest { email, password } = request;
    let account_key = login_account_key(&email);
    let ip_key = login_ip_key(ip.as_deref());
    let throttle = (*state.throttle).clone();
    let (keys, parsed) = ((account_key.clone(), ip_key.clone()), Email::parse(&email).ok());
    let (blocked, user) = state
        .write(Actor::anonymous("anonymous", ip.clone()), move |tx| {
            let blocked = reserve_attempt(tx, &throttle, &keys.0, &keys.1)?;
            let user = match (&blocked, parsed) {
                (None, Some(email)) => users::find_by_email(tx.conn, &email)?,
                _ => None,
            };
            Ok((blocked, user))
        })
        .await?;
    if let Some(wait) = blocked {
        return Err(ApiError::too_many_attempts(wait));
    }
    let passwords = state.passwords.clone();
    let candidate = user.clone();
    let verified = hashing(state, move || match candidate.as_ref().and_then(|u| u.password_hash.as_deref().filter(|_| u.active)) {
        Some(hash) => passwords.verify(&password, hash),
        None => passwords.verify_dummy(&password),
    })
    .await?;

    match (verified, user) {
        (true, Some(user)) => {
            let ttl = session_ttls(state);
            let user_id = user.id.clone();
            let window = state.throttle.longest_window();
            let (session_id, refresh_token) = state
                .write(Actor::account(&user.id, ip), move |tx| {
                    attempts::clear(tx.conn, &account_key)?;
                    attempts::release(tx.conn, &ip_key)?;
                    attempts::forget_older_than(tx.conn, tx.now - window * 2)?;
                    open_session(tx, &user_id, ttl)
                })
                .await?;
            token_pair(state, &user, &session_id, refresh_token)
        }
        (_, user) => {
            let attempted = audited_email(&email);
            let user_id = user.map(|u| u.id);
            state
                .write(Actor::anonymous("anonymous", ip), move |tx| record_failed_login(tx, user_id.as_deref(), attempted))
                .await?;
            Err(invalid_credentials())
        }
    }
}

/// What the audit log keeps of a failed login's email: only an email address, since people
/// sometimes type their password into the email field.
fn audited_email(typed: &str) -> String {
    match Email::parse(typed) {
        Ok(email) => email.as_str().to_string(),
        Err(_) => "(not an email address)".to_string(),
    }
}

/// Opens a session for a verified login; returns its id and first refresh token.
fn open_session(tx: &mut Tx, user_id: &str, ttl: SessionTtls) -> ApiResult<(String, String)> {
    let opened = sessions::open(tx.conn, user_id, tx.now, ttl.session, ttl.refresh)?;
    tx.audit(Subject::user(user_id), Event::Login { session_id: opened.0.clone() })?;
    Ok(opened)
}

/// `user_id` is that of the account the email names, if any.
fn record_failed_login(tx: &mut Tx, user_id: Option<&str>, attempted_email: String) -> ApiResult<()> {
    tx.audit(Subject::user(user_id.unwrap_or("unknown")), Event::LoginFailed { email: attempted_email })
}

enum RefreshOutcome {
    Rotated { user: Box<UserRow>, session_id: String, refresh_token: String },
    Refused(ApiError),
}

/// Exchanges a refresh token for a new pair; the presented token stops working.
pub async fn refresh(state: &AppState, ip: Option<String>, request: RefreshRequest) -> ApiResult<TokenPair> {
    let ttl = session_ttls(state).refresh;
    // A refusal is an answer, not a failure: the transaction commits (a reused token's session
    // stays revoked) and the refusal is returned afterwards.
    let outcome = state
        .write(Actor::anonymous("anonymous", ip), move |tx| rotate(tx, &request.refresh_token, ttl))
        .await?;
    match outcome {
        RefreshOutcome::Refused(error) => Err(error),
        RefreshOutcome::Rotated { user, session_id, refresh_token } => token_pair(state, &user, &session_id, refresh_token),
    }
}

fn rotate(tx: &mut Tx, presented: &str, ttl: Duration) -> ApiResult<RefreshOutcome> {
    let refused = |code, detail| Ok(RefreshOutcome::Refused(ApiError::unauthorized(code, detail)));
    let Some((token, session)) = sessions::find_refresh(tx.conn, presented)? else {
        return refused("invalid_refresh_token", "the refresh token is not valid");
    };
    if session.revoked_at.is_some() {
        return refused("session_revoked", "this session has ended; log in again");
    }
    let now: DateTime<Utc> = tx.now;
    // A rotated token presented again was copied: end the session for everyone holding it.
    if token.rotated_at.is_some() || !sessions::rotate(tx.conn, &token.id, now)? {
        sessions::revoke(tx.conn, &session.id, "refresh token reuse", now)?;
        tx.audit(Subject::session(&session.id), Event::RefreshTokenReused { user_id: session.user_id })?;
        return refused("refresh_token_reused", "this refresh token was already used; the session has been revoked");
    }
    if Instant::from(now) >= token.expires_at {
        return refused("invalid_refresh_token", "the refresh token has expired");
    }
    if Instant::from(now) >= session.expires_at {
        return refused("session_expired", "this session has reached its maximum lifetime; log in again");
    }
    let Some(user) = users::find(tx.conn, &session.user_id)?.filter(|u| u.active) else {
        return refused("invalid_refresh_token", "the account is not active");
    };
    // A refresh token never outlives its session.
    let refresh_token = sessions::issue_refresh(tx.conn, &session.id, now, (now + ttl).min(session.expires_at.utc()))?;
    Ok(RefreshOutcome::Rotated { user: Box::new(user), session_id: session.id, refresh_token })
}

/// Ends the session the refresh token belongs to. Only its owner may; anything else is
/// answered alike, revealing nothing.
pub fn logout(tx: &mut Tx, user: &CurrentUser, refresh_token: &str) -> ApiResult<()> {
    if let Some((_, session)) = sessions::find_refresh(tx.conn, refresh_token)?
        && session.user_id == user.id
        && sessions::revoke(tx.conn, &session.id, "logout", tx.now)?
    {
        tx.audit(Subject::session(&session.id), Event::Logout {})?;
    }
    Ok(())
}
