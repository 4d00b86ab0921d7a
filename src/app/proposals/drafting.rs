//! Starting, reading, listing and editing proposals.

use serde_json::Value;

use crate::app::access::{call_not_open, load, lock, prefecture_taken, readable, require_version, visible_call};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::{ProposalContent, ProposalStatus, submission};
use crate::domain::time::Instant;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};
use crate::domain::attachment::{AttachmentRef, sealed_hash};
use crate::repo::attachments::AttachmentRow;
use crate::repo::proposals::{self, ProposalRow, Scope};
use crate::repo::new_id;

use super::view::{self, Proposal, ProposalJson, SubmittedVersion};

/// The initial content of a new proposal: the body, if any, merged onto empty content.
pub fn initial_content(body: Option<Value>, lead: PrefectureCode) -> ApiResult<ProposalContent> {
    let content = match body {
        None => ProposalContent::default(),
        Some(v) => ProposalContent::default().merged(&v).map_err(|e| ApiError::validation(vec![e]))?,
    };
    reject_bad_partner_list(&content, lead)?;
    Ok(content)
}

fn reject_bad_partner_list(content: &ProposalContent, lead: PrefectureCode) -> ApiResult<()> {
    let problems = submission::partner_list_problems(content, lead);
    if problems.is_empty() { Ok(()) } else { Err(ApiError::validation(problems)) }
}

/// Starts the prefecture `lead`'s proposal for a call.
pub fn create(tx: &mut Tx<'_>, user: &CurrentUser, lead: PrefectureCode, call_id: &str, content: ProposalContent) -> ApiResult<Proposal> {
    let now = tx.now;
    let call = visible_call(tx.conn, call_id, user)?;
    if !call.accepting_submissions(now) {
        return Err(call_not_open(&call));
    }
    if proposals::participation(tx.conn, call_id, lead)?.is_some() {
        return Err(prefecture_taken(lead));
    }
    let (text, hash) = content.stored();
    let row = ProposalRow {
        id: new_id(),
        call_id: call_id.to_string(),
        lead_prefecture_code: lead,
        status: ProposalStatus::Draft,
        version: 1,
        content: text,
        content_hash: hash,
        receipt_number: None,
        submitted_at: None,
        created_by: user.id.clone(),
        created_at: Instant::from(now),
        updated_at: Instant::from(now),
        shortlisted: None,
    };
    proposals::insert(tx.conn, &row)?;
    super::claim(tx.conn, call_id, lead, &row.id, "lead", now)?;
    proposals::sync_partners(tx.conn, &row.id, &[], content.partners(), now)?;
    tx.audit(Subject::proposal(&row.id), Event::ProposalCreated { call_id: call_id.to_string(), lead_prefecture_code: lead })?;
    view::proposal(tx.conn, &row.id)
}

pub fn get(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<Proposal> {
    view::of_readable(readable(tx.conn, id, user)?)
}

/// `get` as the API answers it, the stored content sent on as it is.
pub fn get_json(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<ProposalJson> {
    let found = readable(tx.conn, id, user)?;
    ProposalJson::of(found.row, found.parts)
}

/// Proposals the caller may see: applicants those of their prefecture (lead or partner),
/// reviewers those assigned to them, program officers all. A page and the total.
pub fn list(
    tx: &mut Tx<'_>,
    user: &CurrentUser,
    call_id: Option<&str>,
    status: Option<ProposalStatus>,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<Proposal>, i64)> {
    let scope = match (user.role, user.prefecture) {
        (Role::Admin, _) => Scope::All,
        (Role::Applicant, Some(p)) => Scope::Prefecture(p),
        (Role::Reviewer, _) => Scope::Ids(crate::repo::assignments::readable_proposal_ids(tx.conn, &user.id)?),
        (Role::Applicant, None) => Scope::Ids(Vec::new()),
    };
    let (rows, total) = proposals::list(tx.conn, scope, call_id, status, limit, offset)?;
    Ok((view::proposals(tx.conn, &rows)?, total))
}

/// Edits a draft with a JSON merge patch, if it is still at one of the `precondition`
/// versions. Any change of content voids every endorsement and every outstanding link.
pub fn update(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, precondition: &Option<Vec<i32>>, patch: &Value) -> ApiResult<ProposalJson> {
    update_with(tx, user, id, precondition, patch, Endorsements::Void)
}

/// What an edit may do to the endorsements already given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endorsements {
    /// Void them, as any change of the sealed content does (the API's PATCH).
    Void,
    /// Refuse the edit (409 `endorsements_would_be_voided`) if it would void one: the page
    /// asks the officer to confirm first.
    Keep,
}

/// `update`, refusing with `Endorsements::Keep` an edit that would void endorsements given.
pub fn update_with(
    tx: &mut Tx<'_>,
    user: &CurrentUser,
    id: &str,
    precondition: &Option<Vec<i32>>,
    patch: &Value,
    endorsements: Endorsements,
) -> ApiResult<ProposalJson> {
    let now = tx.now;
    let loaded = lock(tx.conn, id, user)?;
    loaded.require_editable(now)?;
    require_version(precondition.as_deref(), loaded.row.version)?;
    let after = ProposalContent::merged_document(loaded.row.content_document()?, patch).map_err(|e| ApiError::validation(vec![e]))?;
    reject_bad_partner_list(&after, loaded.row.lead())?;
    // The seal decides whether anything changed: the same content serialises to the same text.
    let refs: Vec<AttachmentRef> = loaded.parts.attachments.iter().map(AttachmentRow::to_ref).collect();
    let (text, hash) = after.stored();
    let sealed = sealed_hash(&hash, &refs);
    if sealed == loaded.row.content_hash {
        return ProposalJson::of(loaded.row, loaded.parts);
    }
    if endorsements == Endorsements::Keep && loaded.parts.endorsements_of(&loaded.row.content_hash).next().is_some() {
        return Err(ApiError::conflict("endorsements_would_be_voided", "this change would void the endorsements already given; confirm to save it"));
    }
    let row = proposals::write_content(tx.conn, &loaded.row, text, sealed, now)?.ok_or_else(ApiError::version_conflict)?;
    let partners = proposals::sync_partners(tx.conn, id, &loaded.parts.partners, after.partners(), now)?;
    let (voided_endorsements, voided_links) = super::void_endorsements(tx, &loaded)?;
    let fields = patch.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    tx.audit(
        Subject::proposal(id),
        Event::ProposalUpdated {
            fields,
            endorsements_voided: voided_endorsements,
            endorsement_links_voided: voided_links,
            partners_dropped: partners.dropped.clone(),
        },
    )?;
    // The answer is built from what this edit read and wrote, not read back: an auto-save is
    // the commonest write of a deadline surge, and on SQLite every write waits for the one before.
    let mut parts = loaded.parts;
    if !partners.is_empty() {
        parts.partners = proposals::partners(tx.conn, id)?;
    }
    ProposalJson::of(row, parts)
}

/// The immutable snapshots of every submission, oldest first.
pub fn list_versions(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<Vec<SubmittedVersion>> {
    load(tx.conn, id, user)?;
    proposals::versions(tx.conn, id)?.into_iter().map(SubmittedVersion::of).collect()
}
