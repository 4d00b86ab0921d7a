//! Endorsements (連名): the three signatories co-sign a proposal through emailed links, without
//! an account. An endorsement covers the content as it was when given.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::auth::extract::ClientIp;
use crate::auth::one_time::Purpose;
use crate::domain::proposal::ProposalStatus;
use crate::domain::proposal::content::SignatoryRole;
use crate::domain::proposal::submission;
use crate::domain::time::Instant;
use crate::error::{ApiError, ApiResult, Problem, is_unique_violation};
use crate::mail::templates::{self, EndorsementRequest};
use crate::repo::audit::{self, Actor};
use crate::repo::tokens::{self, ActionToken};
use crate::repo::{outbox, proposals};
use crate::app::access::load;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct EndorsementsRequested {
    /// The roles whose signatories were emailed a new link.
    pub requested: Vec<SignatoryRole>,
}

/// Email each signatory whose endorsement does not cover the current content a fresh link;
/// older links are voided.
#[utoipa::path(
    tag = "endorsements",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 202, body = EndorsementsRequested),
        (status = 422, description = "The signatories are incomplete (names, emails, one representative)", body = Problem),
        (status = 409, description = "`call_not_open` or `invalid_state`", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[post("/proposals/{id}/endorsements/request")]
pub async fn request_endorsements(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&user);
    let links = state.links.clone();
    let base_url = state.settings.app.public_base_url.clone();
    let ttl = Duration::hours(state.settings.endorsement.token_ttl_hours);
    let requested = state
        .db
        .write(move |c| {
            let loaded = load(c, &id, &user)?;
            loaded.require_editable(now)?;
            let content = loaded.row.content()?;
            let problems = submission::signatory_problems(&content);
            if !problems.is_empty() {
                return Err(ApiError::validation(problems.into_vec()));
            }
            tokens::void_for_subject(c, &id, Purpose::Endorsement, None, now)?;
            let endorsed = proposals::endorsed_roles(c, &id, &loaded.row.content_hash)?;
            let lead = loaded.row.lead();
            let title = content.title.clone().unwrap_or_else(|| "(無題 / untitled)".into());
            let expires = now + ttl;
            let valid_until = (Instant::from(expires)).shown().format("%Y-%m-%d %H:%M JST").to_string();
            let mut requested = Vec::new();
            for role in SignatoryRole::ALL.into_iter().filter(|r| !endorsed.contains(r)) {
                let Some(signatory) = content.signatory(role) else { continue };
                let (token_id, token) = links.issue(Purpose::Endorsement);
                let subject = tokens::Subject {
                    subject_id: Some(&id),
                    subject_detail: Some(role.as_str()),
                    content_hash: Some(&loaded.row.content_hash),
                    ..Default::default()
                };
                tokens::insert(c, &token_id, Purpose::Endorsement, subject, now, expires)?;
                let link = templates::link(&base_url, "/endorse", &token);
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
                outbox::enqueue(c, signatory.email.as_deref().unwrap_or_default().trim(), &email, now)?;
                requested.push(role);
            }
            audit::record(c, &actor, now, "endorsements_requested", "proposal", &id, json!({ "roles": requested }))?;
            Ok(requested)
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(HttpResponse::Accepted().json(EndorsementsRequested { requested }))
}

fn token_invalid() -> ApiError {
    ApiError::gone(
        "endorsement_token_invalid",
        "this endorsement link is no longer valid: it was used, it expired, or the proposal changed since it was sent",
    )
}

/// The token's row and proposal, if the link is still good for the proposal's current content.
fn usable(conn: &mut crate::db::DbConn, id: &str, now: chrono::DateTime<chrono::Utc>) -> ApiResult<(ActionToken, proposals::ProposalRow, SignatoryRole)> {
    let token = tokens::find(conn, id, Purpose::Endorsement)?.filter(|t| t.usable_at(now)).ok_or_else(token_invalid)?;
    let proposal_id = token.subject_id.clone().ok_or_else(token_invalid)?;
    let role = token.subject_detail.as_deref().and_then(SignatoryRole::parse).ok_or_else(token_invalid)?;
    let proposal = proposals::find(conn, &proposal_id)?.ok_or_else(token_invalid)?;
    let still_current = proposal.status() == ProposalStatus::Draft && token.content_hash.as_deref() == Some(proposal.content_hash.as_str());
    if !still_current {
        return Err(token_invalid());
    }
    Ok((token, proposal, role))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndorsementPreview {
    pub role: SignatoryRole,
    pub proposal_id: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    #[schema(example = "14")]
    pub lead_prefecture_code: String,
    pub call_title: String,
    /// SHA-256 of the content being endorsed.
    pub content_hash: String,
}

/// What a link asks the signatory to endorse, to read before endorsing.
#[utoipa::path(
    tag = "endorsements",
    params(("token" = String, Path, description = "The token from the emailed link")),
    responses((status = 200, body = EndorsementPreview), (status = 410, description = "`endorsement_token_invalid`", body = Problem))
)]
#[get("/endorsements/{token}")]
pub async fn preview_endorsement(state: web::Data<AppState>, token: web::Path<String>) -> ApiResult<web::Json<EndorsementPreview>> {
    let id = state.links.verify(Purpose::Endorsement, &token).ok_or_else(token_invalid)?;
    let now = state.now();
    let preview = state
        .db
        .read(move |c| {
            let (_, proposal, role) = usable(c, &id, now)?;
            let call_title = crate::repo::calls::find(c, &proposal.call_id)?.map(|call| call.title).unwrap_or_default();
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
        })
        .await?;
    Ok(web::Json(preview))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndorsementRecorded {
    pub role: SignatoryRole,
    pub endorsed_at: DateTime<FixedOffset>,
}

/// Endorse through the emailed link (no account needed). Single use; a content change since
/// the link was sent voids it.
#[utoipa::path(
    tag = "endorsements",
    params(("token" = String, Path, description = "The token from the emailed link")),
    responses((status = 200, body = EndorsementRecorded), (status = 410, description = "Used, expired or voided (`endorsement_token_invalid`)", body = Problem))
)]
#[post("/endorsements/{token}")]
pub async fn endorse(state: web::Data<AppState>, ip: ClientIp, token: web::Path<String>) -> ApiResult<web::Json<EndorsementRecorded>> {
    let id = state.links.verify(Purpose::Endorsement, &token).ok_or_else(token_invalid)?;
    let now = state.now();
    let recorded = state
        .db
        .write(move |c| {
            let (token, proposal, role) = usable(c, &id, now)?;
            if !tokens::consume(c, &token.id, now)? {
                return Err(token_invalid());
            }
            let content = proposal.content()?;
            let signatory = content.signatory(role);
            let name = signatory.and_then(|s| s.name.as_deref());
            let email = signatory.and_then(|s| s.email.as_deref());
            proposals::insert_endorsement(c, &proposal.id, role, &proposal.content_hash, name, email, now).map_err(|e| {
                if is_unique_violation(&e) { token_invalid() } else { e.into() }
            })?;
            let actor = Actor::anonymous(format!("signatory:{}", role.as_str()), ip.0.clone());
            audit::record(c, &actor, now, "proposal_endorsed", "proposal", &proposal.id, json!({ "role": role, "content_hash": proposal.content_hash }))?;
            Ok(EndorsementRecorded { role, endorsed_at: (Instant::from(now)).shown() })
        })
        .await?;
    Ok(web::Json(recorded))
}
