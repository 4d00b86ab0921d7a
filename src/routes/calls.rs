//! Calls (公募): program officers create, amend, publish and close them; everyone signed in reads
//! the published ones.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Admin, CurrentUser};
use crate::domain::call::{self, CallField, CallStatus, CallTerms, Criterion, DEFAULT_REVIEWERS_PER_PROPOSAL, Program};
use crate::domain::money::Yen;
use crate::domain::proposal::ProposalStatus;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::repo::audit::{self, Actor};
use crate::repo::calls::{self, Call, CallRow};
use crate::repo::{new_id, proposals};
use crate::routes::{Body, List, Page, check_version, if_match, with_etag};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCall {
    pub program: Program,
    #[schema(example = 2026)]
    pub fiscal_year: i32,
    pub title: String,
    pub description: Option<String>,
    #[schema(example = "2026-12-01T09:00:00+09:00")]
    pub opens_at: DateTime<FixedOffset>,
    #[schema(example = "2027-01-31T17:00:00+09:00")]
    pub closes_at: DateTime<FixedOffset>,
    #[schema(example = 69_500_000_000_i64)]
    pub total_budget_yen: i64,
    #[schema(example = 3_000_000_000_i64)]
    pub max_request_yen: i64,
    /// Default 3.
    pub reviewers_per_proposal: Option<i32>,
    pub criteria: Vec<Criterion>,
}

/// Amounts below zero become zero here, which the terms' own check reports as not positive.
fn yen(amount: i64) -> Yen {
    Yen::new(amount).unwrap_or(Yen::ZERO)
}

fn invalid_terms(terms: &CallTerms) -> ApiResult<()> {
    let problems = terms.problems();
    if problems.is_empty() { Ok(()) } else { Err(ApiError::validation(problems.into_vec())) }
}

use crate::app::access::{call_not_found, visible_call};

/// Open a call (as a draft).
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    request_body = CreateCall,
    responses(
        (status = 201, body = Call, headers(("ETag" = String))),
        (status = 422, description = "Every problem with the terms", body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls")]
pub async fn create_call(state: web::Data<AppState>, admin: Admin, body: Body<CreateCall>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let terms = CallTerms {
        program: b.program,
        fiscal_year: b.fiscal_year,
        title: b.title,
        description: b.description.unwrap_or_default(),
        opens_at: b.opens_at.with_timezone(&Utc),
        closes_at: b.closes_at.with_timezone(&Utc),
        total_budget: yen(b.total_budget_yen),
        max_request: yen(b.max_request_yen),
        reviewers_per_proposal: b.reviewers_per_proposal.unwrap_or(DEFAULT_REVIEWERS_PER_PROPOSAL),
        criteria: b.criteria,
    };
    invalid_terms(&terms)?;
    let now = state.now();
    let actor = Actor::user(&admin);
    let row = state
        .db
        .write(move |c| {
            let row = calls::row_from_terms(new_id(), &terms, &admin.id, now);
            calls::insert(c, &row)?;
            audit::record(c, &actor, now, "call_created", "call", &row.id, json!({ "title": row.title, "program": row.program }))?;
            Ok(row)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, row.version, &row.view(now)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallFilter {
    pub status: Option<CallStatus>,
}

/// List calls, newest first. Applicants and reviewers see published calls and later only.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(CallFilter, Page),
    responses((status = 200, body = List<Call>), (status = 401, body = Problem))
)]
#[get("/calls")]
pub async fn list_calls(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<CallFilter>,
    page: web::Query<Page>,
) -> ApiResult<web::Json<List<Call>>> {
    let (limit, offset) = page.into_inner().resolve()?;
    let status = filter.status;
    let include_drafts = user.is_admin();
    let (rows, total) = state.db.read(move |c| Ok(calls::list(c, include_drafts, status, limit, offset)?)).await?;
    let now = state.now();
    Ok(web::Json(List::new(rows.iter().map(|r| r.view(now)).collect::<Result<_, _>>()?, total)))
}

/// One call.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Call, headers(("ETag" = String))), (status = 404, body = Problem), (status = 401, body = Problem))
)]
#[get("/calls/{id}")]
pub async fn get_call(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = state.db.read(move |c| visible_call(c, &id, &user)).await?;
    Ok(with_etag(StatusCode::OK, row.version, &row.view(state.now())?))
}

fn field_of(key: &str) -> Option<CallField> {
    use CallField::*;
    [Program, FiscalYear, Title, Description, OpensAt, ClosesAt, TotalBudget, MaxRequest, ReviewersPerProposal, Criteria]
        .into_iter()
        .find(|f| f.name() == key)
}

fn parse_field<T: serde::de::DeserializeOwned>(key: &str, value: &Value, errors: &mut Vec<FieldError>) -> Option<T> {
    if value.is_null() {
        errors.push(FieldError::new(key, "required", "cannot be removed"));
        return None;
    }
    match serde_json::from_value(value.clone()) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(FieldError::new(key, "invalid", e.to_string()));
            None
        }
    }
}

