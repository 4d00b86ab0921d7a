//! Endorsements (連名): the three signatories co-sign a proposal through emailed links, without
//! an account. An endorsement covers the content as it was when given.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::app::access::lock;
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::auth::one_time::{LinkSigner, Purpose};
use crate::db::DbConn;
use crate::domain::proposal::ProposalStatus;
use crate::domain::proposal::content::SignatoryRole;
use crate::domain::proposal::submission;
use crate::domain::time::Instant;
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::mail::templates::{self, EndorsementRequest};
use crate::repo::audit::Actor;
use crate::repo::proposals::{self, ProposalRow};
use crate::repo::tokens::{self, ActionToken};

use super::view::{EndorsementPreview, EndorsementRecorded, EndorsementsRequested};

/// How the endorsement links are made: signed by `links`, pointing at `base_url`, good for `ttl`.
pub struct LinkSettings {
    pub links: Arc<LinkSigner>,
    pub base_url: String,
    pub ttl: Duration,
}

impl LinkSettings {
    /// The endorsement links as configured.
    pub fn configured(settings: &crate::config::Settings, links: Arc<LinkSigner>) -> Self {
        LinkSettings { links, base_url: settings.app.public_base_url.clone(), ttl: Duration::hours(settings.endorsement.token_ttl_hours) }
    }
}

/// Emails each signatory whose endorsement does not cover the current content a fresh link;
/// older links are voided.
pub fn request_endorsements(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, settings: &LinkSettings) -> ApiResult<EndorsementsRequested> {
    let now = tx.now;
    let loaded = lock(tx.conn, id, user)?;
    loaded.require_editable(now)?;
    let content = loaded.row.content()?;
    let problems = submission::signatory_problems(&content);
    if !problems.is_empty() {
        return Err(ApiError::validation(problems.into_vec()));
    }
    tokens::void_for_subject(tx.conn, id, Purpose::Endorsement, None, now)?;
    let endorsed = proposals::endorsed_roles(tx.conn, id, &loaded.row.content_hash)?;
    let lead = loaded.row.lead();
    let title = content.title.clone().unwrap_or_else(|| "(無題 / untitled)".into());
    let expires = now + settings.ttl;
    let valid_until = Instant::from(expires).shown().format("%Y-%m-%d %H:%M JST").to_string();
    let mut requested = Vec::new();
    for role in SignatoryRole::ALL.into_iter().filter(|r| !endorsed.contains(r)) {
        let Some(signatory) = content.signatory(role) else { continue };
        let (token_id, token) = settings.links.issue(Purpose::Endorsement);
        let subject = tokens::Subject {
            subject_id: Some(id),
            subject_detail: Some(role.as_str()),
            content_hash: Some(&loaded.row.content_hash),
            ..Default::default()
        };
        tokens::insert(tx.conn, &token_id, Purpose::Endorsement, subject, now, expires)?;
        let link = templates::link(&settings.base_url, "/endorse", &token);
        let email = templates::endorsement_request(&EndorsementRequest {
            signatory_name: signatory.name.as_deref().unwrap_or_default(),
            role_ja: role.name_ja(),
            role_en: role.name_en(),
            proposal_title: &title,
            lead_prefecture_ja: lead.name_ja(),
            lead_prefecture_en: lead.name_en(),
            call_title: &loaded.call.title,
            link: &link,
            valid_until: &valid_until,
        });
        tx.enqueue(signatory.email.as_deref().unwrap_or_default().trim(), &email)?;
        requested.push(role);
    }
    tx.audit(Subject::proposal(id), Event::EndorsementsRequested { roles: requested.clone() })?;
    Ok(EndorsementsRequested { requested })
}

pub fn token_invalid() -> ApiError {
    ApiError::gone(
        "endorsement_token_invalid",
        "this endorsement link is no longer valid: it was used, it expired, or the proposal changed since it was sent",
    )
}

type FindProposal = fn(&mut DbConn, &str) -> diesel::QueryResult<Option<ProposalRow>>;

