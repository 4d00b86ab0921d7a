//! Accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::repo::CorruptRow;
use crate::db::schema::users;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::time::Instant;
use crate::domain::user::{Email, Role};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub prefecture_code: Option<PrefectureCode>,
    pub affiliation: Option<String>,
    pub affiliation_prefecture_code: Option<PrefectureCode>,
    pub expertise: String,
    pub max_assignments: Option<i32>,
    pub password_hash: Option<String>,
    pub active: bool,
    pub created_at: Instant,
    pub updated_at: Instant,
}

impl UserRow {
    pub fn role(&self) -> Role {
        self.role
    }

    pub fn prefecture(&self) -> Option<PrefectureCode> {
        self.prefecture_code
    }

    pub fn affiliation_prefecture(&self) -> Option<PrefectureCode> {
        self.affiliation_prefecture_code
    }

    pub fn expertise(&self) -> Result<Vec<String>, CorruptRow> {
        serde_json::from_str(&self.expertise).map_err(|e| CorruptRow::new("users.expertise", &self.id, e))
    }

    pub fn view(&self) -> Result<User, CorruptRow> {
        Ok(User {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role(),
            prefecture_code: self.prefecture(),
            affiliation: self.affiliation.clone(),
            affiliation_prefecture_code: self.affiliation_prefecture(),
            expertise: self.expertise()?,
            max_assignments: self.max_assignments,
            active: self.active,
            created_at: self.created_at.shown(),
        })
    }
}

/// A user as admins see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[schema(value_type = Option<String>, example = "14")]
    pub prefecture_code: Option<PrefectureCode>,
    pub affiliation: Option<String>,
    #[schema(value_type = Option<String>, example = "13")]
    pub affiliation_prefecture_code: Option<PrefectureCode>,
    pub expertise: Vec<String>,
    pub max_assignments: Option<i32>,
    /// False until the invitation has been accepted.
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
}

pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub prefecture: Option<PrefectureCode>,
    pub affiliation: Option<String>,
    pub affiliation_prefecture: Option<PrefectureCode>,
    pub expertise: Vec<String>,
    pub max_assignments: Option<i32>,
    pub password_hash: Option<String>,
    pub active: bool,
}

pub fn insert(conn: &mut DbConn, new: NewUser, now: DateTime<Utc>) -> QueryResult<UserRow> {
    let row = UserRow {
        id: super::new_id(),
        email: new.email.as_str().to_string(),
        name: new.name,
        role: new.role,
        prefecture_code: new.prefecture,
        affiliation: new.affiliation,
        affiliation_prefecture_code: new.affiliation_prefecture,
        expertise: serde_json::to_string(&new.expertise).unwrap_or_else(|_| "[]".into()),
        max_assignments: new.max_assignments,
        password_hash: new.password_hash,
        active: new.active,
        created_at: Instant::from(now),
        updated_at: Instant::from(now),
    };
    diesel::insert_into(users::table).values(&row).execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).get_result(conn).optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &Email) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn email_taken(conn: &mut DbConn, email: &Email) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::email.eq(email.as_str())))).get_result(conn)
}

pub fn any_admin(conn: &mut DbConn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::role.eq(Role::Admin.as_str())))).get_result(conn)
}

pub fn list(conn: &mut DbConn, role: Option<Role>, limit: i64, offset: i64) -> QueryResult<(Vec<UserRow>, i64)> {
    let filtered = || {
        let mut q = users::table.into_boxed();
        if let Some(role) = role {
            q = q.filter(users::role.eq(role.as_str()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order((users::created_at.asc(), users::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Active applicants of the given prefectures: the recipients of a proposal's notifications.
pub fn active_applicants_of(conn: &mut DbConn, prefectures: &[PrefectureCode]) -> QueryResult<Vec<UserRow>> {
    let codes: Vec<String> = prefectures.iter().map(|p| p.to_string()).collect();
    users::table
        .filter(users::role.eq(Role::Applicant.as_str()))
        .filter(users::active.eq(true))
        .filter(users::prefecture_code.eq_any(codes))
        .order(users::email.asc())
        .select(UserRow::as_select())
        .load(conn)
}

/// Sets the password, which activates an invited account and lifts a required password change.
pub fn set_password(conn: &mut DbConn, id: &str, hash: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(Some(hash)),
            users::active.eq(true),
            users::must_change_password.eq(false),
            users::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Until the password is changed, the account may only change it (see `auth::extract`).
pub fn require_password_change(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::must_change_password.eq(true)).execute(conn).map(|_| ())
}

/// The fields an admin may change on an account; `None` leaves one as it is.
#[derive(Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub name: Option<String>,
    pub affiliation: Option<String>,
    pub affiliation_prefecture_code: Option<Option<PrefectureCode>>,
    pub expertise: Option<String>,
    pub max_assignments: Option<Option<i32>>,
    pub active: Option<bool>,
    pub updated_at: Option<Instant>,
}

pub fn update(conn: &mut DbConn, id: &str, changes: &UserChanges) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(changes).execute(conn)
}
