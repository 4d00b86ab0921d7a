//! Proposals (提案): a prefecture drafts, invites partners, collects endorsements and submits
//! before the deadline; program officers and assigned reviewers read.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::one_time::Purpose;
use crate::auth::{Applicant, CurrentUser};
use crate::db::DbConn;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::access::Relation;
use crate::domain::proposal::content::SignatoryRole;
use crate::domain::proposal::lifecycle::Transition;
use crate::domain::proposal::{ProposalContent, ProposalStatus, receipt, submission};
use crate::domain::time::{self, Instant};
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult, Problem, is_unique_violation};
use crate::mail::templates;
use crate::repo::audit::{self, Actor};
use crate::repo::calls;
use crate::repo::proposals::{self, Attachment, ClaimError, ProposalRow, Scope};
use crate::repo::{new_id, outbox, tokens, users};
use crate::app::access::{Loaded, call_not_open, load, prefecture_taken, proposal_not_found, visible_call};
use crate::routes::{Body, List, MaybeBody, Page, check_version, if_match, with_etag};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Partner {
    #[schema(example = "13")]
    pub prefecture_code: String,
    pub confirmed: bool,
    pub confirmed_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Endorsement {
    pub role: SignatoryRole,
    /// When the endorsement covering the current content was given; null if none does.
    pub endorsed_at: Option<DateTime<FixedOffset>>,
}

/// A proposal: its content (the fields of the proposal body) and its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proposal {
    pub id: String,
    pub call_id: String,
    #[schema(example = "14")]
    pub lead_prefecture_code: String,
    pub status: ProposalStatus,
    pub version: i32,
    #[serde(flatten)]
    pub content: ProposalContent,
    pub partners: Vec<Partner>,
    pub endorsements: Vec<Endorsement>,
    pub attachments: Vec<Attachment>,
    #[schema(example = "R8-LAB-14-0001")]
    pub receipt_number: Option<String>,
    pub submitted_at: Option<DateTime<FixedOffset>>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

pub fn proposal_view(conn: &mut DbConn, row: &ProposalRow) -> ApiResult<Proposal> {
    let partners = proposals::partners(conn, &row.id)?
        .into_iter()
        .map(|p| Partner { prefecture_code: p.prefecture_code.to_string(), confirmed: p.confirmed_at.is_some(), confirmed_at: p.confirmed_at.map(Instant::shown) })
        .collect();
    let current = proposals::current_endorsements(conn, &row.id, &row.content_hash)?;
    let endorsements = SignatoryRole::ALL
        .into_iter()
        .map(|role| Endorsement {
            role,
            endorsed_at: current.iter().find(|e| e.role == role).map(|e| e.endorsed_at.shown()),
        })
        .collect();
    let attachments = proposals::attachments_of(conn, &row.id)?.iter().map(|a| a.view()).collect();
    Ok(Proposal {
        id: row.id.clone(),
        call_id: row.call_id.clone(),
        lead_prefecture_code: row.lead_prefecture_code.to_string(),
        status: row.status(),
        version: row.version,
        content: row.content()?,
        partners,
        endorsements,
        attachments,
        receipt_number: row.receipt_number.clone(),
        submitted_at: row.submitted_at.map(Instant::shown),
        created_at: row.created_at.shown(),
        updated_at: row.updated_at.shown(),
    })
}

fn claim(conn: &mut DbConn, call_id: &str, prefecture: PrefectureCode, proposal_id: &str, role: &str, now: DateTime<Utc>) -> ApiResult<()> {
    proposals::claim(conn, call_id, prefecture, proposal_id, role, now).map_err(|e| match e {
        ClaimError::Taken => prefecture_taken(prefecture),
        ClaimError::Db(e) => e.into(),
    })
}

fn parse_content(value: Option<Value>) -> ApiResult<ProposalContent> {
    match value {
        None => Ok(ProposalContent::default()),
        Some(v) => ProposalContent::default().merged(&v).map_err(|e| ApiError::validation(vec![e])),
    }
}

fn reject_bad_partner_list(content: &ProposalContent, lead: PrefectureCode) -> ApiResult<()> {
    let problems = submission::partner_list_problems(content, lead);
    if problems.is_empty() { Ok(()) } else { Err(ApiError::validation(problems)) }
}

fn respond(conn: &mut DbConn, id: &str, status: StatusCode) -> ApiResult<(StatusCode, i32, Proposal)> {
    let row = proposals::find(conn, id)?.ok_or_else(proposal_not_found)?;
    let view = proposal_view(conn, &row)?;
    Ok((status, row.version, view))
}

fn reply((status, version, view): (StatusCode, i32, Proposal)) -> HttpResponse {
    with_etag(status, version, &view)
}

/// Start the prefecture's proposal for a call, optionally with initial content.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body(content = Option<ProposalContent>, description = "Initial content (all optional)"),
    responses(
        (status = 201, body = Proposal, headers(("ETag" = String))),
        (status = 409, description = "`prefecture_already_participating` or `call_not_open`", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    )
)]
#[post("/calls/{id}/proposals")]
pub async fn create_proposal(
    state: web::Data<AppState>,
    applicant: Applicant,
    call_id: web::Path<String>,
    body: MaybeBody<Value>,
) -> ApiResult<HttpResponse> {
    let lead = applicant.prefecture()?;
    let content = parse_content(body.0)?;
    reject_bad_partner_list(&content, lead)?;
    let call_id = call_id.into_inner();
    let now = state.now();
    let user = applicant.0.clone();
    let actor = Actor::user(&user);
    let created = state
        .db
        .write(move |c| {
            let call = visible_call(c, &call_id, &user)?;
            if !call.accepting_submissions(now) {
                return Err(call_not_open(&call));
            }
            if proposals::participation(c, &call_id, lead)?.is_some() {
                return Err(prefecture_taken(lead));
            }
            let row = ProposalRow {
                id: new_id(),
                call_id: call_id.clone(),
                lead_prefecture_code: lead,
                status: ProposalStatus::Draft,
                version: 1,
                content: content.to_json().to_string(),
                content_hash: content.hash(),
                receipt_number: None,
                submitted_at: None,
                created_by: user.id.clone(),
                created_at: Instant::from(now),
                updated_at: Instant::from(now),
            };
            proposals::insert(c, &row)?;
            claim(c, &call_id, lead, &row.id, "lead", now)?;
            proposals::sync_partners(c, &row.id, content.partners(), now)?;
            audit::record(c, &actor, now, "proposal_created", "proposal", &row.id, json!({ "call_id": call_id, "lead_prefecture_code": lead }))?;
            respond(c, &row.id, StatusCode::CREATED)
        })
        .await?;
    Ok(reply(created))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalFilter {
    pub call_id: Option<String>,
    pub status: Option<ProposalStatus>,
}

/// Proposals the caller may see: applicants those of their prefecture (lead or partner),
/// reviewers those assigned to them, program officers all.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(ProposalFilter, Page),
    responses((status = 200, body = List<Proposal>), (status = 401, body = Problem))
)]
#[get("/proposals")]
pub async fn list_proposals(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<ProposalFilter>,
    page: web::Query<Page>,
) -> ApiResult<web::Json<List<Proposal>>> {
    let (limit, offset) = page.into_inner().resolve()?;
    let ProposalFilter { call_id, status } = filter.into_inner();
    let list = state
        .db
        .read(move |c| {
            let scope = match (user.role, user.prefecture) {
                (Role::Admin, _) => Scope::All,
                (Role::Applicant, Some(p)) => Scope::Prefecture(p),
                (Role::Reviewer, _) => Scope::Ids(crate::repo::assignments::readable_proposal_ids(c, &user.id)?),
                (Role::Applicant, None) => Scope::Ids(Vec::new()),
            };
            let (rows, total) = proposals::list(c, scope, call_id.as_deref(), status, limit, offset)?;
            let items = rows.iter().map(|r| proposal_view(c, r)).collect::<ApiResult<Vec<_>>>()?;
            Ok(List::new(items, total))
        })
        .await?;
    Ok(web::Json(list))
}

