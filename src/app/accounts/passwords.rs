//! Setting a password from an emailed link: activating an invitation, and password reset.
//!
//! The link's signature is checked and the new password hashed before the transaction opens:
//! hashing is slow on purpose and must not hold up the writes queued behind it.

use super::hashing;
use chrono::Duration;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::{Event, Subject, Tx};
use crate::auth::one_time::Purpose;
use crate::domain::user::{Email, check_password};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::mail::templates;
use crate::repo::audit::Actor;
use crate::auth::throttle::{reset_account_key, reset_ip_key};
use crate::repo::attempts::{self, Reservation};
use crate::repo::{sessions, tokens, users};
use crate::state::AppState;

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

fn password_problem(password: &str) -> ApiResult<()> {
    check_password(password).map_err(|m| ApiError::validation(vec![FieldError::new("password", "invalid_length", m)]))
}

pub fn token_invalid() -> ApiError {
    ApiError::gone("token_invalid", "this link is invalid, expired or already used; ask for a new one")
}

/// A link's token, verified, and the new password, hashed.
struct NewPassword {
    token_id: String,
    hash: String,
}

async fn prepare(state: &AppState, purpose: Purpose, request: TokenPasswordRequest) -> ApiResult<NewPassword> {
    password_problem(&request.password)?;
    let token_id = state.links.verify(purpose, &request.token).ok_or_else(token_invalid)?;
    let passwords = state.passwords.clone();
    let hash = hashing(state, move || passwords.hash(&request.password)).await?.map_err(ApiError::internal)?;
    Ok(NewPassword { token_id, hash })
}

/// Uses up the link's token and sets the password (which activates the account); returns the
/// account. From here on the account itself is the actor.
fn set_password_from_link(tx: &mut Tx, purpose: Purpose, new: &NewPassword) -> ApiResult<String> {
    let now = tx.now;
    let token = tokens::find(tx.conn, &new.token_id, purpose)?.filter(|t| t.usable_at(now)).ok_or_else(token_invalid)?;
    let user_id = token.user_id.clone().ok_or_else(token_invalid)?;
    // A deactivated account (it had a password) comes back only through an admin, not a link.
    if users::find(tx.conn, &user_id)?.is_none_or(|u| is_deactivated(&u)) {
        return Err(token_invalid());
    }
    if !tokens::consume(tx.conn, &token.id, now)? {
        return Err(token_invalid());
    }
    users::set_password(tx.conn, &user_id, &new.hash, now)?;
    void_password_links(tx, &user_id)?;
    tx.actor = Actor::account(&user_id, tx.actor.ip.take());
    Ok(user_id)
}

/// Inactive after having had a password: deactivated by an admin, as opposed to invited.
fn is_deactivated(user: &users::UserRow) -> bool {
    !user.active && user.password_hash.is_some()
}

/// Once a password is set, by whichever link or by the user, no older link may set another:
/// an invitation used through a password reset (or the reverse) would otherwise stay live.
pub(crate) fn void_password_links(tx: &mut Tx, user_id: &str) -> ApiResult<()> {
    for purpose in [Purpose::Invitation, Purpose::PasswordReset] {
        tokens::void_for_user(tx.conn, user_id, purpose, tx.now)?;
    }
    Ok(())
}

/// Sets the password from an invitation link and activates the account.
pub async fn activate(state: &AppState, ip: Option<String>, request: TokenPasswordRequest) -> ApiResult<()> {
    let new = prepare(state, Purpose::Invitation, request).await?;
    state
        .write(Actor::anonymous("anonymous", ip), move |tx| {
            let user_id = set_password_from_link(tx, Purpose::Invitation, &new)?;
            tx.audit(Subject::user(&user_id), Event::UserActivated {})
        })
        .await
}

/// Sets a new password from a reset link and ends every session of the account. An invited
/// account that was never activated is activated.
pub async fn confirm_password_reset(state: &AppState, ip: Option<String>, request: TokenPasswordRequest) -> ApiResult<()> {
    let new = prepare(state, Purpose::PasswordReset, request).await?;
    state
        .write(Actor::anonymous("anonymous", ip), move |tx| {
            let user_id = set_password_from_link(tx, Purpose::PasswordReset, &new)?;
            let sessions_ended = sessions::revoke_all_of(tx.conn, &user_id, "password reset", tx.now)?;
            tx.audit(Subject::user(&user_id), Event::PasswordReset { sessions_ended })
        })
        .await
}

/// Emails a password-reset link if the address has an account; says nothing either way.
///
/// Requests are counted per address typed and per client address; past either limit the answer
/// is the same 202 but nothing is sent, so the limit reveals no more than the answer does.
pub async fn request_password_reset(state: &AppState, ip: Option<String>, request: PasswordResetRequest) -> ApiResult<()> {
    let Ok(email) = Email::parse(&request.email) else {
        return Ok(());
    };
    let throttle = (*state.throttle).clone();
    let keys = (reset_account_key(email.as_str()), reset_ip_key(ip.as_deref()));
    let (token_id, token) = state.links.issue(Purpose::PasswordReset);
    let valid_minutes = state.settings.auth.password_reset_ttl_minutes;
    let link = templates::link(&state.settings.app.public_base_url, "/reset-password", &token);
    state
        .write(Actor::anonymous("anonymous", ip), move |tx| {
            // Invited accounts qualify too: a reset link proves control of the address just as
            // the invitation did, and is the way back in once an invitation has expired.
            let now = tx.now;
            for (key, limit) in [(&keys.0, throttle.resets_per_account), (&keys.1, throttle.resets_per_ip)] {
                if attempts::reserve(tx.conn, key, limit.attempts, limit.window, now)? != Reservation::Granted {
                    return Ok(());
                }
            }
            let Some(user) = users::find_by_email(tx.conn, &email)?.filter(|u| !is_deactivated(u)) else {
                return Ok(());
            };
            tokens::void_for_user(tx.conn, &user.id, Purpose::PasswordReset, now)?;
            let subject = tokens::Subject { user_id: Some(&user.id), ..Default::default() };
            tokens::insert(tx.conn, &token_id, Purpose::PasswordReset, subject, now, now + Duration::minutes(valid_minutes))?;
            tx.enqueue(&user.email, &templates::password_reset(&user.name, &link, valid_minutes))?;
            tx.audit(Subject::user(&user.id), Event::PasswordResetRequested {})
        })
        .await
}

/// Whether a link (its verified token id) can still set a password: unused, unexpired, not
/// voided. Asked before the password form is shown, so a used link says so at once.
pub fn check_link(tx: &mut Tx, purpose: Purpose, token_id: &str) -> ApiResult<()> {
    let now = tx.now;
    tokens::find(tx.conn, token_id, purpose)?.filter(|t| t.usable_at(now) && t.user_id.is_some()).map(|_| ()).ok_or_else(token_invalid)
}
