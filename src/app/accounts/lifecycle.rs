//! The account after the invitation: program officers correct profiles and deactivate or
//! restore accounts; every user changes their own password.

use super::hashing;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::app::accounts::passwords::void_password_links;
use crate::app::accounts::users::{parse_expertise, parse_prefecture};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::auth::throttle::login_account_key;
use crate::domain::time::Instant;
use crate::domain::user::{Role, check_password};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::repo::attempts::{self, Reservation};
use crate::repo::audit::Actor;
use crate::repo::users::{self, User, UserChanges};
use crate::repo::sessions;
use crate::state::AppState;

/// A field that may be sent as `null` to clear it: `None` absent, `Some(None)` null.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Fields left out stay as they are. Email and role cannot change: they are who the account is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub affiliation: Option<String>,
    /// Reviewers only; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "13")]
    pub affiliation_prefecture_code: Option<Option<String>>,
    /// Reviewers only: replaces the keywords.
    pub expertise: Option<Vec<String>>,
    /// Reviewers only, 1–1000; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>)]
    pub max_assignments: Option<Option<i32>>,
    /// `false` deactivates: the account's sessions end and it cannot log in; `true` restores it.
    pub active: Option<bool>,
}

fn trimmed(field: &'static str, raw: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = raw?.trim().to_string();
    if value.is_empty() || value.chars().count() > 200 {
        errors.push(FieldError::new(field, "invalid_length", "must be 1–200 characters"));
        return None;
    }
    Some(value)
}

/// Checks the whole request against the account's role, listing every problem.
fn parse_changes(admin: &CurrentUser, target: &users::UserRow, request: UpdateUser) -> ApiResult<(UserChanges, Vec<&'static str>)> {
    let mut errors = Vec::new();
    let reviewer = target.role() == Role::Reviewer;
    let mut fields = Vec::new();
    let mut changes = UserChanges {
        name: trimmed("name", request.name, &mut errors),
        affiliation: trimmed("affiliation", request.affiliation, &mut errors),
        ..Default::default()
    };
    if let Some(code) = request.affiliation_prefecture_code {
        changes.affiliation_prefecture_code = Some(parse_prefecture("affiliation_prefecture_code", code.as_deref(), &mut errors));
    }
    if let Some(keywords) = request.expertise {
        if keywords.len() > 50 {
            errors.push(FieldError::new("expertise", "length", "at most 50 keywords"));
        }
        let parsed = parse_expertise(keywords, &mut errors);
        changes.expertise = Some(serde_json::to_string(&parsed).map_err(ApiError::internal)?);
    }
    if let Some(max) = request.max_assignments {
        if max.is_some_and(|m| !(1..=1000).contains(&m)) {
            errors.push(FieldError::new("max_assignments", "range", "must be between 1 and 1000"));
        }
        changes.max_assignments = Some(max);
    }
    if !reviewer {
        for (field, present) in [
            ("affiliation_prefecture_code", changes.affiliation_prefecture_code.is_some()),
            ("expertise", changes.expertise.is_some()),
            ("max_assignments", changes.max_assignments.is_some()),
        ] {
            if present {
                errors.push(FieldError::new(field, "not_allowed", "only reviewers have this"));
            }
        }
    }
    // An admin locking themselves out could leave nobody to undo it.
    if request.active == Some(false) && target.id == admin.id {
        errors.push(FieldError::new("active", "not_allowed", "you cannot deactivate your own account"));
    }
    changes.active = request.active.filter(|a| *a != target.active);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    for (field, present) in [
        ("name", changes.name.is_some()),
        ("affiliation", changes.affiliation.is_some()),
        ("affiliation_prefecture_code", changes.affiliation_prefecture_code.is_some()),
        ("expertise", changes.expertise.is_some()),
        ("max_assignments", changes.max_assignments.is_some()),
    ] {
        if present {
            fields.push(field);
        }
    }
    Ok((changes, fields))
}

/// Changes an account's profile, or deactivates or restores it. Deactivation ends every session
/// (their access tokens stop within seconds) and voids outstanding password links.
pub fn update(tx: &mut Tx, admin: &CurrentUser, id: &str, request: UpdateUser) -> ApiResult<User> {
    let target = users::find(tx.conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
    let (mut changes, fields) = parse_changes(admin, &target, request)?;
    let active = changes.active;
    changes.updated_at = Some(Instant::from(tx.now));
    users::update(tx.conn, id, &changes)?;
    if !fields.is_empty() {
        tx.audit(Subject::user(id), Event::UserUpdated { fields })?;
    }
    match active {
        Some(false) => {
            let sessions_ended = sessions::revoke_all_of(tx.conn, id, "deactivated", tx.now)?;
            void_password_links(tx, id)?;
            tx.audit(Subject::user(id), Event::UserDeactivated { sessions_ended })?;
        }
        Some(true) => tx.audit(Subject::user(id), Event::UserReactivated {})?,
        None => {}
    }
    let row = users::find(tx.conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(row.view()?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "the current password is not correct")
}

/// Changes the caller's password after checking the current one; every other session of the
/// account ends. Wrong current passwords count against the account like failed logins, so a
/// stolen access token cannot be used to guess the password.
pub async fn change_password(state: &AppState, user: CurrentUser, request: ChangePassword) -> ApiResult<()> {
    check_password(&request.new_password)
        .map_err(|m| ApiError::validation(vec![FieldError::new("new_password", "invalid_length", m)]))?;
    let limit = state.throttle.per_account;
    let (uid, actor) = (user.id.clone(), Actor::user(&user));
    let (row, blocked) = state
        .write(actor.clone(), move |tx| {
            let row = users::find(tx.conn, &uid)?.ok_or_else(invalid_credentials)?;
            let key = login_account_key(&row.email);
            let reserved = attempts::reserve(tx.conn, &key, limit.attempts, limit.window, tx.now)?;
            Ok((row, reserved))
        })
        .await?;
    if let Reservation::Refused { retry_after_secs } = blocked {
        return Err(ApiError::too_many_attempts(retry_after_secs));
    }
    let passwords = state.passwords.clone();
    let current_hash = row.password_hash.clone();
    let new_password = request.new_password;
    let current = request.current_password;
    let new_hash = hashing(state, move || match current_hash.as_deref() {
        Some(hash) if passwords.verify(&current, hash) => passwords.hash(&new_password).map(Some),
        _ => Ok(None),
    })
    .await?
    .map_err(ApiError::internal)?
    .ok_or_else(invalid_credentials)?;
    state
        .write(actor, move |tx| {
            attempts::clear(tx.conn, &login_account_key(&row.email))?;
            users::set_password(tx.conn, &row.id, &new_hash, tx.now)?;
            void_password_links(tx, &row.id)?;
            let sessions_ended = sessions::revoke_others_of(tx.conn, &row.id, &user.session_id, "password changed", tx.now)?;
            tx.audit(Subject::user(&row.id), Event::PasswordChanged { sessions_ended })
        })
        .await?;
    // The caller's own session was cached as needing a password change.
    state.session_cache.forget_all();
    Ok(())
}
