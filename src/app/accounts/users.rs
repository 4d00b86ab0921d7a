//! The caller's own account, and the accounts program officers invite.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::auth::one_time::Purpose;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::user::{Email, Role};
use crate::error::{ApiError, ApiResult, FieldError, is_unique_violation};
use crate::mail::templates;
use crate::repo::tokens;
use crate::repo::users::{self, NewUser, User, UserRow};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "14")]
    pub prefecture_code: Option<PrefectureCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub affiliation_prefecture_code: Option<PrefectureCode>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expertise: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_assignments: Option<i32>,
}

/// The caller's own account.
pub fn me(tx: &mut Tx, user: &CurrentUser) -> ApiResult<Me> {
    let row = users::find(tx.conn, &user.id)?
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "the account no longer exists"))?;
    let view = row.view()?;
    Ok(Me {
        id: view.id,
        email: view.email,
        name: view.name,
        role: view.role,
        prefecture_code: view.prefecture_code,
        affiliation: view.affiliation,
        affiliation_prefecture_code: view.affiliation_prefecture_code,
        expertise: view.expertise,
        max_assignments: view.max_assignments,
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateUser {
    #[validate(email(message = "must be an email address"), length(max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 200, message = "must be 1–200 characters"))]
    pub name: String,
    pub role: Role,
    /// Required for `applicant`: the prefecture the officer works for.
    #[schema(example = "14")]
    pub prefecture_code: Option<String>,
    /// Required for `reviewer`: the reviewer's organization.
    #[validate(length(min = 1, max = 200, message = "must be 1–200 characters"))]
    pub affiliation: Option<String>,
    #[schema(example = "13")]
    pub affiliation_prefecture_code: Option<String>,
    /// Reviewer expertise keywords (matched against proposal keywords when assigning).
    #[validate(length(max = 50, message = "at most 50 keywords"))]
    pub expertise: Option<Vec<String>>,
    /// Reviewer: the most proposals this reviewer takes in one call.
    #[validate(range(min = 1, max = 1000, message = "must be between 1 and 1000"))]
    pub max_assignments: Option<i32>,
}

pub(crate) fn field_errors(errors: validator::ValidationErrors) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = errors
        .field_errors()
        .into_iter()
        .flat_map(|(field, errs)| {
            errs.iter().map(move |e| {
                let message = e.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| format!("is not valid ({})", e.code));
                FieldError::new(field.to_string(), e.code.to_string(), message)
            })
        })
        .collect();
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

pub(crate) fn parse_prefecture(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<PrefectureCode> {
    let raw = raw?;
    match raw.parse() {
        Ok(code) => Some(code),
        Err(e) => {
            errors.push(FieldError::new(field, "invalid_prefecture", e.to_string()));
            None
        }
    }
}

/// Trimmed, de-duplicated keywords; each bad one is a problem naming its index.
pub(crate) fn parse_expertise(raw: Vec<String>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut expertise: Vec<String> = Vec::new();
    for (i, keyword) in raw.iter().enumerate() {
        let keyword = keyword.trim();
        if keyword.is_empty() || keyword.chars().count() > 100 {
            errors.push(FieldError::new(format!("expertise[{i}]"), "invalid_keyword", "keywords are 1–100 characters"));
        } else if !expertise.iter().any(|k| k == keyword) {
            expertise.push(keyword.to_string());
        }
    }
    expertise
}

/// Checks an invitation and turns it into a new account, listing every problem at once.
fn parse_new_user(request: CreateUser) -> Result<NewUser, ApiError> {
    let mut errors = request.validate().err().map(field_errors).unwrap_or_default();
    let email = Email::parse(&request.email).ok();
    let prefecture = parse_prefecture("prefecture_code", request.prefecture_code.as_deref(), &mut errors);
    let affiliation_prefecture =
        parse_prefecture("affiliation_prefecture_code", request.affiliation_prefecture_code.as_deref(), &mut errors);
    let affiliation = request.affiliation.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
    match request.role {
        Role::Applicant if request.prefecture_code.is_none() => {
            errors.push(FieldError::new("prefecture_code", "required", "an applicant belongs to a prefecture"));
        }
        Role::Reviewer if affiliation.is_none() => {
            errors.push(FieldError::new("affiliation", "required", "a reviewer needs an affiliation"));
        }
        _ => {}
    }
    if request.role != Role::Applicant && request.prefecture_code.is_some() {
        errors.push(FieldError::new("prefecture_code", "not_allowed", "only applicants belong to a prefecture"));
    }
    if request.role != Role::Reviewer {
        for (field, present) in [
            ("affiliation_prefecture_code", request.affiliation_prefecture_code.is_some()),
            ("expertise", request.expertise.as_ref().is_some_and(|e| !e.is_empty())),
            ("max_assignments", request.max_assignments.is_some()),
        ] {
            if present {
                errors.push(FieldError::new(field, "not_allowed", "only reviewers have this"));
            }
        }
    }
    let expertise = parse_expertise(request.expertise.unwrap_or_default(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let email = email.ok_or_else(|| ApiError::field("email", "email", "must be an email address"))?;
    Ok(NewUser {
        email,
        name: request.name.trim().to_string(),
        role: request.role,
        prefecture,
        affiliation,
        affiliation_prefecture,
        expertise,
        max_assignments: request.max_assignments,
        password_hash: None,
        active: false,
    })
}

fn email_taken() -> ApiError {
    ApiError::conflict("email_taken", "an account with this email already exists")
}

/// The link an invitation email carries; signed before the transaction opens.
pub struct InvitationLink {
    token_id: String,
    url: String,
    valid_hours: i64,
}

impl InvitationLink {
    pub fn issue(state: &AppState) -> Self {
        let (token_id, token) = state.links.issue(Purpose::Invitation);
        Self {
            token_id,
            url: templates::link(&state.settings.app.public_base_url, "/activate", &token),
            valid_hours: state.settings.auth.invitation_ttl_hours,
        }
    }
}

/// Invites a user: the account is created inactive and the invitation link is emailed.
pub fn invite(tx: &mut Tx, link: InvitationLink, request: CreateUser) -> ApiResult<User> {
    let new_user = parse_new_user(request)?;
    if users::email_taken(tx.conn, &new_user.email)? {
        return Err(email_taken());
    }
    let now = tx.now;
    let row = users::insert(tx.conn, new_user, now).map_err(|e| if is_unique_violation(&e) { email_taken() } else { e.into() })?;
    let subject = tokens::Subject { user_id: Some(&row.id), ..Default::default() };
    tokens::insert(tx.conn, &link.token_id, Purpose::Invitation, subject, now, now + Duration::hours(link.valid_hours))?;
    let (role_ja, role_en) = match row.role() {
        Role::Applicant => ("申請者（都道府県担当者）", "an applicant (prefecture officer)"),
        Role::Reviewer => ("審査委員", "a reviewer"),
        Role::Admin => ("プログラムオフィサー（管理者）", "a program officer (admin)"),
    };
    tx.enqueue(&row.email, &templates::invitation(&row.name, role_ja, role_en, &link.url, link.valid_hours))?;
    tx.audit(Subject::user(&row.id), Event::UserInvited { email: row.email.clone(), role: row.role() })?;
    Ok(row.view()?)
}

/// Users, optionally of one role, in the order they were created; and how many there are.
pub fn list(tx: &mut Tx, role: Option<Role>, limit: i64, offset: i64) -> ApiResult<(Vec<User>, i64)> {
    let (rows, total) = users::list(tx.conn, role, limit, offset)?;
    Ok((rows.iter().map(UserRow::view).collect::<Result<_, _>>()?, total))
}
