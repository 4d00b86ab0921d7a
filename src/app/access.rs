//! Who may see what: loading a call or a proposal for a caller, with the 404 that hides what a
//! caller has no business knowing exists, and the checks every proposal operation starts with.

use chrono::{DateTime, Utc};

use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::domain::call;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::ProposalStatus;
use crate::domain::proposal::access::{self, Relation};
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};
use crate::repo::calls::{self, CallRow};
use crate::repo::proposals::{self, PartnerRow, Parts, ProposalRow};

pub fn call_not_found() -> ApiError {
    ApiError::not_found("call")
}

/// Loads a call the caller may see: drafts exist only for program officers.
pub fn visible_call(conn: &mut DbConn, id: &str, user: &CurrentUser) -> ApiResult<CallRow> {
    let row = calls::find(conn, id)?.ok_or_else(call_not_found)?;
    if !user.is_admin() && !call::visible_to_non_admins(row.status()) {
        return Err(call_not_found());
    }
    Ok(row)
}

/// A proposal loaded for a caller who may see it.
pub struct Loaded {
    pub row: ProposalRow,
    pub parts: Parts,
    pub call: CallRow,
    pub relation: Relation,
}

/// A proposal a caller may read, with what hangs off it (its partners decide who may): what a
/// plain read needs, without the call a change checks.
pub struct Readable {
    pub row: ProposalRow,
    pub parts: Parts,
    pub relation: Relation,
}

pub fn proposal_not_found() -> ApiError {
    ApiError::not_found("proposal")
}

/// Loads a proposal for `user`; 404 for anyone who has no business knowing it exists.
pub fn load(conn: &mut DbConn, id: &str, user: &CurrentUser) -> ApiResult<Loaded> {
    let row = proposals::find(conn, id)?.ok_or_else(proposal_not_found)?;
    loaded(conn, row, user)
}

/// [`load`] for a change: the proposal's row stays locked until the transaction ends, so that
/// what the change checked is still what it writes (see `repo::proposals::lock`). Every write
/// to a proposal starts here.
pub fn lock(conn: &mut DbConn, id: &str, user: &CurrentUser) -> ApiResult<Loaded> {
    let row = proposals::lock(conn, id)?.ok_or_else(proposal_not_found)?;
    loaded(conn, row, user)
}

/// Loads a proposal for `user` to read; 404 for anyone who has no business knowing it exists.
pub fn readable(conn: &mut DbConn, id: &str, user: &CurrentUser) -> ApiResult<Readable> {
    let row = proposals::find(conn, id)?.ok_or_else(proposal_not_found)?;
    readable_row(conn, row, user)
}

fn readable_row(conn: &mut DbConn, row: ProposalRow, user: &CurrentUser) -> ApiResult<Readable> {
    let id = row.id.as_str();
    let parts = proposals::parts(conn, id)?;
    let invited: Vec<PrefectureCode> = parts.partners.iter().map(PartnerRow::prefecture).collect();
    let reviewer_may_read = user.role == Role::Reviewer && crate::repo::assignments::reviewer_may_read(conn, id, &user.id)?;
    let relation = access::relation(user.role, user.prefecture, row.lead(), &invited, reviewer_may_read)
        .ok_or_else(proposal_not_found)?;
    Ok(Readable { row, parts, relation })
}

fn loaded(conn: &mut DbConn, row: ProposalRow, user: &CurrentUser) -> ApiResult<Loaded> {
    let Readable { row, parts, relation } = readable_row(conn, row, user)?;
    let call = calls::find(conn, &row.call_id)?.ok_or_else(proposal_not_found)?;
    Ok(Loaded { row, parts, call, relation })
}

impl Loaded {
    pub fn require_lead(&self) -> ApiResult<()> {
        if self.relation.is_lead() {
            Ok(())
        } else {
            Err(ApiError::forbidden("only an officer of the lead prefecture may do this"))
        }
    }

    /// After the deadline nothing an applicant sends changes a proposal (SPEC §3).
    pub fn require_open(&self, now: DateTime<Utc>) -> ApiResult<()> {
        if self.call.accepting_submissions(now) {
            Ok(())
        } else {
            Err(call_not_open(&self.call))
        }
    }

    /// What editing a proposal's content requires: the lead prefecture, before the deadline
    /// (checked first, so a late request is told so), a draft.
    pub fn require_editable(&self, now: DateTime<Utc>) -> ApiResult<()> {
        self.require_lead()?;
        self.require_open(now)?;
        self.require_status(ProposalStatus::Draft)
    }

    pub fn require_status(&self, status: ProposalStatus) -> ApiResult<()> {
        if self.row.status() == status {
            Ok(())
        } else {
            Err(ApiError::invalid_state(format!("the proposal is {}, not {}", self.row.status(), status)))
        }
    }
}

pub fn call_not_open(call: &CallRow) -> ApiError {
    ApiError::conflict(
        "call_not_open",
        format!("the call is not accepting proposals (deadline {})", call.closes_at.shown().to_rfc3339()),
    )
    .with("closes_at", call.closes_at.shown())
}

pub fn prefecture_taken(prefecture: PrefectureCode) -> ApiError {
    ApiError::conflict(
        "prefecture_already_participating",
        format!(
            "{} {} ({}) already takes part in a proposal of this call; a prefecture takes part in only one",
            prefecture.name_ja(),
            prefecture.name_en(),
            prefecture
        ),
    )
    .with("prefecture_code", prefecture.to_string())
}


/// The optimistic-concurrency check behind `If-Match`: 412 unless the precondition (the
/// versions the client accepts; `None`: no precondition) names the current version.
pub fn require_version(precondition: Option<&[i32]>, current: i32) -> ApiResult<()> {
    match precondition {
        Some(versions) if !versions.contains(&current) => Err(ApiError::version_conflict()),
        _ => Ok(()),
    }
}
