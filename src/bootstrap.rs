//! The first admin: from `KYOSO_BOOTSTRAP_ADMIN_EMAIL`/`_PASSWORD` at start, or from the
//! `kyoso admin create` command.

use serde_json::json;

use crate::domain::user::{Email, Role, check_password};
use crate::repo::audit::{self, Actor};
use crate::repo::users::{self, NewUser};
use crate::state::AppState;

/// Creates an active admin with a password. Refuses a taken email or a weak password.
pub fn create_admin(state: &AppState, email: &str, password: &str, name: &str) -> Result<String, String> {
    let email = Email::parse(email).map_err(|e| format!("{email:?}: {e}"))?;
    check_password(password).map_err(|m| format!("password {m}"))?;
    let hash = state.passwords.hash(password).map_err(|e| e.to_string())?;
    let now = state.now();
    let name = name.to_string();
    state
        .db
        .write_blocking(move |c| {
            if users::email_taken(c, &email)? {
                return Err(crate::error::ApiError::conflict("email_taken", format!("{email} already has an account")));
            }
            let row = users::insert(
                c,
                NewUser {
                    email,
                    name,
                    role: Role::Admin,
                    prefecture: None,
                    affiliation: None,
                    affiliation_prefecture: None,
                    expertise: Vec::new(),
                    max_assignments: None,
                    password_hash: Some(hash),
                    active: true,
                },
                now,
            )?;
            audit::record(c, &Actor::system(), now, "admin_created", "user", &row.id, json!({ "email": row.email }))?;
            Ok(row.id)
        })
        .map_err(|e| e.detail)
}

/// API.md: at start, if there is no admin yet and both variables are set, that admin is created.
pub fn ensure_bootstrap_admin(state: &AppState) -> Result<(), String> {
    let bootstrap = &state.settings.bootstrap;
    let (Some(email), Some(password)) = (bootstrap.admin_email.as_deref(), bootstrap.admin_password.as_deref()) else {
        return Ok(());
    };
    let mut conn = state.db.conn().map_err(|e| e.to_string())?;
    if users::any_admin(&mut conn).map_err(|e| e.to_string())? {
        return Ok(());
    }
    drop(conn);
    let id = create_admin(state, email, password, "Administrator")?;
    tracing::info!(user_id = %id, email = %email, "bootstrap admin created");
    Ok(())
}
