//! Reviews graded S/A/B/C per criterion (seed 003) and the ranking built from them.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Admin, CurrentUser, Reviewer};
use crate::db::DbConn;
use crate::domain::grade::Grade;
use crate::domain::proposal::ProposalStatus;
use crate::domain::review::{self, ReviewInput, ReviewStatus};
use crate::domain::scoring::{self, GradeCounts, SubmittedReview};
use crate::domain::time::Instant;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult, Problem};
use crate::mail::templates;
use crate::repo::assignments::{self, AssignmentRow};
use crate::repo::audit::{self, Actor};
use crate::repo::calls::{self, CallRow};
use crate::repo::proposals::{self, ProposalRow};
use crate::repo::{outbox, users};
use crate::routes::assignments::{Reason, conflict_of_interest, own_assignment, require_review_phase};
use crate::routes::{Body, MaybeBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Review {
    pub assignment_id: String,
    pub status: ReviewStatus,
    #[schema(value_type = Object, example = json!({ "feasibility": "A" }))]
    pub grades: BTreeMap<String, Grade>,
    pub comments: BTreeMap<String, String>,
    #[schema(value_type = Option<String>, example = "A")]
    pub overall_grade: Option<Grade>,
    pub overall_comment: Option<String>,
    pub submitted_at: Option<DateTime<FixedOffset>>,
    pub updated_at: DateTime<FixedOffset>,
}

fn review_view(c: &mut DbConn, assignment_id: &str) -> ApiResult<Review> {
    let row = assignments::review(c, assignment_id)?.ok_or_else(|| ApiError::not_found("review"))?;
    let content = row.content()?;
    Ok(Review {
        assignment_id: row.assignment_id.clone(),
        status: row.status(),
        grades: content.grades,
        comments: content.comments,
        overall_grade: content.overall_grade,
        overall_comment: content.overall_comment,
        submitted_at: row.submitted_at.map(Instant::shown),
        updated_at: row.updated_at.shown(),
    })
}

fn review_locked() -> ApiError {
    ApiError::conflict("review_locked", "the review is submitted and locked; an admin may return it to you")
}

/// An assignment the calling reviewer may work on now: theirs, active, not conflicted, in the
/// review phase.
fn workable(c: &mut DbConn, id: &str, reviewer_id: &str, now: chrono::DateTime<chrono::Utc>) -> ApiResult<(AssignmentRow, CallRow)> {
    let row = own_assignment(c, id, reviewer_id)?;
    if !row.status().is_active() {
        return Err(ApiError::invalid_state("this assignment was declined"));
    }
    let proposal = proposals::find(c, &row.proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
    let reviewer = users::find(c, reviewer_id)?.ok_or_else(|| ApiError::not_found("reviewer"))?;
    if let Some(reason) = assignments::conflict_of(c, &proposal, &reviewer)? {
        return Err(conflict_of_interest(reason));
    }
    let call = require_review_phase(c, &row, now)?;
    Ok((row, call))
}

/// A review: its reviewer or a program officer reads it; nobody else, and no other reviewer.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assignment")),
    responses((status = 200, body = Review), (status = 404, body = Problem))
)]
#[get("/assignments/{id}/review")]
pub async fn get_review(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<web::Json<Review>> {
    let id = id.into_inner();
    let view = state
        .db
        .read(move |c| {
            let row = assignments::find(c, &id)?.ok_or_else(|| ApiError::not_found("assignment"))?;
            let allowed = user.role == Role::Admin || (user.role == Role::Reviewer && row.reviewer_id == user.id);
            if !allowed {
                return Err(ApiError::not_found("assignment"));
            }
            review_view(c, &id)
        })
        .await?;
    Ok(web::Json(view))
}

/// Save the review as a draft (grades may be partial). Saving accepts a pending assignment.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assignment")),
    request_body = ReviewInput,
    responses(
        (status = 200, body = Review),
        (status = 409, description = "`review_locked` once submitted; `conflict_of_interest`; `invalid_state`", body = Problem),
        (status = 422, description = "Unknown criterion or grade", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[put("/assignments/{id}/review")]
pub async fn save_review(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>, body: Body<ReviewInput>) -> ApiResult<web::Json<Review>> {
    let input = body.0;
    let id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&reviewer);
    let view = state
        .db
        .write(move |c| {
            let (row, call) = workable(c, &id, &reviewer.id, now)?;
            if assignments::review(c, &id)?.is_some_and(|r| r.status() == ReviewStatus::Submitted) {
                return Err(review_locked());
            }
            let content = review::parse_review(&call.criteria()?, input).map_err(ApiError::validation)?;
            assignments::save_review(c, &id, &content, now)?;
            if row.status() == crate::domain::review::AssignmentStatus::Pending {
                assignments::set_status(c, &id, crate::domain::review::AssignmentStatus::Accepted, None, now)?;
            }
            audit::record(c, &actor, now, "review_saved", "assignment", &id, json!({ "proposal_id": row.proposal_id }))?;
            review_view(c, &id)
        })
        .await?;
    Ok(web::Json(view))
}

/// Submit the review: every criterion and the overall grade must be given; the review is then
/// locked.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assignment")),
    responses(
        (status = 200, body = Review),
        (status = 422, description = "Every missing grade", body = Problem),
        (status = 409, description = "`review_locked` if already submitted", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/assignments/{id}/review/submit")]
pub async fn submit_review(state: web::Data<AppState>, reviewer: Reviewer, id: web::Path<String>) -> ApiResult<web::Json<Review>> {
    let id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&reviewer);
    let view = state
        .db
        .write(move |c| {
            let (row, call) = workable(c, &id, &reviewer.id, now)?;
            let saved = assignments::review(c, &id)?;
            if saved.as_ref().is_some_and(|r| r.status() == ReviewStatus::Submitted) {
                return Err(review_locked());
            }
            let content = saved.map(|r| r.content()).transpose()?.unwrap_or_default();
            let problems = review::submission_problems(&call.criteria()?, &content);
            if !problems.is_empty() {
                return Err(ApiError::validation(problems));
            }
            if !assignments::set_review_status(c, &id, ReviewStatus::Draft, ReviewStatus::Submitted, now)? {
                return Err(review_locked());
            }
            audit::record(c, &actor, now, "review_submitted", "assignment", &id, json!({ "proposal_id": row.proposal_id }))?;
            review_view(c, &id)
        })
        .await?;
    Ok(web::Json(view))
}

/// Return a submitted review to its reviewer, unlocking it.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assignment")),
    request_body(content = Option<Reason>, description = "The reason is told to the reviewer"),
    responses((status = 200, body = Review), (status = 409, description = "Not submitted, or decisions published (`invalid_state`)", body = Problem), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[post("/assignments/{id}/review/return")]
pub async fn return_review(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: MaybeBody<Reason>) -> ApiResult<web::Json<Review>> {
    let reason = body.0.and_then(|r| r.reason).unwrap_or_default().chars().take(2000).collect::<String>();
    let id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&admin);
    let link = format!("{}/me/assignments", state.settings.app.public_base_url.trim_end_matches('/'));
    let view = state
        .db
        .write(move |c| {
            let row = assignments::find(c, &id)?.ok_or_else(|| ApiError::not_found("assignment"))?;
            require_review_phase(c, &row, now)?;
            if !assignments::set_review_status(c, &id, ReviewStatus::Submitted, ReviewStatus::Draft, now)? {
                return Err(ApiError::invalid_state("only a submitted review can be returned"));
            }
            if let (Some(reviewer), Some(proposal)) = (users::find(c, &row.reviewer_id)?, proposals::find(c, &row.proposal_id)?) {
                let title = proposal.content()?.title.unwrap_or_default();
                outbox::enqueue(c, &reviewer.email, &templates::review_returned(&reviewer.name, &title, &reason, &link), now)?;
            }
            audit::record(c, &actor, now, "review_returned", "assignment", &id, json!({ "proposal_id": row.proposal_id, "reason": reason }))?;
            review_view(c, &id)
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(web::Json(view))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedProposal {
    pub proposal_id: String,
    pub receipt_number: Option<String>,
    pub title: Option<String>,
    pub lead_prefecture_code: String,
    pub requested_amount_yen: Option<i64>,
    pub rank: u32,
    /// Mean over submitted reviews of each review's weighted mean (S=4 … C=1), 1.00–4.00.
    pub score: Option<f64>,
    /// The score with each reviewer's grades standardised against that reviewer's own mean
    /// and spread over the call, put back on the call's scale.
    pub calibrated_score: Option<f64>,
    pub reviews: u32,
    /// Highest minus lowest review score.
    pub spread: Option<f64>,
    /// Mean points per criterion.
    pub criteria: BTreeMap<String, f64>,
    /// Counts of S, A, B, C over every criterion grade.
    #[schema(value_type = Object, example = json!({ "S": 2, "A": 3, "B": 1, "C": 0 }))]
    pub grades: GradeCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ranking {
    pub items: Vec<RankedProposal>,
    pub total: i64,
}

/// Four decimals: enough to tell proposals apart, without binary-fraction noise.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The reviewed proposals of a call with their submitted reviews, in the shape the scoring
/// rules take.
pub fn scored_call(c: &mut DbConn, call: &CallRow) -> ApiResult<(Vec<ProposalRow>, Vec<SubmittedReview>)> {
    let proposals: Vec<ProposalRow> = proposals::in_call_with_status(c, &call.id, &ProposalStatus::SUBMITTED_ONCE)?;
    let index: HashMap<&str, usize> = proposals.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mut reviewers: HashMap<String, usize> = HashMap::new();
    let mut reviews = Vec::new();
    for (assignment, review) in assignments::submitted_reviews_of_call(c, &call.id)? {
        let Some(&proposal) = index.get(assignment.proposal_id.as_str()) else { continue };
        let next = reviewers.len();
        let reviewer = *reviewers.entry(assignment.reviewer_id.clone()).or_insert(next);
        reviews.push(SubmittedReview { proposal, reviewer, grades: review.content()?.grades });
    }
    Ok((proposals, reviews))
}

pub fn ranking(c: &mut DbConn, call: &CallRow) -> ApiResult<Vec<RankedProposal>> {
    let criteria = call.criteria()?;
    let (proposals, reviews) = scored_call(c, call)?;
    let standings = scoring::rank(&criteria, proposals.len(), &reviews);
    Ok(standings
        .into_iter()
        .map(|s| {
            let p = &proposals[s.proposal];
            let content = p.content()?;
            Ok(RankedProposal {
                proposal_id: p.id.clone(),
                receipt_number: p.receipt_number.clone(),
                title: content.title,
                lead_prefecture_code: p.lead_prefecture_code.to_string(),
                requested_amount_yen: content.requested_amount_yen.map(|y| y.get()),
                rank: s.rank,
                score: s.score.map(round4),
                calibrated_score: s.calibrated_score.map(round4),
                reviews: s.reviews,
                spread: s.spread.map(round4),
                criteria: s.criteria.into_iter().map(|(k, v)| (k, round4(v))).collect(),
                grades: s.grades,
            })
        })
        .collect::<Result<_, crate::repo::CorruptRow>>()?)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingFormat {
    /// `csv` for a spreadsheet (same as `Accept: text/csv`).
    pub format: Option<String>,
}

fn wants_csv(req: &HttpRequest, format: Option<&str>) -> bool {
    format.is_some_and(|f| f.eq_ignore_ascii_case("csv"))
        || req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"))
}

fn number(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.4}")).unwrap_or_default()
}

fn to_csv(call: &CallRow, items: &[RankedProposal]) -> ApiResult<Vec<u8>> {
    let codes: Vec<String> = call.criteria()?.into_iter().map(|c| c.code).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["rank", "proposal_id", "receipt_number", "lead_prefecture_code", "title", "requested_amount_yen", "score", "calibrated_score", "reviews", "spread"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(codes.iter().map(|c| format!("criterion:{c}")));
    header.extend(["S", "A", "B", "C"].iter().map(|s| s.to_string()));
    w.write_record(&header).map_err(ApiError::internal)?;
    for item in items {
        let mut record = vec![
            item.rank.to_string(),
            item.proposal_id.clone(),
            item.receipt_number.clone().unwrap_or_default(),
            item.lead_prefecture_code.clone(),
            item.title.clone().unwrap_or_default(),
            item.requested_amount_yen.map(|y| y.to_string()).unwrap_or_default(),
            number(item.score),
            number(item.calibrated_score),
            item.reviews.to_string(),
            number(item.spread),
        ];
        record.extend(codes.iter().map(|c| number(item.criteria.get(c).copied())));
        record.extend([item.grades.s, item.grades.a, item.grades.b, item.grades.c].iter().map(u32::to_string));
        w.write_record(&record).map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}

/// The call's proposals ranked by score, best first, with the aggregates a panel discusses.
/// `Accept: text/csv` (or `?format=csv`) gives the same as CSV.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call"), RankingFormat),
    responses(
        (status = 200, description = "The ranking; as CSV with `Accept: text/csv` or `?format=csv`", content(
            (Ranking = "application/json"),
            (String = "text/csv"),
        )),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[get("/calls/{id}/ranking")]
pub async fn call_ranking(
    state: web::Data<AppState>,
    _admin: Admin,
    req: HttpRequest,
    id: web::Path<String>,
    format: web::Query<RankingFormat>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (call, items) = state
        .db
        .read(move |c| {
            let call = calls::find(c, &id)?.ok_or_else(|| ApiError::not_found("call"))?;
            let items = ranking(c, &call)?;
            Ok((call, items))
        })
        .await?;
    if wants_csv(&req, format.format.as_deref()) {
        let body = to_csv(&call, &items)?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"ranking-{}.csv\"", call.id)))
            .body(body));
    }
    let total = items.len() as i64;
    Ok(HttpResponse::Ok().json(Ranking { items, total }))
}
