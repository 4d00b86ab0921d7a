//! Publishing a call's decisions, and what applicants and the public see afterwards.

use std::collections::HashMap;

use crate::app::access::load;
use crate::app::projects;
use crate::app::review::ranking::round4;
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::call::CallStatus;
use crate::domain::decision::{self, Outcome};
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::ProposalStatus;
use crate::domain::review::ReviewStage;
use crate::domain::scoring;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates::{self, DecisionNotice};
use crate::repo::assignments;
use crate::repo::calls::{self, Call, CallRow};
use crate::repo::decisions::{self, DecisionRow};
use crate::repo::proposals::{self, ProposalRow};
use crate::repo::users;

use super::view::{AdoptedProposal, ProposalResult, PublicResults};

/// Publishes the decisions: refused while any reviewed proposal lacks one; then the call is
/// decided, every proposal takes its outcome, each participating prefecture's officers are
/// emailed, applicants see their results and the public its list of adopted proposals.
pub fn publish(tx: &mut Tx<'_>, call_id: &str, base_url: &str) -> ApiResult<Call> {
    let base_url = base_url.trim_end_matches('/');
    let call = calls::lock(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let from = call.status();
    if !from.deciding(call.selection_stages) {
        return Err(ApiError::invalid_state(format!("only a call in its deciding stage publishes decisions; this one is {from}")));
    }
    let pending = proposals::in_call_with_status(tx.conn, call_id, &ProposalStatus::AWAITING_DECISION)?;
    let mut by_proposal: HashMap<String, DecisionRow> = decisions::of_call(tx.conn, call_id)?.into_iter().map(|d| (d.proposal_id.clone(), d)).collect();
    let mut decided = Vec::new();
    let mut missing = Vec::new();
    let mut passed_over = Vec::new();
    for proposal in pending {
        match by_proposal.remove(&proposal.id) {
            Some(d) => decided.push((proposal, d)),
            // Left off the shortlist: rejected without a decision, and already told why.
            None if proposal.status() == ProposalStatus::NotShortlisted => passed_over.push(proposal),
            None => missing.push(proposal.id),
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::conflict("decisions_missing", format!("{} reviewed proposal(s) have no decision yet", missing.len())).with("missing", &missing));
    }
    let ids: Vec<&str> = decided.iter().map(|(p, _)| p.id.as_str()).collect();
    let mut partners = assignments::confirmed_partners_of(tx.conn, &ids)?;
    for (proposal, d) in &decided {
        if !proposals::transition(tx.conn, &proposal.id, proposal.status(), d.outcome().proposal_status(), tx.now)? {
            return Err(ApiError::invalid_state("a proposal changed meanwhile; reload the call"));
        }
        let mut prefectures = vec![proposal.lead()];
        prefectures.extend(partners.remove(&proposal.id).unwrap_or_default());
        notify_participants(tx, &call, proposal, d, &prefectures, base_url)?;
    }
    for proposal in &passed_over {
        if !proposals::transition(tx.conn, &proposal.id, proposal.status(), ProposalStatus::Rejected, tx.now)? {
            return Err(ApiError::invalid_state("a proposal changed meanwhile; reload the call"));
        }
    }
    if !calls::transition(tx.conn, call_id, from, CallStatus::Decided, tx.now)? {
        return Err(ApiError::invalid_state("the call changed meanwhile; reload it"));
    }
    calls::mark_decisions_published(tx.conn, call_id, tx.now)?;
    let decided_rows: Vec<DecisionRow> = decided.iter().map(|(_, d)| d.clone()).collect();
    let mut schedules = decisions::schedules_of_call(tx.conn, call_id, &decided_rows, call.fiscal_year)?;
    let adoptions: Vec<(&ProposalRow, &DecisionRow)> = decided.iter().filter(|(_, d)| d.outcome().is_adoption()).map(|(p, d)| (p, d)).collect();
    projects::create_for_adoptions(tx, &call, &adoptions, &mut schedules)?;
    let adopted = decided.iter().filter(|(_, d)| d.outcome().is_adoption()).count();
    let awarded_yen: i64 = decided.iter().map(|(_, d)| d.awarded_amount_yen.get()).sum();
    tx.audit(Subject::call(call_id), Event::DecisionsPublished { decisions: decided.len(), adopted, awarded_yen })?;
    let row = calls::find(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    Ok(row.view(tx.now)?)
}

/// Emails the officers of the lead and of every confirmed partner prefecture.
fn notify_participants(
    tx: &mut Tx<'_>,
    call: &CallRow,
    proposal: &ProposalRow,
    d: &DecisionRow,
    prefectures: &[PrefectureCode],
    base_url: &str,
) -> ApiResult<()> {
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
    for officer in users::active_applicants_of(tx.conn, prefectures)? {
        tx.enqueue(&officer.email, &email)?;
    }
    Ok(())
}

/// The applicant's result, after publication: outcome, amount, conditions, feedback and the
/// aggregated evaluation — never who reviewed or any single review.
pub fn result(tx: &mut Tx<'_>, user: &CurrentUser, proposal_id: &str) -> ApiResult<ProposalResult> {
    let not_published = || ApiError::not_found("result");
    let loaded = load(tx.conn, proposal_id, user)?;
    if !decision::result_visible(loaded.relation, loaded.call.status()) {
        return Err(not_published());
    }
    let stage_reached = if loaded.row.shortlisted == Some(true) { ReviewStage::Hearing } else { ReviewStage::Document };
    let (outcome, awarded_amount_yen, conditions, feedback) = match decisions::find(tx.conn, proposal_id)? {
        Some(d) => (d.outcome(), d.awarded_amount_yen.get(), d.conditions, d.feedback),
        // Rejected at publication for not being shortlisted: no decision was recorded.
        None if loaded.row.shortlisted == Some(false) && loaded.row.status() == ProposalStatus::Rejected => (Outcome::Rejected, 0, None, None),
        None => return Err(not_published()),
    };
    let summary = stage_summary(tx, &loaded.call, proposal_id, stage_reached)?;
    Ok(ProposalResult {
        proposal_id: proposal_id.to_string(),
        outcome,
        awarded_amount_yen,
        conditions,
        feedback,
        score: summary.score.map(round4),
        reviews: summary.reviews,
        criteria: summary.criteria.into_iter().map(|(k, v)| (k, round4(v))).collect(),
        grades: summary.grades,
        stage_reached,
    })
}

/// The aggregated evaluation of a proposal by one stage's submitted reviews.
pub fn stage_summary(tx: &mut Tx<'_>, call: &CallRow, proposal_id: &str, stage: ReviewStage) -> ApiResult<scoring::ProposalSummary> {
    let grades: Vec<_> = assignments::submitted_reviews_of_call(tx.conn, &call.id)?
        .into_iter()
        .filter(|(a, _)| a.proposal_id == proposal_id && a.stage == stage)
        .map(|(_, r)| r.content().map(|c| c.grades))
        .collect::<Result<_, _>>()?;
    Ok(scoring::summarize(&call.criteria()?, grades.iter()))
}

/// The public list of adopted proposals (採択課題一覧), once the decisions are published.
pub fn adopted(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<PublicResults> {
    let call = calls::find(tx.conn, call_id)?.filter(|call| call.status() == CallStatus::Decided).ok_or_else(|| ApiError::not_found("results"))?;
    let adoptions: Vec<DecisionRow> = decisions::of_call(tx.conn, call_id)?.into_iter().filter(|d| d.outcome().is_adoption()).collect();
    let ids: Vec<&str> = adoptions.iter().map(|d| d.proposal_id.as_str()).collect();
    let found = assignments::proposals_by_id(tx.conn, &ids)?;
    let mut partners = assignments::confirmed_partners_of(tx.conn, &ids)?;
    let mut items = Vec::new();
    for d in &adoptions {
        let Some(p) = found.get(&d.proposal_id) else { continue };
        let lead = p.lead();
        items.push(AdoptedProposal {
            lead_prefecture_code: lead.to_string(),
            lead_prefecture_name_ja: lead.name_ja().to_string(),
            lead_prefecture_name_en: lead.name_en().to_string(),
            partner_prefecture_codes: partners.remove(&p.id).unwrap_or_default().iter().map(|c| c.to_string()).collect(),
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
}