/// One proposal.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Proposal, headers(("ETag" = String))), (status = 404, body = Problem), (status = 401, body = Problem))
)]
#[get("/proposals/{id}")]
pub async fn get_proposal(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |c| {
            let loaded = load(c, &id, &user)?;
            respond(c, &loaded.row.id, StatusCode::OK)
        })
        .await?;
    Ok(reply(found))
}

/// Edit a draft (JSON merge patch of the proposal body; arrays are replaced whole). Any change
/// of content voids every endorsement and every outstanding endorsement link.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body(content = ProposalContent, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = Proposal, headers(("ETag" = String))),
        (status = 409, description = "`call_not_open` after the deadline, `invalid_state` unless draft", body = Problem),
        (status = 412, description = "Stale If-Match (`version_conflict`)", body = Problem),
        (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[patch("/proposals/{id}")]
pub async fn update_proposal(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    id: web::Path<String>,
    body: Body<Value>,
) -> ApiResult<HttpResponse> {
    let precondition = if_match(&req)?;
    let id = id.into_inner();
    let patch = body.0;
    let now = state.now();
    let actor = Actor::user(&user);
    let updated = state
        .db
        .write(move |c| {
            let loaded = load(c, &id, &user)?;
            loaded.require_editable(now)?;
            check_version(&precondition, loaded.row.version)?;
            let before = loaded.row.content()?;
            let after = before.merged(&patch).map_err(|e| ApiError::validation(vec![e]))?;
            reject_bad_partner_list(&after, loaded.row.lead())?;
            if after == before {
                return respond(c, &id, StatusCode::OK);
            }
            if !proposals::update_content(c, &id, loaded.row.version, &after, now)? {
                return Err(ApiError::version_conflict());
            }
            let dropped = proposals::sync_partners(c, &id, after.partners(), now)?;
            let voided_endorsements = proposals::current_endorsements(c, &id, &loaded.row.content_hash)?.len();
            let voided_links = tokens::void_for_subject(c, &id, Purpose::Endorsement, None, now)?;
            let fields: Vec<&String> = patch.as_object().map(|o| o.keys().collect()).unwrap_or_default();
            audit::record(
                c,
                &actor,
                now,
                "proposal_updated",
                "proposal",
                &id,
                json!({ "fields": fields, "endorsements_voided": voided_endorsements, "endorsement_links_voided": voided_links, "partners_dropped": dropped }),
            )?;
            respond(c, &id, StatusCode::OK)
        })
        .await?;
    Ok(reply(updated))
}

fn partner_code(raw: &str) -> ApiResult<PrefectureCode> {
    raw.parse().map_err(|_| ApiError::not_found("partner"))
}

/// The partner prefecture `code` is the caller's own, and the caller's prefecture is invited.
fn require_own_partner(loaded: &Loaded, user: &CurrentUser, code: PrefectureCode) -> ApiResult<()> {
    match loaded.relation {
        Relation::Partner(own) if own == code && user.prefecture == Some(code) => Ok(()),
        _ => Err(ApiError::forbidden("only an officer of the partner prefecture confirms its participation")),
    }
}

/// Confirm the caller's prefecture as partner of a joint proposal (広域連携).
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("code" = String, Path, description = "The partner prefecture: the caller's")),
    responses(
        (status = 200, body = Proposal),
        (status = 409, description = "`prefecture_already_participating`, `call_not_open` or `invalid_state`", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[post("/proposals/{id}/partners/{code}/confirm")]
pub async fn confirm_partner(state: web::Data<AppState>, applicant: Applicant, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (id, code) = path.into_inner();
    let code = partner_code(&code)?;
    let now = state.now();
    let user = applicant.0;
    let actor = Actor::user(&user);
    let confirmed = state
        .db
        .write(move |c| {
            let loaded = load(c, &id, &user)?;
            require_own_partner(&loaded, &user, code)?;
            loaded.require_open(now)?;
            loaded.require_status(ProposalStatus::Draft)?;
            if proposals::confirmed_partners(c, &id)?.contains(&code) {
                return respond(c, &id, StatusCode::OK);
            }
            if proposals::participation(c, &loaded.row.call_id, code)?.is_some() {
                return Err(prefecture_taken(code));
            }
            claim(c, &loaded.row.call_id, code, &id, "partner", now)?;
            proposals::set_partner_confirmation(c, &id, code, Some(&user.id), now)?;
            audit::record(c, &actor, now, "partner_confirmed", "proposal", &id, json!({ "prefecture_code": code }))?;
            respond(c, &id, StatusCode::OK)
        })
        .await?;
    Ok(reply(confirmed))
}

/// Withdraw the caller's prefecture's confirmation (drafts only); the prefecture is released.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = Proposal), (status = 409, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem))
)]
#[delete("/proposals/{id}/partners/{code}/confirm")]
pub async fn withdraw_confirmation(state: web::Data<AppState>, applicant: Applicant, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (id, code) = path.into_inner();
    let code = partner_code(&code)?;
    let now = state.now();
    let user = applicant.0;
    let actor = Actor::user(&user);
    let released = state
        .db
        .write(move |c| {
            let loaded = load(c, &id, &user)?;
            require_own_partner(&loaded, &user, code)?;
            loaded.require_open(now)?;
            loaded.require_status(ProposalStatus::Draft)?;
            if proposals::confirmed_partners(c, &id)?.contains(&code) {
                proposals::release(c, &id, code)?;
                proposals::set_partner_confirmation(c, &id, code, None, now)?;
                audit::record(c, &actor, now, "partner_confirmation_withdrawn", "proposal", &id, json!({ "prefecture_code": code }))?;
            }
            respond(c, &id, StatusCode::OK)
        })
        .await?;
    Ok(reply(released))
}