/// Applies a merge patch to a call's terms: only the fields the status allows, each parsed.
fn patched_terms(row: &CallRow, patch: &Map<String, Value>) -> ApiResult<CallTerms> {
    let status = row.status();
    let mut terms = row.terms()?;
    let mut errors = Vec::new();
    let mut frozen = Vec::new();
    for (key, value) in patch {
        let Some(field) = field_of(key) else {
            errors.push(FieldError::new(key.as_str(), "unknown_field", "calls have no such field"));
            continue;
        };
        if !call::may_change(status, field) {
            frozen.push(key.as_str());
            continue;
        }
        match field {
            CallField::Program => terms.program = parse_field(key, value, &mut errors).unwrap_or(terms.program),
            CallField::FiscalYear => terms.fiscal_year = parse_field(key, value, &mut errors).unwrap_or(terms.fiscal_year),
            CallField::Title => terms.title = parse_field(key, value, &mut errors).unwrap_or(terms.title),
            CallField::Description => {
                terms.description = if value.is_null() { String::new() } else { parse_field(key, value, &mut errors).unwrap_or_default() }
            }
            CallField::OpensAt => {
                if let Some(t) = parse_field::<DateTime<FixedOffset>>(key, value, &mut errors) {
                    terms.opens_at = t.with_timezone(&Utc);
                }
            }
            CallField::ClosesAt => {
                if let Some(t) = parse_field::<DateTime<FixedOffset>>(key, value, &mut errors) {
                    let proposed = t.with_timezone(&Utc);
                    if call::deadline_change_allowed(status, terms.closes_at, proposed) {
                        terms.closes_at = proposed;
                    } else {
                        errors.push(FieldError::new(key.as_str(), "deadline_brought_forward", "a published deadline can only be extended"));
                    }
                }
            }
            CallField::TotalBudget => terms.total_budget = parse_field(key, value, &mut errors).map(yen).unwrap_or(terms.total_budget),
            CallField::MaxRequest => terms.max_request = parse_field(key, value, &mut errors).map(yen).unwrap_or(terms.max_request),
            CallField::ReviewersPerProposal => {
                terms.reviewers_per_proposal = parse_field(key, value, &mut errors).unwrap_or(terms.reviewers_per_proposal)
            }
            CallField::Criteria => terms.criteria = parse_field(key, value, &mut errors).unwrap_or(terms.criteria),
        }
    }
    if !frozen.is_empty() {
        return Err(ApiError::invalid_state(format!(
            "a {} call can no longer change: {}",
            status.as_str().replace('_', " "),
            frozen.join(", ")
        ))
        .with("fields", &frozen));
    }
    errors.extend(terms.problems().into_vec());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(terms)
}

/// Amend a call (JSON merge patch). While `draft` anything; once published only `closes_at`
/// (an extension) and `description`; under review and after, `description`.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = Call, headers(("ETag" = String))),
        (status = 409, description = "A field the call's status no longer allows (`invalid_state`)", body = Problem),
        (status = 412, description = "Stale If-Match (`version_conflict`)", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[patch("/calls/{id}")]
pub async fn update_call(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    id: web::Path<String>,
    body: Body<Map<String, Value>>,
) -> ApiResult<HttpResponse> {
    let precondition = if_match(&req)?;
    let id = id.into_inner();
    let patch = body.0;
    let now = state.now();
    let actor = Actor::user(&admin);
    let row = state
        .db
        .write(move |c| {
            let row = calls::find(c, &id)?.ok_or_else(call_not_found)?;
            check_version(&precondition, row.version)?;
            let terms = patched_terms(&row, &patch)?;
            if !calls::update_terms(c, &id, row.version, &terms, now)? {
                return Err(ApiError::version_conflict());
            }
            let fields: Vec<&String> = patch.keys().collect();
            audit::record(c, &actor, now, "call_updated", "call", &id, json!({ "fields": fields }))?;
            calls::find(c, &id)?.ok_or_else(call_not_found)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, row.version, &row.view(now)?))
}

async fn transition(
    state: &AppState,
    admin: &Admin,
    id: String,
    action: &'static str,
    step: fn(&CallRow, DateTime<Utc>) -> Result<CallStatus, String>,
) -> ApiResult<HttpResponse> {
    let now = state.now();
    let actor = Actor::user(admin);
    let row = state
        .db
        .write(move |c| {
            let row = calls::lock(c, &id)?.ok_or_else(call_not_found)?;
            let to = step(&row, now).map_err(ApiError::invalid_state)?;
            if !calls::transition(c, &id, row.status(), to, now)? {
                return Err(ApiError::invalid_state("the call changed meanwhile; reload it"));
            }
            let mut details = json!({ "from": row.status, "to": to });
            if to == CallStatus::UnderReview {
                let moved = proposals::transition_all_in_call(c, &id, ProposalStatus::Submitted, ProposalStatus::UnderReview, now)?;
                details["proposals_under_review"] = json!(moved);
            }
            audit::record(c, &actor, now, action, "call", &id, details)?;
            calls::find(c, &id)?.ok_or_else(call_not_found)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, row.version, &row.view(now)?))
}

/// Publish a draft call: applicants can now see it and apply within its window.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Call), (status = 409, description = "Not a draft (`invalid_state`)", body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/calls/{id}/publish")]
pub async fn publish_call(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<HttpResponse> {
    transition(&state, &admin, id.into_inner(), "call_published", |row, _| match row.status() {
        CallStatus::Draft => Ok(CallStatus::Published),
        other => Err(format!("only a draft call can be published; this one is {other}")),
    })
    .await
}

/// Close submissions and start the review: every submitted proposal goes under review.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Call),
        (status = 409, description = "Not published, or the deadline has not passed (`invalid_state`)", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/start-review")]
pub async fn start_review(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<HttpResponse> {
    transition(&state, &admin, id.into_inner(), "call_review_started", |row, now| {
        call::may_start_review(row.status(), row.closes_at(), now).map(|()| CallStatus::UnderReview).map_err(str::to_string)
    })
    .await
}
