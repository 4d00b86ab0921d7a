//! Decisions (採択決定): per-proposal outcomes within the call's budget, the decision-support
//! plan, publication with notifications, and what applicants and the public then see.

use std::collections::BTreeMap;

use actix_web::{get, post, put, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{Admin, CurrentUser};
use crate::db::DbConn;
use crate::domain::budget::{self, Candidate};
use crate::domain::call::CallStatus;
use crate::domain::decision::{self, Decision, Outcome};
use crate::domain::money::Yen;
use crate::domain::proposal::ProposalStatus;
use crate::domain::scoring::{self, GradeCounts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::mail::templates::{self, DecisionNotice};
use crate::repo::audit::{self, Actor};
use crate::repo::calls::{self, Call, CallRow};
use crate::repo::decisions::{self, DecisionRow};
use crate::repo::proposals::{self, ProposalRow};
use crate::repo::{assignments, outbox, users};
use crate::app::access::load;
use crate::routes::reviews::{ranking, round4};
use crate::routes::Body;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub outcome: Outcome,
    #[schema(example = 2_000_000_000_i64)]
    pub awarded_amount_yen: i64,
    /// Required for `conditionally_adopted`.
    pub conditions: Option<String>,
    /// Shown to the applicant.
    pub feedback: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub proposal_id: String,
    pub call_id: String,
    pub outcome: Outcome,
    pub awarded_amount_yen: i64,
    pub conditions: Option<String>,
    pub feedback: Option<String>,
    pub decided_by: String,
    pub updated_at: DateTime<FixedOffset>,
}

fn decision_view(row: DecisionRow) -> DecisionView {
    DecisionView {
        outcome: row.outcome(),
        proposal_id: row.proposal_id,
        call_id: row.call_id,
        awarded_amount_yen: row.awarded_amount_yen.get(),
        conditions: row.conditions,
        feedback: row.feedback,
        decided_by: row.decided_by,
        updated_at: row.updated_at.shown(),
    }
}

/// Record or change the decision on a proposal while its call is under review. The awards of a
/// call never exceed its budget, also when program officers decide at the same moment: the
/// call's row is locked while the sum is checked.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    request_body = DecisionInput,
    responses(
        (status = 200, body = DecisionView),
        (status = 409, description = "`budget_exceeded` (with `remaining_yen`), or `invalid_state` (call not under review, decisions published)", body = Problem),
        (status = 422, description = "Award above the request or the call maximum, missing conditions, …", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[put("/proposals/{id}/decision")]
pub async fn decide(state: web::Data<AppState>, admin: Admin, id: web::Path<String>, body: Body<DecisionInput>) -> ApiResult<web::Json<DecisionView>> {
    let input = body.0;
    let decision = Decision {
        outcome: input.outcome,
        awarded: input.awarded_amount_yen,
        conditions: input.conditions.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
        feedback: input.feedback,
    };
    let proposal_id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&admin);
    let view = state
        .db
        .write(move |c| {
            let proposal = proposals::find(c, &proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
            let call = calls::lock(c, &proposal.call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
            match call.status() {
                CallStatus::UnderReview => {}
                CallStatus::Decided => return Err(ApiError::invalid_state("decisions of this call are published and final")),
                _ => return Err(ApiError::invalid_state("decisions are made while the call is under review")),
            }
            if !ProposalStatus::AWAITING_DECISION.contains(&proposal.status()) {
                return Err(ApiError::invalid_state(format!("a {} proposal is not decided on", proposal.status)));
            }
            let problems = decision::decision_problems(&decision, proposal.content()?.requested_amount_yen, call.max_request());
            if !problems.is_empty() {
                return Err(ApiError::validation(problems));
            }
            let others = decisions::awarded_to_others(c, &call.id, &proposal_id)?;
            decision::fits_budget(call.total_budget(), others, decision.awarded).map_err(|remaining| {
                ApiError::conflict(
                    "budget_exceeded",
                    format!(
                        "awarding {} would exceed the call's budget of {}: {} remain",
                        Yen::new(decision.awarded).unwrap_or_default(),
                        call.total_budget(),
                        Yen::new(remaining).unwrap_or_default()
                    ),
                )
                .with("remaining_yen", remaining)
                .with("total_budget_yen", call.total_budget_yen)
            })?;
            let previous = decisions::find(c, &proposal_id)?;
            decisions::upsert(c, &proposal_id, &call.id, &decision, &admin.id, now)?;
            let action = if previous.is_some() { "decision_changed" } else { "decision_recorded" };
            audit::record(
                c,
                &actor,
                now,
                action,
                "proposal",
                &proposal_id,
                json!({
                    "outcome": decision.outcome, "awarded_amount_yen": decision.awarded,
                    "previous": previous.map(|p| json!({ "outcome": p.outcome, "awarded_amount_yen": p.awarded_amount_yen })),
                }),
            )?;
            let row = decisions::find(c, &proposal_id)?.ok_or_else(|| ApiError::internal("decision vanished"))?;
            Ok(decision_view(row))
        })
        .await?;
    Ok(web::Json(view))
}

/// The decision on a proposal (program officers, before and after publication).
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    responses((status = 200, body = DecisionView), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/proposals/{id}/decision")]
pub async fn get_decision(state: web::Data<AppState>, _admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<DecisionView>> {
    let id = id.into_inner();
    let row = state.db.read(move |c| decisions::find(c, &id)?.ok_or_else(|| ApiError::not_found("decision"))).await?;
    Ok(web::Json(decision_view(row)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallDecisions {
    pub items: Vec<DecisionView>,
    pub total: i64,
    pub total_budget_yen: i64,
    pub awarded_yen: i64,
    pub remaining_yen: i64,
}

/// Every decision of a call, with the budget used and left.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = CallDecisions), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/decisions")]
pub async fn list_decisions(state: web::Data<AppState>, _admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<CallDecisions>> {
    let id = id.into_inner();
    let (call, rows) = state
        .db
        .read(move |c| {
            let call = calls::find(c, &id)?.ok_or_else(|| ApiError::not_found("call"))?;
            let rows = decisions::of_call(c, &id)?;
            Ok((call, rows))
        })
        .await?;
    let awarded: i64 = rows.iter().map(|r| r.awarded_amount_yen.get()).sum();
    let items: Vec<DecisionView> = rows.into_iter().map(decision_view).collect();
    Ok(web::Json(CallDecisions {
        total: items.len() as i64,
        items,
        total_budget_yen: call.total_budget_yen.get(),
        awarded_yen: awarded,
        remaining_yen: call.total_budget_yen.get() - awarded,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetPlan {
    /// The chosen proposals, best-ranked first.
    pub items: Vec<String>,
    pub total: i64,
    /// Sum of the chosen proposals' requests.
    pub total_yen: i64,
    /// Sum of the chosen proposals' scores.
    pub total_score: f64,
    pub budget_yen: i64,
    /// Reviewed proposals left out (for want of budget, or of a score).
    pub excluded: Vec<String>,
}

/// Decision support: the set of reviewed proposals with the highest total score whose requests
/// fit the call's budget — an exact 0/1 knapsack in whole yen. Ties go to the cheaper set, then
/// to the better-ranked proposals. Proposals without a submitted review have no score and are
/// left out.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = BudgetPlan), (status = 404, body = Problem), (status = 403, body = Problem))
)]
#[get("/calls/{id}/budget-plan")]
pub async fn budget_plan(state: web::Data<AppState>, _admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<BudgetPlan>> {
    let id = id.into_inner();
    let plan = state
        .db
        .read(move |c| {
            let call = calls::find(c, &id)?.ok_or_else(|| ApiError::not_found("call"))?;
            // In ranking order, so that ties favour the better-ranked proposals.
            let ranked = ranking(c, &call)?;
            let scored: Vec<_> = ranked.iter().filter(|r| r.score.is_some() && r.requested_amount_yen.is_some()).collect();
            let candidates: Vec<Candidate> = scored
                .iter()
                .map(|r| Candidate {
                    cost_yen: u64::try_from(r.requested_amount_yen.unwrap_or(0)).unwrap_or(u64::MAX),
                    score: r.score.unwrap_or(0.0),
                })
                .collect();
            let budget_yen = u64::try_from(call.total_budget_yen.get()).unwrap_or(0);
            let best = budget::best_plan(&candidates, budget_yen);
            let items: Vec<String> = best.chosen.iter().map(|&i| scored[i].proposal_id.clone()).collect();
            let excluded = ranked.iter().map(|r| r.proposal_id.clone()).filter(|id| !items.contains(id)).collect();
            Ok(BudgetPlan {
                total: items.len() as i64,
                items,
                total_yen: i64::try_from(best.total_yen).unwrap_or(i64::MAX),
                total_score: round4(best.total_score),
                budget_yen: call.total_budget_yen.get(),
                excluded,
            })
        })
        .await?;
    Ok(web::Json(plan))
}

/// Publish the decisions: refused while any reviewed proposal lacks one; then the call is
/// decided, every proposal takes its outcome, each participating prefecture's officers are
/// emailed, applicants see their results and the public its list of adopted proposals.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The call")),
    responses(
        (status = 200, body = Call),
        (status = 409, description = "`decisions_missing` (listing them in `missing`), or `invalid_state`", body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem),
    )
)]
#[post("/calls/{id}/publish-decisions")]
pub async fn publish_decisions(state: web::Data<AppState>, admin: Admin, id: web::Path<String>) -> ApiResult<web::Json<Call>> {
    let call_id = id.into_inner();
    let now = state.now();
    let actor = Actor::user(&admin);
    let base_url = state.settings.app.public_base_url.trim_end_matches('/').to_string();
    let row = state
        .db
        .write(move |c| {
            let call = calls::lock(c, &call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
            if call.status() != CallStatus::UnderReview {
                return Err(ApiError::invalid_state(format!("only a call under review publishes decisions; this one is {}", call.status)));
            }
            let pending = proposals::in_call_with_status(c, &call_id, &ProposalStatus::AWAITING_DECISION)?;
            let mut decided = Vec::new();
            let mut missing = Vec::new();
            for proposal in pending {
                match decisions::find(c, &proposal.id)? {
                    Some(d) => decided.push((proposal, d)),
                    None => missing.push(proposal.id),
                }
            }
            if !missing.is_empty() {
                return Err(ApiError::conflict("decisions_missing", format!("{} reviewed proposal(s) have no decision yet", missing.len())).with("missing", &missing));
            }
            for (proposal, d) in &decided {
                proposals::transition(c, &proposal.id, proposal.status(), d.outcome().proposal_status(), now)?;
                notify_participants(c, &call, proposal, d, &base_url, now)?;
            }
            if !calls::transition(c, &call_id, CallStatus::UnderReview, CallStatus::Decided, now)? {
                return Err(ApiError::invalid_state("the call changed meanwhile; reload it"));
            }
            calls::mark_decisions_published(c, &call_id, now)?;
            let adopted = decided.iter().filter(|(_, d)| d.outcome().is_adoption()).count();
            let awarded: i64 = decided.iter().map(|(_, d)| d.awarded_amount_yen.get()).sum();
            audit::record(c, &actor, now, "decisions_published", "call", &call_id, json!({ "decisions": decided.len(), "adopted": adopted, "awarded_yen": awarded }))?;
            calls::find(c, &call_id)?.ok_or_else(|| ApiError::not_found("call"))
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(web::Json(row.view(now)?))
}

/// Emails the officers of the lead and of every confirmed partner prefecture.
fn notify_participants(c: &mut DbConn, call: &CallRow, proposal: &ProposalRow, d: &DecisionRow, base_url: &str, now: DateTime<Utc>) -> ApiResult<()> {
    let mut prefectures = vec![proposal.lead()];
    prefectures.extend(proposals::confirmed_partners(c, &proposal.id)?);
    let outcome = d.outcome();
    let awarded = d.awarded_amount_yen.to_string();
    let title = proposal.content()?.title.unwrap_or_default();
    let link = format!("{base_url}/proposals/{}/result", proposal.id);
    let email = templates::decision_published(&DecisionNotice {
        receipt_number: proposal.receipt_number.as_deref().unwrap_or_default(),
        proposal_title: &title,
        call_title: &call.title,
        outcome_ja: outcome.name_ja(),
        outcome_en: outcome.name_en(),
        awarded: &awarded,
        link: &link,
    });
    for officer in users::active_applicants_of(c, &prefectures)? {
        outbox::enqueue(c, &officer.email, &email, now)?;
    }
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalResult {
    pub proposal_id: String,
    pub outcome: Outcome,
    pub awarded_amount_yen: i64,
    pub conditions: Option<String>,
    pub feedback: Option<String>,
    /// The proposal's score: mean over its reviews of each review's weighted mean (1.00–4.00).
    pub score: Option<f64>,
    pub reviews: u32,
    /// Mean points per criterion.
    pub criteria: BTreeMap<String, f64>,
    #[schema(value_type = Object, example = json!({ "S": 2, "A": 3, "B": 1, "C": 0 }))]
    pub grades: GradeCounts,
}

/// The applicant's result, after publication: outcome, amount, conditions, feedback and the
/// aggregated evaluation — never who reviewed or any single review.
#[utoipa::path(
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The proposal")),
    responses((status = 200, body = ProposalResult), (status = 404, description = "Not published yet, or not the caller's proposal", body = Problem))
)]
#[get("/proposals/{id}/result")]
pub async fn proposal_result(state: web::Data<AppState>, user: CurrentUser, id: web::Path<String>) -> ApiResult<web::Json<ProposalResult>> {
    let id = id.into_inner();
    let result = state
        .db
        .read(move |c| {
            let not_published = || ApiError::not_found("result");
            let loaded = load(c, &id, &user)?;
            if !decision::result_visible(loaded.relation, loaded.call.status()) {
                return Err(not_published());
            }
            let decision = decisions::find(c, &id)?.ok_or_else(not_published)?;
            let grades: Vec<_> = assignments::submitted_reviews_of_call(c, &loaded.call.id)?
                .into_iter()
                .filter(|(a, _)| a.proposal_id == id)
                .map(|(_, r)| r.content().map(|c| c.grades))
                .collect::<Result<_, _>>()?;
            let summary = scoring::summarize(&loaded.call.criteria()?, grades.iter());
            Ok(ProposalResult {
                proposal_id: id.clone(),
                outcome: decision.outcome(),
                awarded_amount_yen: decision.awarded_amount_yen.get(),
                conditions: decision.conditions,
                feedback: decision.feedback,
                score: summary.score.map(round4),
                reviews: summary.reviews,
                criteria: summary.criteria.into_iter().map(|(k, v)| (k, round4(v))).collect(),
                grades: summary.grades,
            })
        })
        .await?;
    Ok(web::Json(result))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptedProposal {
    #[schema(example = "14")]
    pub lead_prefecture_code: String,
    #[schema(example = "神奈川県")]
    pub lead_prefecture_name_ja: String,
    pub lead_prefecture_name_en: String,
    pub partner_prefecture_codes: Vec<String>,
    pub receipt_number: Option<String>,
    pub title: Option<String>,
    pub awarded_amount_yen: i64,
    pub outcome: Outcome,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicResults {
    pub call_id: String,
    pub call_title: String,
    pub fiscal_year: i32,
    pub decisions_published_at: Option<DateTime<FixedOffset>>,
    pub items: Vec<AdoptedProposal>,
    pub total: i64,
}

/// The public list of adopted proposals (採択課題一覧), without authentication, once the
/// decisions are published.
#[utoipa::path(
    tag = "decisions",
    params(("id" = String, Path, description = "The call")),
    responses((status = 200, body = PublicResults), (status = 404, description = "Unknown call, or decisions not published", body = Problem))
)]
#[get("/public/calls/{id}/results")]
pub async fn public_results(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult<web::Json<PublicResults>> {
    let id = id.into_inner();
    let results = state
        .db
        .read(move |c| {
            let call = calls::find(c, &id)?.filter(|call| call.status() == CallStatus::Decided).ok_or_else(|| ApiError::not_found("results"))?;
            let mut items = Vec::new();
            for d in decisions::of_call(c, &id)?.into_iter().filter(|d| d.outcome().is_adoption()) {
                let Some(p) = proposals::find(c, &d.proposal_id)? else { continue };
                let lead = p.lead();
                items.push(AdoptedProposal {
                    lead_prefecture_code: lead.to_string(),
                    lead_prefecture_name_ja: lead.name_ja().to_string(),
                    lead_prefecture_name_en: lead.name_en().to_string(),
                    partner_prefecture_codes: proposals::confirmed_partners(c, &p.id)?.iter().map(|c| c.to_string()).collect(),
                    receipt_number: p.receipt_number.clone(),
                    title: p.content()?.title,
                    awarded_amount_yen: d.awarded_amount_yen.get(),
                    outcome: d.outcome(),
                });
            }
            items.sort_by(|a, b| a.lead_prefecture_code.cmp(&b.lead_prefecture_code));
            Ok(PublicResults {
                call_id: call.id.clone(),
                call_title: call.title.clone(),
                fiscal_year: call.fiscal_year,
                decisions_published_at: call.decisions_published_at.map(|t| t.shown()),
                total: items.len() as i64,
                items,
            })
        })
        .await?;
    Ok(web::Json(results))
}