/// The token's row and proposal (read with `find`: `proposals::lock` to change it), if the link
/// is still good for the proposal's current content.
fn usable(conn: &mut DbConn, token_id: &str, now: DateTime<Utc>, find: FindProposal) -> ApiResult<(ActionToken, ProposalRow, SignatoryRole)> {
    let token = tokens::find(conn, token_id, Purpose::Endorsement)?.filter(|t| t.usable_at(now)).ok_or_else(token_invalid)?;
    let proposal_id = token.subject_id.clone().ok_or_else(token_invalid)?;
    let role = token.subject_detail.as_deref().and_then(SignatoryRole::parse).ok_or_else(token_invalid)?;
    let proposal = find(conn, &proposal_id)?.ok_or_else(token_invalid)?;
    let still_current = proposal.status() == ProposalStatus::Draft && token.content_hash.as_deref() == Some(proposal.content_hash.as_str());
    if !still_current {
        return Err(token_invalid());
    }
    Ok((token, proposal, role))
}

/// What a link (its verified token id) asks the signatory to endorse.
pub fn preview_endorsement(tx: &mut Tx<'_>, token_id: &str) -> ApiResult<EndorsementPreview> {
    let (_, proposal, role) = usable(tx.conn, token_id, tx.now, proposals::find)?;
    let call_title = crate::repo::calls::find(tx.conn, &proposal.call_id)?.map(|call| call.title).unwrap_or_default();
    let content = proposal.content()?;
    Ok(EndorsementPreview {
        role,
        proposal_id: proposal.id.clone(),
        title: content.title,
        summary: content.summary,
        lead_prefecture_code: proposal.lead_prefecture_code.to_string(),
        call_title,
        content_hash: proposal.content_hash,
    })
}

/// Endorses through a link (its verified token id): single use; a content change since the
/// link was sent voids it.
pub fn endorse(tx: &mut Tx<'_>, token_id: &str) -> ApiResult<EndorsementRecorded> {
    let now = tx.now;
    let (token, proposal, role) = usable(tx.conn, token_id, now, proposals::lock)?;
    if !tokens::consume(tx.conn, &token.id, now)? {
        return Err(token_invalid());
    }
    let content = proposal.content()?;
    let signatory = content.signatory(role);
    let name = signatory.and_then(|s| s.name.as_deref());
    let email = signatory.and_then(|s| s.email.as_deref());
    proposals::insert_endorsement(tx.conn, &proposal.id, role, &proposal.content_hash, name, email, now)
        .map_err(|e| if is_unique_violation(&e) { token_invalid() } else { e.into() })?;
    // The signatory has no account: who acted is known only now, from the link's role.
    tx.actor = Actor::anonymous(format!("signatory:{}", role.as_str()), tx.actor.ip.clone());
    tx.audit(Subject::proposal(&proposal.id), Event::ProposalEndorsed { role, content_hash: proposal.content_hash.clone() })?;
    Ok(EndorsementRecorded { role, endorsed_at: Instant::from(now).shown() })
}

/// Everything a link asks the signatory to endorse, for the endorsement page: the preview and
/// the whole content with the attachments.
pub struct EndorsementDocument {
    pub preview: EndorsementPreview,
    pub content: crate::domain::proposal::ProposalContent,
    pub attachments: Vec<super::view::Attachment>,
}

/// The whole document a link (its verified token id) asks the signatory to endorse.
pub fn endorsement_document(tx: &mut Tx<'_>, token_id: &str) -> ApiResult<EndorsementDocument> {
    let preview = preview_endorsement(tx, token_id)?;
    let content = proposals::find(tx.conn, &preview.proposal_id)?.ok_or_else(token_invalid)?.content()?;
    let attachments = crate::repo::attachments::of_proposals(tx.conn, std::slice::from_ref(&preview.proposal_id))?
        .iter()
        .map(super::view::Attachment::from)
        .collect();
    Ok(EndorsementDocument { preview, content, attachments })
}
