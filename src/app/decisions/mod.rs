//! Decisions (採択決定): per-proposal outcomes within the call's budget, the decision-support
//! plan, publication with notifications, and what applicants and the public then see.

pub mod publication;
pub mod view;

use crate::app::events::PreviousDecision;
use crate::app::review::ranking::{ranked, round4};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::budget::{self, Candidate};
use crate::domain::call::CallStatus;
use crate::domain::decision::{self, Decision};
use crate::domain::money::Yen;
use crate::domain::project::{self, YearOverBudget};
use crate::domain::proposal::ProposalStatus;
use crate::error::{ApiError, ApiResult};
use crate::repo::calls;
use crate::repo::decisions;
use crate::repo::proposals;

use view::{BudgetPlan, CallDecisions, DecisionInput, DecisionView};

fn budget_exceeded(call: &calls::CallRow, awarded: i64, remaining: i64) -> ApiError {
    ApiError::conflict(
        "budget_exceeded",
        format!(
            "awarding {} would exceed the call's budget of {}: {} remain",
            Yen::new(awarded).unwrap_or_default(),
            call.total_budget(),
            Yen::new(remaining).unwrap_or_default()
        ),
    )
    .with("remaining_yen", remaining)
    .with("total_budget_yen", call.total_budget_yen)
}

fn year_budget_exceeded(over: YearOverBudget) -> ApiError {
    ApiError::conflict(
        "budget_exceeded",
        format!(
            "the schedule would exceed the budget of fiscal year {} ({}): {} remain",
            over.fiscal_year,
            over.budget,
            Yen::new(over.remaining).unwrap_or_default()
        ),
    )
    .with("fiscal_year", over.fiscal_year)
    .with("remaining_yen", over.remaining)
    .with("budget_yen", over.budget.get())
}

/// Records or changes the decision on a proposal while its call is under review. The awards of
/// a call never exceed its budget, also when program officers decide at the same moment: the
/// call's row is locked while the sum is checked.
pub fn decide(tx: &mut Tx<'_>, admin: &CurrentUser, proposal_id: &str, input: DecisionInput) -> ApiResult<DecisionView> {
    let decision = Decision {
        outcome: input.outcome,
        awarded: input.awarded_amount_yen,
        conditions: input.conditions.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
        feedback: input.feedback,
    };
    let requested_schedule = input.schedule;
    let proposal = proposals::find(tx.conn, proposal_id)?.ok_or_else(|| ApiError::not_found("proposal"))?;
    let call = calls::lock(tx.conn, &proposal.call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    match call.status() {
        CallStatus::Decided => return Err(ApiError::invalid_state("decisions of this call are published and final")),
        status if status.deciding(call.selection_stages) => {}
        _ if call.two_stage() => return Err(ApiError::invalid_state("a two-stage call decides after its hearing")),
        _ => return Err(ApiError::invalid_state("decisions are made while the call is under review")),
    }
    if !ProposalStatus::AWAITING_DECISION.contains(&proposal.status()) {
        return Err(ApiError::invalid_state(format!("a {} proposal is not decided on", proposal.status())));
    }
    if proposal.status() == ProposalStatus::NotShortlisted && decision.outcome.is_adoption() {
        return Err(crate::app::review::not_shortlisted());
    }
    let mut problems = decision::decision_problems(&decision, proposal.content()?.requested_amount_yen, call.max_request());
    let schedule = match requested_schedule {
        Some(given) => given,
        None if decision.outcome.is_adoption() => project::schedule_or_default(None, call.fiscal_year, Yen::new(decision.awarded).unwrap_or_default()),
        None => Vec::new(),
    };
    problems.extend(project::schedule_problems(&schedule, call.fiscal_year, decision.awarded, decision.outcome.is_adoption()));
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    // Checked above: the award is not negative.
    let awarded = Yen::new(decision.awarded).map_err(|_| ApiError::internal("negative award passed validation"))?;
    let others = decisions::awarded_to_others(tx.conn, &call.id, proposal_id)?;
    decision::fits_budget(call.total_budget(), others, decision.awarded).map_err(|remaining| budget_exceeded(&call, decision.awarded, remaining))?;
    let budgets = call.budget_by_year()?;
    if !budgets.is_empty() {
        let by_year = decisions::scheduled_to_others(tx.conn, &call.id, proposal_id, call.fiscal_year)?;
        project::fits_year_budgets(&schedule, &budgets, |year| by_year.get(&year).copied().unwrap_or(0)).map_err(year_budget_exceeded)?;
    }
    let previous = decisions::find(tx.conn, proposal_id)?
        .map(|p| PreviousDecision { outcome: p.outcome(), awarded_amount_yen: p.awarded_amount_yen });
    decisions::upsert(tx.conn, proposal_id, &call.id, &decision, &admin.id, tx.now)?;
    decisions::replace_schedule(tx.conn, proposal_id, &schedule)?;
    let event = if previous.is_some() {
        Event::DecisionChanged { outcome: decision.outcome, awarded_amount_yen: awarded, previous }
    } else {
        Event::DecisionRecorded { outcome: decision.outcome, awarded_amount_yen: awarded, previous }
    };
    tx.audit(Subject::proposal(proposal_id), event)?;
    let row = decisions::find(tx.conn, proposal_id)?.ok_or_else(|| ApiError::internal("decision vanished"))?;
    Ok(DecisionView::new(row, schedule))
}

/// The decision on a proposal (program officers, before and after publication).
pub fn get(tx: &mut Tx<'_>, proposal_id: &str) -> ApiResult<DecisionView> {
    let row = decisions::find(tx.conn, proposal_id)?.ok_or_else(|| ApiError::not_found("decision"))?;
    let call = calls::find(tx.conn, &row.call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let schedule = decisions::schedule_of(tx.conn, &row, call.fiscal_year)?;
    Ok(DecisionView::new(row, schedule))
}

/// Every decision of a call, with the budget used and left.
pub fn of_call(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<CallDecisions> {
    let call = calls::find(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let rows = decisions::of_call(tx.conn, call_id)?;
    let awarded: i64 = rows.iter().map(|r| r.awarded_amount_yen.get()).sum();
    let mut schedules = decisions::schedules_of_call(tx.conn, call_id, &rows, call.fiscal_year)?;
    let items: Vec<DecisionView> = rows
        .into_iter()
        .map(|row| {
            let schedule = schedules.remove(&row.proposal_id).unwrap_or_default();
            DecisionView::new(row, schedule)
        })
        .collect();
    Ok(CallDecisions {
        total: items.len() as i64,
        items,
        total_budget_yen: call.total_budget_yen.get(),
        awarded_yen: awarded,
        remaining_yen: call.total_budget_yen.get() - awarded,
    })
}

/// Decision support: the set of reviewed proposals with the highest total score whose requests
/// fit the call's budget. Ties go to the cheaper set, then to the better-ranked proposals;
/// proposals without a submitted review have no score and are left out.
pub fn budget_plan(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<BudgetPlan> {
    let call = calls::find(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    // In ranking order, so that ties favour the better-ranked proposals.
    let ranked = ranked(tx.conn, &call)?;
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
}
