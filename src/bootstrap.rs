//! The first admin: from `KYOSO_BOOTSTRAP_ADMIN_EMAIL`/`_PASSWORD` at start, or from the
//! `kyoso admin create` command.

use crate::app::{Event, Subject};
use crate::config::Mode;
use crate::auth::password::HashError;
use crate::db::DbError;
use crate::domain::user::{Email, InvalidEmail, Role, check_password};
use crate::repo::audit::{self, Actor};
use crate::repo::users::{self, NewUser};
use crate::state::AppState;

/// Why an admin could not be created. Not an HTTP error: the CLI and the startup print it.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{email:?}: {source}")]
    Email { email: String, source: InvalidEmail },
    #[error("password {0}")]
    WeakPassword(String),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("{0} already has an account")]
    EmailTaken(Email),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AdminError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

impl From<diesel::r2d2::PoolError> for AdminError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Db(e.into())
    }
}

/// Creates an active admin with a password. Refuses a taken email or a weak password.
pub fn create_admin(state: &AppState, email: &str, password: &str, name: &str) -> Result<String, AdminError> {
    insert_admin(state, email, password, name, false)
}

/// The admin row, its audit event and (for a bootstrap password that sat in a deployment file)
/// the duty to change the password commit together: a crash in between must not leave an admin
/// who was never asked to change it.
fn insert_admin(state: &AppState, email: &str, password: &str, name: &str, must_change_password: bool) -> Result<String, AdminError> {
    let email = Email::parse(email).map_err(|source| AdminError::Email { email: email.to_string(), source })?;
    check_password(password).map_err(AdminError::WeakPassword)?;
    let hash = state.passwords.hash(password)?;
    let now = state.now();
    let name = name.to_string();
    state.db.write_blocking(move |c| {
        if users::email_taken(c, &email)? {
            return Err(AdminError::EmailTaken(email));
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
        let (action, details) = Event::AdminCreated { email: row.email.clone() }.into_record();
        let subject = Subject::user(&row.id);
        audit::record(c, &Actor::system(), now, &action, subject.kind, &subject.id, details)?;
        if must_change_password {
            users::require_password_change(c, &row.id)?;
        }
        Ok(row.id)
    })
}

/// API.md: at start, if there is no admin yet and both variables are set, that admin is created.
pub fn ensure_bootstrap_admin(state: &AppState) -> Result<(), AdminError> {
    let bootstrap = &state.settings.bootstrap;
    let (Some(email), Some(password)) = (bootstrap.admin_email.as_deref(), bootstrap.admin_password.as_deref()) else {
        return Ok(());
    };
    let mut conn = state.db.conn()?;
    if users::any_admin(&mut conn)? {
        return Ok(());
    }
    drop(conn);
    // The bootstrap password sat in a deployment file: in production it only opens the way to
    // choosing a new one (every other endpoint answers 403 `password_change_required`).
    let production = state.settings.app.mode == Mode::Production;
    let id = match insert_admin(state, email, password, "Administrator", production) {
        Ok(id) => id,
        // Another instance starting on the same database created it first.
        Err(AdminError::EmailTaken(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    tracing::info!(user_id = %id, email = %email, "bootstrap admin created");
    Ok(())
}