fn today_in_japan(now: DateTime<Utc>) -> chrono::NaiveDate {
    now.with_timezone(&time::jst()).date_naive()
}

/// Outcome of a submission transaction; a replay is answered from the stored response.
enum Submitted {
    Fresh(StatusCode, i32, Box<Proposal>),
    Replayed(Value),
}

/// Submit: every rule is checked at once (422 lists every problem), the prefectures' claims are
/// re-checked, a receipt number is issued, an immutable snapshot is stored and the lead
/// prefecture's officers get a receipt email. With `Idempotency-Key`, a retry returns the
/// first response.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key returns the same response")),
    responses(
        (status = 200, description = "Submitted", body = Proposal),
        (status = 400, description = "Unreadable or overlong Idempotency-Key (`invalid_idempotency_key`)", body = Problem),
        (status = 422, description = "Every problem that stands in the way", body = Problem),
        (status = 409, description = "`call_not_open`, `prefecture_already_participating` or `invalid_state`", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[post("/proposals/{id}/submit")]
pub async fn submit_proposal(state: web::Data<AppState>, user: CurrentUser, req: HttpRequest, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let key = req
        .headers()
        .get("Idempotency-Key")
        .map(|v| v.to_str().map(|s| s.trim().to_string()).map_err(|_| ApiError::bad_request("invalid_idempotency_key", "Idempotency-Key is not readable")))
        .transpose()?;
    if key.as_ref().is_some_and(|k| k.is_empty() || k.len() > 200) {
        return Err(ApiError::bad_request("invalid_idempotency_key", "Idempotency-Key must be 1–200 characters"));
    }
    let id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&user);
    let user_id = user.id.clone();
    let (replay_key, replay_id) = (key.clone(), id.clone());
    let outcome = state
        .db
        .write(move |c| {
            // The call's row lock serialises submissions within the call: receipt numbers, and
            // retries of one submission, which must see the first one's stored response.
            let call_id = load(c, &id, &user)?.call.id;
            calls::lock(c, &call_id)?;
            if let Some(key) = &key
                && let Some((proposal_id, response)) = proposals::idempotent_response(c, &user.id, key)?
            {
                return replay(&proposal_id, &id, &response);
            }
            let loaded = load(c, &id, &user)?;
            loaded.require_lead()?;
            loaded.require_open(now)?;
            loaded.row.status().after(Transition::Submit).map_err(ApiError::invalid_state)?;

            let content = loaded.row.content()?;
            let lead = loaded.row.lead();
            let confirmed = proposals::confirmed_partners(c, &id)?;
            let endorsed = proposals::endorsed_roles(c, &id, &loaded.row.content_hash)?;
            let context = submission::Context {
                program: loaded.call.program(),
                call_fiscal_year: loaded.call.fiscal_year,
                max_request: loaded.call.max_request(),
                lead,
                confirmed_partners: &confirmed,
                endorsed: &endorsed,
                today: today_in_japan(now),
            };
            let problems = submission::problems(&content, &context);
            if !problems.is_empty() {
                return Err(ApiError::validation(problems));
            }
            for prefecture in std::iter::once(lead).chain(content.partners().iter().copied()) {
                if proposals::participation(c, &loaded.call.id, prefecture)?.as_deref() != Some(id.as_str()) {
                    return Err(prefecture_taken(prefecture));
                }
            }

            let receipt_number = match &loaded.row.receipt_number {
                Some(existing) => existing.clone(),
                None => {
                    let seq = calls::next_receipt_seq(c, &loaded.call.id)?;
                    receipt::receipt_number(loaded.call.fiscal_year, loaded.call.program(), lead, seq)
                }
            };
            if !proposals::transition(c, &id, ProposalStatus::Draft, ProposalStatus::Submitted, now)? {
                return Err(ApiError::invalid_state("the proposal changed meanwhile; reload it"));
            }
            proposals::record_submission(c, &id, &receipt_number, now)?;
            let version_no = proposals::insert_version(c, &id, &receipt_number, &content, &user.id, now)?;

            let title = content.title.clone().unwrap_or_default();
            let submitted_at = (Instant::from(now)).shown().format("%Y-%m-%d %H:%M JST").to_string();
            let email = templates::proposal_received(&receipt_number, &title, &loaded.call.title, &submitted_at);
            for officer in users::active_applicants_of(c, &[lead])? {
                outbox::enqueue(c, &officer.email, &email, now)?;
            }
            audit::record(c, &actor, now, "proposal_submitted", "proposal", &id, json!({ "receipt_number": receipt_number, "version_no": version_no }))?;

            let (status, version, view) = respond(c, &id, StatusCode::OK)?;
            if let Some(key) = &key {
                let stored = serde_json::to_string(&view).map_err(ApiError::internal)?;
                proposals::store_idempotent_response(c, &user.id, key, &id, &stored, now).map_err(|e| {
                    if is_unique_violation(&e) { ApiError::conflict("idempotency_race", "retry") } else { e.into() }
                })?;
            }
            Ok(Submitted::Fresh(status, version, Box::new(view)))
        })
        .await;
    let outcome = match outcome {
        // Two requests with the same key raced on PostgreSQL: the loser replays the winner's answer.
        Err(e) if e.code == "idempotency_race" => {
            let key = replay_key.unwrap_or_default();
            let id = replay_id;
            state
                .db
                .read(move |c| match proposals::idempotent_response(c, &user_id, &key)? {
                    Some((proposal_id, response)) => replay(&proposal_id, &id, &response),
                    None => Err(ApiError::invalid_state("the submission could not be completed; retry")),
                })
                .await?
        }
        other => other?,
    };
    state.mail_wakeup.notify_one();
    Ok(match outcome {
        Submitted::Fresh(status, version, view) => reply((status, version, *view)),
        Submitted::Replayed(body) => {
            let version = body["version"].as_i64().and_then(|v| i32::try_from(v).ok()).unwrap_or(0);
            let mut response = with_etag(StatusCode::OK, version, &body);
            // Tells a client that this answer was stored from an earlier identical request.
            response.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("idempotent-replayed"),
                actix_web::http::header::HeaderValue::from_static("true"),
            );
            response
        }
    })
}

