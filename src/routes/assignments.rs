//! Conflicts of interest and reviewer assignments: program officers assign by hand or
//! automatically; reviewers accept, decline or declare a conflict.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{Admin, Reviewer};
use crate::db::DbConn;
use crate::domain::assignment::{self, Instance};
use crate::domain::conflict::{self, ConflictReason};
use crate::domain::proposal::ProposalStatus;
use crate::domain::review::{self, AssignmentStatus, ReviewStatus};
use crate::domain::time::Instant;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::mail::templates;
use crate::repo::assignments::{self, AssignmentRow, ConflictRow};
use crate::repo::audit::{self, Actor};
use crate::repo::calls::{self, CallRow};
use crate::repo::proposals::{self, ProposalRow};
use crate::repo::users::{self, UserRow};
use crate::repo::{new_id, outbox};
use crate::routes::{Body, List, MaybeBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Assignment {
    pub id: String,
    pub call_id: String,
    pub proposal_id: String,
    pub reviewer_id: String,
    pub status: AssignmentStatus,
    /// `null` until the reviewer saves a review.
    pub review_status: Option<ReviewStatus>,
    /// Shared expertise keywords between reviewer and proposal.
    pub affinity: i32,
    /// `manual` or `auto`.
    pub origin: String,
    pub decline_reason: Option<String>,
    pub created_at: DateTime<FixedOffset>,
}

pub fn assignment_view(conn: &mut DbConn, row: &AssignmentRow) -> ApiResult<Assignment> {
    let review_status = assignments::review(conn, &row.id)?.map(|r| r.status());
    Ok(Assignment {
        id: row.id.clone(),
        call_id: row.call_id.clone(),
        proposal_id: row.proposal_id.clone(),
        reviewer_id: row.reviewer_id.clone(),
        status: row.status(),
        review_status,
        affinity: row.affinity,
        origin: row.origin.clone(),
        decline_reason: row.decline_reason.clone(),
        created_at: row.created_at.shown(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Conflict {
    pub id: String,
    pub proposal_id: String,
    pub reviewer_id: String,
    pub reason: String,
    pub declared_by: String,
    pub created_at: DateTime<FixedOffset>,
}

fn conflict_view(row: ConflictRow) -> Conflict {
    Conflict {
        id: row.id,
        proposal_id: row.proposal_id,
        reviewer_id: row.reviewer_id,
        reason: row.reason,
        declared_by: row.declared_by,
        created_at: row.created_at.shown(),
    }
}

pub fn conflict_of_interest(reason: ConflictReason) -> ApiError {
    let why = match reason {
        ConflictReason::SameOrganization => "the reviewer's affiliation is one of the proposal's organizations",
        ConflictReason::SamePrefecture => "the reviewer's affiliation is in a prefecture taking part in the proposal",
        ConflictReason::Declared => "a conflict of interest was declared for this reviewer and proposal",
    };
    ApiError::conflict("conflict_of_interest", format!("conflict of interest: {why}")).with("reason", reason.code())
}

/// A call whose submissions are closed, locked for the change.
fn call_in_review(conn: &mut DbConn, call_id: &str, now: DateTime<Utc>) -> ApiResult<CallRow> {
    let call = calls::lock(conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    if !review::review_phase(call.status(), call.closes_at(), now) {
        return Err(ApiError::invalid_state("reviewers are assigned once the call's submissions have closed, until decisions are published"));
    }
    Ok(call)
}

fn reviewed_proposal(conn: &mut DbConn, call: &CallRow, proposal_id: &str) -> ApiResult<ProposalRow> {
    let proposal = proposals::find(conn, proposal_id)?
        .filter(|p| p.call_id == call.id)
        .ok_or_else(|| ApiError::field("proposal_id", "not_found", "no proposal with this id in this call"))?;
    if !proposal.status().was_submitted() {
        return Err(ApiError::invalid_state(format!("a {} proposal is not reviewed", proposal.status)));
    }
    Ok(proposal)
}

fn reviewer_account(conn: &mut DbConn, reviewer_id: &str) -> ApiResult<UserRow> {
    users::find(conn, reviewer_id)?
        .filter(|u| u.role() == Role::Reviewer)
        .ok_or_else(|| ApiError::field("reviewer_id", "not_a_reviewer", "no reviewer with this id"))
}

fn notify_reviewers(conn: &mut DbConn, state_base_url: &str, counts: &HashMap<String, usize>, call: &CallRow, now: DateTime<Utc>) -> ApiResult<()> {
    let link = format!("{}/me/assignments", state_base_url.trim_end_matches('/'));
    let mut ids: Vec<&String> = counts.keys().collect();
    ids.sort();
    for reviewer_id in ids {
        if let Some(reviewer) = users::find(conn, reviewer_id)? {
            let email = templates::assignments_notice(&reviewer.name, counts[reviewer_id], &call.title, &link);
            outbox::enqueue(conn, &reviewer.email, &email, now)?;
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareConflict {
    pub reviewer_id: String,
    /// Why the reviewer may not review this proposal.
    pub reason: String,
}

/// Record a conflict of interest between a reviewer and a proposal; an existing assignment of
/// the pair is removed.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    request_body = DeclareConflict,
    responses((status = 201, body = Conflict), (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/proposals/{id}/conflicts")]
pub async fn declare_conflict(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<DeclareConflict>) -> ApiResult<HttpResponse> {
    let DeclareConflict { reviewer_id, reason } = body.0;
    let reason = reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::field("reason", "required", "give the reason in 1–2000 characters"));
    }
    let proposal_id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&admin);
    let conflict = state
        .db
        .write(move |c| {
            proposals::find(c, &proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
            reviewer_account(c, &reviewer_id)?;
            let row = assignments::declare_conflict(c, &proposal_id, &reviewer_id, &reason, &admin.id, now)?;
            let removed = match assignments::find_pair(c, &proposal_id, &reviewer_id)? {
                Some(a) => {
                    assignments::remove(c, &a.id)?;
                    Some(a.id)
                }
                None => None,
            };
            audit::record(c, &actor, now, "conflict_declared", "proposal", &proposal_id, json!({ "reviewer_id": reviewer_id, "reason": reason, "assignment_removed": removed }))?;
            Ok(conflict_view(row))
        })
        .await?;
    Ok(HttpResponse::Created().json(conflict))
}

/// The conflicts declared for a proposal.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    responses((status = 200, body = List<Conflict>), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/proposals/{id}/conflicts")]
pub async fn list_conflicts(state: web::Data<AppState>, _admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<List<Conflict>>> {
    let id = id.into_inner();
    let rows = state
        .db
        .read(move |c| {
            proposals::find(c, &id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
            Ok(assignments::declared_conflicts_of_proposal(c, &id)?)
        })
        .await?;
    Ok(web::Json(List::all(rows.into_iter().map(conflict_view).collect())))
}

/// The call's assignments.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = List<Assignment>), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/assignments")]
pub async fn list_assignments(state: web::Data<AppState>, _admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<List<Assignment>>> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |c| {
            calls::find(c, &id)?.ok_or_else(|| ApiError::not_found("call"))?;
            assignments::of_call(c, &id)?.iter().map(|a| assignment_view(c, a)).collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(List::all(items)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignReviewer {
    pub proposal_id: String,
    pub reviewer_id: String,
}

/// Assign a reviewer by hand. Refused for a conflicted pair (whoever asks), a pair already
/// assigned, or a reviewer at their maximum load.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body = AssignReviewer,
    responses(
        (status = 201, body = Assignment),
        (status = 409, description = "`conflict_of_interest`, `already_assigned`, `reviewer_at_capacity` or `invalid_state`", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/assignments")]
pub async fn assign_reviewer(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<AssignReviewer>) -> ApiResult<HttpResponse> {
    let AssignReviewer { proposal_id, reviewer_id } = body.0;
    let call_id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&admin);
    let base_url = state.settings.app.public_base_url.clone();
    let assignment = state
        .db
        .write(move |c| {
            let call = call_in_review(c, &call_id, now)?;
            let proposal = reviewed_proposal(c, &call, &proposal_id)?;
            let reviewer = reviewer_account(c, &reviewer_id)?;
            if let Some(reason) = assignments::conflict_of(c, &proposal, &reviewer)? {
                return Err(conflict_of_interest(reason));
            }
            let existing = assignments::find_pair(c, &proposal_id, &reviewer_id)?;
            if existing.as_ref().is_some_and(|a| a.status().is_active()) {
                return Err(ApiError::conflict("already_assigned", "this reviewer is already assigned to this proposal"));
            }
            let held = u32::try_from(assignments::active_load(c, &call_id, &reviewer_id)?).unwrap_or(u32::MAX);
            let personal_max = reviewer.max_assignments.and_then(|m| u32::try_from(m).ok());
            if review::remaining_load(personal_max, None, held, u32::MAX) == 0 {
                return Err(ApiError::conflict("reviewer_at_capacity", format!("the reviewer already holds their maximum of {held} proposals in this call")));
            }
            let content = proposal.content()?;
            let affinity = keyword_affinity(content.keywords.as_deref().unwrap_or_default(), &reviewer.expertise()?);
            let row = match existing {
                // A reviewer who declined may be asked again by hand.
                Some(declined) => {
                    assignments::set_status(c, &declined.id, AssignmentStatus::Pending, None, now)?;
                    assignments::find(c, &declined.id)?.ok_or_else(|| ApiError::internal("assignment vanished"))?
                }
                None => {
                    let row = new_assignment(&call_id, &proposal_id, &reviewer_id, affinity, "manual", &admin.id, now);
                    assignments::insert(c, &row)?;
                    row
                }
            };
            audit::record(c, &actor, now, "assignment_created", "assignment", &row.id, json!({ "proposal_id": proposal_id, "reviewer_id": reviewer_id, "origin": "manual" }))?;
            notify_reviewers(c, &base_url, &HashMap::from([(reviewer_id.clone(), 1)]), &call, now)?;
            assignment_view(c, &row)
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(HttpResponse::Created().json(assignment))
}

fn new_assignment(call_id: &str, proposal_id: &str, reviewer_id: &str, affinity: u32, origin: &str, by: &str, now: DateTime<Utc>) -> AssignmentRow {
    AssignmentRow {
        id: new_id(),
        call_id: call_id.to_string(),
        proposal_id: proposal_id.to_string(),
        reviewer_id: reviewer_id.to_string(),
        status: AssignmentStatus::Pending,
        decline_reason: None,
        affinity: i32::try_from(affinity).unwrap_or(i32::MAX),
        origin: origin.to_string(),
        created_by: by.to_string(),
        created_at: Instant::from(now),
        updated_at: Instant::from(now),
    }
}

/// Keywords compare after the same normalisation as organization names (NFKC, case, spacing).
fn keyword_affinity(proposal: &[String], reviewer: &[String]) -> u32 {
    let mut interner = Interner::default();
    assignment::affinity(&interner.ids(proposal), &interner.ids(reviewer))
}

#[derive(Default)]
struct Interner(HashMap<String, u32>);

impl Interner {
    fn ids(&mut self, words: &[String]) -> Vec<u32> {
        words
            .iter()
            .map(|w| conflict::normalize_name(w))
            .filter(|w| !w.is_empty())
            .map(|w| {
                let next = u32::try_from(self.0.len()).unwrap_or(u32::MAX);
                *self.0.entry(w).or_insert(next)
            })
            .collect()
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoAssign {
    /// Default: the call's `reviewers_per_proposal`.
    pub reviewers_per_proposal: Option<u32>,
    /// An upper bound on every reviewer's load in this call, on top of their own maximum.
    pub max_per_reviewer: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unfilled {
    pub proposal_id: String,
    pub missing: u32,
    /// `not_enough_eligible_reviewers` or `reviewer_load_exhausted`.
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutoAssignResult {
    /// Assignments created by this run.
    pub created: usize,
    /// Total keyword affinity of the assignments created.
    pub total_affinity: u64,
    pub unfilled: Vec<Unfilled>,
}

/// Assign reviewers automatically: every submitted proposal gets its number of reviewers, no
/// reviewer exceeds their load, no conflicted pair is formed, and the total expertise affinity
/// is maximal (an exact min-cost flow, deterministic). Existing assignments are kept and
/// counted; declined pairs are not offered again.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    request_body(content = Option<AutoAssign>),
    responses(
        (status = 200, body = AutoAssignResult),
        (status = 409, description = "Submissions not closed yet (`invalid_state`)", body = Problem),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/assignments/auto")]
pub async fn auto_assign(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: MaybeBody<AutoAssign>) -> ApiResult<web::Json<AutoAssignResult>> {
    let options = body.0.unwrap_or_default();
    let mut errors = Vec::new();
    if options.reviewers_per_proposal.is_some_and(|k| !(1..=10).contains(&k)) {
        errors.push(FieldError::new("reviewers_per_proposal", "out_of_range", "must be between 1 and 10"));
    }
    if options.max_per_reviewer.is_some_and(|m| !(1..=1000).contains(&m)) {
        errors.push(FieldError::new("max_per_reviewer", "out_of_range", "must be between 1 and 1000"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let call_id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&admin);
    let base_url = state.settings.app.public_base_url.clone();
    let result = state
        .db
        .write(move |c| {
            let call = call_in_review(c, &call_id, now)?;
            let per_proposal = options.reviewers_per_proposal.unwrap_or_else(|| u32::try_from(call.reviewers_per_proposal).unwrap_or(3));
            let plan = plan_assignments(c, &call, per_proposal, options.max_per_reviewer)?;
            let mut created_per_reviewer: HashMap<String, usize> = HashMap::new();
            for pair in &plan.solution.pairs {
                let (proposal, reviewer) = (&plan.proposals[pair.proposal as usize], &plan.reviewers[pair.reviewer as usize]);
                let row = new_assignment(&call.id, &proposal.id, &reviewer.id, pair.affinity, "auto", &admin.id, now);
                assignments::insert(c, &row)?;
                audit::record(c, &actor, now, "assignment_created", "assignment", &row.id, json!({ "proposal_id": proposal.id, "reviewer_id": reviewer.id, "origin": "auto", "affinity": pair.affinity }))?;
                *created_per_reviewer.entry(reviewer.id.clone()).or_default() += 1;
            }
            notify_reviewers(c, &base_url, &created_per_reviewer, &call, now)?;
            let unfilled: Vec<Unfilled> = plan
                .solution
                .unfilled
                .iter()
                .map(|u| Unfilled {
                    proposal_id: plan.proposals[u.proposal as usize].id.clone(),
                    missing: u.missing,
                    reason: u.reason.code().to_string(),
                    detail: u.reason.describe().to_string(),
                })
                .collect();
            let result = AutoAssignResult { created: plan.solution.pairs.len(), total_affinity: plan.solution.total_affinity, unfilled };
            audit::record(c, &actor, now, "assignments_auto", "call", &call.id, json!({ "created": result.created, "total_affinity": result.total_affinity, "unfilled": result.unfilled.len(), "reviewers_per_proposal": per_proposal }))?;
            Ok(result)
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(web::Json(result))
}

struct Plan {
    proposals: Vec<ProposalRow>,
    reviewers: Vec<UserRow>,
    solution: assignment::Solution,
}

/// Turns the call's state into the solver's instance: what each proposal still needs, what
/// each reviewer can still take, which pairs are excluded, and everyone's keywords.
fn plan_assignments(c: &mut DbConn, call: &CallRow, per_proposal: u32, max_per_reviewer: Option<u32>) -> ApiResult<Plan> {
    let proposals = proposals::in_call_with_status(c, &call.id, &ProposalStatus::AWAITING_DECISION)?;
    let reviewers = assignments::reviewers(c)?;
    let existing = assignments::of_call(c, &call.id)?;
    let proposal_index: HashMap<&str, u32> = proposals.iter().enumerate().map(|(i, p)| (p.id.as_str(), i as u32)).collect();
    let reviewer_index: HashMap<&str, u32> = reviewers.iter().enumerate().map(|(i, r)| (r.id.as_str(), i as u32)).collect();

    let parties = proposals.iter().map(|p| assignments::parties(c, p)).collect::<Result<Vec<_>, _>>()?;
    let profiles: Vec<_> = reviewers.iter().map(assignments::profile).collect();
    let mut forbidden = conflict::conflicted_pairs(&parties, &profiles);
    let ids: Vec<String> = proposals.iter().map(|p| p.id.clone()).collect();
    for (p, r) in assignments::declared_conflict_pairs(c, &ids)? {
        if let (Some(&pi), Some(&ri)) = (proposal_index.get(p.as_str()), reviewer_index.get(r.as_str())) {
            forbidden.push((pi, ri));
        }
    }
    let mut demand = vec![per_proposal; proposals.len()];
    let mut held = vec![0u32; reviewers.len()];
    for a in &existing {
        let (Some(&pi), ri) = (proposal_index.get(a.proposal_id.as_str()), reviewer_index.get(a.reviewer_id.as_str())) else { continue };
        if let Some(&ri) = ri {
            forbidden.push((pi, ri));
        }
        if a.status().is_active() {
            demand[pi as usize] = demand[pi as usize].saturating_sub(1);
            if let Some(&ri) = ri {
                held[ri as usize] += 1;
            }
        }
    }
    let unlimited = u32::try_from(proposals.len()).unwrap_or(u32::MAX);
    let capacity = reviewers
        .iter()
        .zip(&held)
        .map(|(r, &h)| review::remaining_load(r.max_assignments.and_then(|m| u32::try_from(m).ok()), max_per_reviewer, h, unlimited))
        .collect();
    let mut interner = Interner::default();
    let mut proposal_keywords = Vec::with_capacity(proposals.len());
    for p in &proposals {
        proposal_keywords.push(interner.ids(p.content()?.keywords.as_deref().unwrap_or_default()));
    }
    let mut reviewer_keywords = Vec::with_capacity(reviewers.len());
    for r in &reviewers {
        reviewer_keywords.push(interner.ids(&r.expertise()?));
    }
    let instance = Instance { demand, capacity, proposal_keywords, reviewer_keywords, forbidden };
    let solution = assignment::solve(&instance);
    Ok(Plan { proposals, reviewers, solution })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyAssignment {
    #[serde(flatten)]
    pub assignment: Assignment,
    /// Shown while the reviewer may read the proposal (assigned, not declined, not conflicted).
    pub proposal_title: Option<String>,
    pub receipt_number: Option<String>,
    pub lead_prefecture_code: Option<String>,
}

/// The caller's own assignments.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    responses((status = 200, body = List<MyAssignment>), (status = 403, body = Problem), (status = 401, body = Problem))
)]
#[get("/me/assignments")]
pub async fn my_assignments(state: web::Data<AppState>, reviewer: Reviewer) -> ApiResult<web::Json<List<MyAssignment>>> {
    let items = state
        .db
        .read(move |c| {
            let mut items = Vec::new();
            for row in assignments::of_reviewer(c, &reviewer.id)? {
                let readable = assignments::reviewer_may_read(c, &row.proposal_id, &reviewer.id)?;
                let proposal = if readable { proposals::find(c, &row.proposal_id)? } else { None };
                items.push(MyAssignment {
                    assignment: assignment_view(c, &row)?,
                    proposal_title: proposal.as_ref().map(|p| p.content()).transpose()?.and_then(|c| c.title),
                    receipt_number: proposal.as_ref().and_then(|p| p.receipt_number.clone()),
                    lead_prefecture_code: proposal.map(|p| p.lead_prefecture_code.to_string()),
                });
            }
            Ok(items)
        })
        .await?;
    Ok(web::Json(List::all(items)))
}

/// An assignment of the calling reviewer; anyone else's is not found.
pub fn own_assignment(c: &mut DbConn, id: &str, reviewer_id: &str) -> ApiResult<AssignmentRow> {
    assignments::find(c, id)?.filter(|a| a.reviewer_id == reviewer_id).ok_or_else(|| ApiError::not_found("assignment"))
}

/// The call of an assignment, if reviewing may happen now.
pub fn require_review_phase(c: &mut DbConn, assignment: &AssignmentRow, now: DateTime<Utc>) -> ApiResult<CallRow> {
    let call = calls::find(c, &assignment.call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    if review::review_phase(call.status(), call.closes_at(), now) {
        Ok(call)
    } else {
        Err(ApiError::invalid_state("the review of this call is closed"))
    }
}

/// Accept an assignment.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Assignment), (status = 409, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/assignments/{id}/accept")]
pub async fn accept_assignment(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>) -> ApiResult<web::Json<Assignment>> {
    let id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&reviewer);
    let view = state
        .db
        .write(move |c| {
            let row = own_assignment(c, &id, &reviewer.id)?;
            require_review_phase(c, &row, now)?;
            let next = row.status().accept().map_err(ApiError::invalid_state)?;
            if next != row.status() {
                assignments::set_status(c, &id, next, None, now)?;
                audit::record(c, &actor, now, "assignment_accepted", "assignment", &id, json!({ "proposal_id": row.proposal_id }))?;
            }
            let row = assignments::find(c, &id)?.ok_or_else(|| ApiError::not_found("assignment"))?;
            assignment_view(c, &row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: Option<String>,
}

/// Decline an assignment (until the review is submitted); the slot is freed for another reviewer.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = Option<Reason>),
    responses((status = 200, body = Assignment), (status = 409, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/assignments/{id}/decline")]
pub async fn decline_assignment(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>, body: MaybeBody<Reason>) -> ApiResult<web::Json<Assignment>> {
    let reason = body.0.and_then(|r| r.reason).map(|r| r.chars().take(2000).collect::<String>());
    let id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&reviewer);
    let view = state
        .db
        .write(move |c| {
            let row = own_assignment(c, &id, &reviewer.id)?;
            require_review_phase(c, &row, now)?;
            let review = assignments::review(c, &id)?.map(|r| r.status());
            let next = row.status().decline(review).map_err(|m| {
                if review == Some(ReviewStatus::Submitted) { ApiError::conflict("review_locked", m) } else { ApiError::invalid_state(m) }
            })?;
            assignments::set_status(c, &id, next, reason.as_deref(), now)?;
            audit::record(c, &actor, now, "assignment_declined", "assignment", &id, json!({ "proposal_id": row.proposal_id, "reason": reason }))?;
            let row = assignments::find(c, &id)?.ok_or_else(|| ApiError::not_found("assignment"))?;
            assignment_view(c, &row)
        })
        .await?;
    Ok(web::Json(view))
}

/// Declare a conflict of interest with the assigned proposal: the conflict is recorded and the
/// assignment removed.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = Option<Reason>),
    responses((status = 201, body = Conflict), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/assignments/{id}/conflict")]
pub async fn declare_own_conflict(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>, body: MaybeBody<Reason>) -> ApiResult<HttpResponse> {
    let reason = body
        .0
        .and_then(|r| r.reason)
        .map(|r| r.trim().chars().take(2000).collect::<String>())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "declared by the reviewer".to_string());
    let id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&reviewer);
    let conflict = state
        .db
        .write(move |c| {
            let row = own_assignment(c, &id, &reviewer.id)?;
            let conflict = assignments::declare_conflict(c, &row.proposal_id, &reviewer.id, &reason, &reviewer.id, now)?;
            assignments::remove(c, &id)?;
            audit::record(c, &actor, now, "conflict_declared", "proposal", &row.proposal_id, json!({ "reviewer_id": reviewer.id, "reason": reason, "assignment_removed": id }))?;
            Ok(conflict_view(conflict))
        })
        .await?;
    Ok(HttpResponse::Created().json(conflict))
}