fn replay(stored_for: &str, requested: &str, response: &str) -> ApiResult<Submitted> {
    if stored_for != requested {
        return Err(ApiError::field(
            "Idempotency-Key",
            "idempotency_key_reused",
            "this key was already used for another proposal; use a new key",
        ));
    }
    serde_json::from_str(response).map(Submitted::Replayed).map_err(ApiError::internal)
}

async fn lifecycle(state: &AppState, user: CurrentUser, id: String, transition: Transition) -> ApiResult<HttpResponse> {
    let now = state.now();
    let actor = Actor::user(&user);
    let done = state
        .db
        .write(move |c| {
            let loaded = load(c, &id, &user)?;
            loaded.require_lead()?;
            loaded.require_open(now)?;
            let from = loaded.row.status();
            let to = from.after(transition).map_err(ApiError::invalid_state)?;
            if !proposals::transition(c, &id, from, to, now)? {
                return Err(ApiError::invalid_state("the proposal changed meanwhile; reload it"));
            }
            let mut details = json!({ "from": from, "to": to });
            if to == ProposalStatus::Withdrawn {
                details["prefectures_released"] = json!(proposals::release_all(c, &id)?);
                tokens::void_for_subject(c, &id, Purpose::Endorsement, None, now)?;
            }
            let action = if to == ProposalStatus::Withdrawn { "proposal_withdrawn" } else { "proposal_unsubmitted" };
            audit::record(c, &actor, now, action, "proposal", &id, details)?;
            respond(c, &id, StatusCode::OK)
        })
        .await?;
    Ok(reply(done))
}

/// Pull a submission back to draft, before the deadline only.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Proposal), (status = 409, description = "`call_not_open` after the deadline; `invalid_state` unless submitted", body = Problem), (status = 403, body = Problem), (status = 404, body = Problem))
)]
#[post("/proposals/{id}/unsubmit")]
pub async fn unsubmit_proposal(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    lifecycle(&state, user, id.into_inner(), Transition::Unsubmit).await
}

/// Withdraw for good (draft or submitted, before the deadline): every prefecture is released.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Proposal), (status = 409, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem))
)]
#[post("/proposals/{id}/withdraw")]
pub async fn withdraw_proposal(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    lifecycle(&state, user, id.into_inner(), Transition::Withdraw).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedVersion {
    /// 1 for the first submission, 2 after a resubmission, …
    pub version: i32,
    pub receipt_number: String,
    pub submitted_at: DateTime<FixedOffset>,
    pub content_hash: String,
    pub content: ProposalContent,
}

/// The immutable snapshots of every submission, oldest first.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = List<SubmittedVersion>), (status = 404, body = Problem))
)]
#[get("/proposals/{id}/versions")]
pub async fn list_versions(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<web::Json<List<SubmittedVersion>>> {
    let id = id.into_inner();
    let versions = state
        .db
        .read(move |c| {
            load(c, &id, &user)?;
            Ok(proposals::versions(c, &id)?)
        })
        .await?;
    let items = versions
        .into_iter()
        .map(|v| {
            Ok(SubmittedVersion {
                content: v.content()?,
                version: v.version_no,
                receipt_number: v.receipt_number,
                submitted_at: v.submitted_at.shown(),
                content_hash: v.content_hash,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(web::Json(List::all(items)))
}
