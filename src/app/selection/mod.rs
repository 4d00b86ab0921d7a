//! Two-stage selection (SPEC §5.4): after the document review a program officer shortlists the
//! proposals to be heard; the rest are told at once. Hearing slots follow (`hearings`).

pub mod hearings;

use std::collections::{BTreeSet, HashSet};

use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::access::call_not_found;
use crate::app::decisions::publication::stage_summary;
use crate::app::{Event, Subject, Tx};
use crate::domain::call::{self, CallStatus};
use crate::domain::proposal::ProposalStatus;
use crate::domain::proposal::lifecycle::Transition;
use crate::domain::review::ReviewStage;
use crate::domain::scoring::ProposalSummary;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::mail::templates::{self, ShortlistNotice};
use crate::repo::assignments;
use crate::repo::calls::{self, Call, CallRow};
use crate::repo::proposals::{self, ProposalRow};
use crate::repo::users;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortlistInput {
    /// The proposals to hear; every other proposal under review is not shortlisted.
    pub proposal_ids: Vec<String>,
}

/// Makes the shortlist of a two-stage call under review: the listed proposals (each with a
/// submitted document review) are `shortlisted`, the others `not_shortlisted`, the call moves to
/// its `hearing`, and every participating prefecture is emailed its document-stage evaluation.
pub fn shortlist(tx: &mut Tx<'_>, call_id: &str, input: ShortlistInput, base_url: &str) -> ApiResult<Call> {
    let call = calls::lock(tx.conn, call_id)?.ok_or_else(call_not_found)?;
    call::may_shortlist(call.status(), call.selection_stages).map_err(ApiError::invalid_state)?;
    let under_review = proposals::in_call_with_status(tx.conn, call_id, &[ProposalStatus::UnderReview])?;
    let listed = listed_proposals(&under_review, &input.proposal_ids)?;
    let reviewed: HashSet<String> = assignments::submitted_reviews_of_call(tx.conn, call_id)?
        .into_iter()
        .filter(|(a, _)| a.stage == ReviewStage::Document)
        .map(|(a, _)| a.proposal_id)
        .collect();
    let missing: Vec<&String> = listed.iter().filter(|id| !reviewed.contains(*id)).collect();
    if !missing.is_empty() {
        return Err(ApiError::conflict("reviews_missing", format!("{} listed proposal(s) have no submitted document review", missing.len()))
            .with("missing", &missing));
    }
    if !calls::transition(tx.conn, call_id, CallStatus::UnderReview, CallStatus::Hearing, tx.now)? {
        return Err(ApiError::invalid_state("the call changed meanwhile; reload it"));
    }
    let home = format!("{}/", base_url.trim_end_matches('/'));
    for proposal in &under_review {
        let shortlisted = listed.contains(&proposal.id);
        let step = if shortlisted { Transition::Shortlist } else { Transition::PassOver };
        let to = proposal.status().after(step).map_err(ApiError::invalid_state)?;
        if !proposals::transition(tx.conn, &proposal.id, proposal.status(), to, tx.now)? {
            return Err(ApiError::invalid_state("a proposal changed meanwhile; reload the call"));
        }
        tx.audit(Subject::proposal(&proposal.id), Event::ProposalShortlisted { from: proposal.status(), to })?;
        notify_prefectures(tx, &call, proposal, shortlisted, &home)?;
    }
    let shortlisted = listed.len();
    tx.audit(Subject::call(call_id), Event::ShortlistMade { shortlisted, not_shortlisted: under_review.len() - shortlisted })?;
    Ok(calls::find(tx.conn, call_id)?.ok_or_else(call_not_found)?.view(tx.now)?)
}

/// The listed ids, each a proposal of the call under review; every unknown one is reported.
fn listed_proposals(under_review: &[ProposalRow], ids: &[String]) -> ApiResult<BTreeSet<String>> {
    let known: HashSet<&str> = under_review.iter().map(|p| p.id.as_str()).collect();
    let mut errors: Vec<FieldError> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !known.contains(id.as_str()))
        .map(|(i, _)| FieldError::new(format!("proposal_ids[{i}]"), "not_found", "no proposal under review with this id in this call"))
        .collect();
    if ids.is_empty() {
        errors.push(FieldError::new("proposal_ids", "required", "list at least one proposal to hear"));
    }
    if errors.is_empty() { Ok(ids.iter().cloned().collect()) } else { Err(ApiError::validation(errors)) }
}

/// The document-stage evaluation as the email shows it: what the applicant's result shows too.
pub fn feedback_lines(summary: &ProposalSummary) -> Vec<String> {
    let score = summary.score.map_or_else(|| "—".to_string(), |s| format!("{s:.2}"));
    let criteria: Vec<String> = summary.criteria.iter().map(|(code, mean)| format!("{code} {mean:.2}")).collect();
    let g = &summary.grades;
    vec![
        format!("総合点 / Score: {score} / 4.00 (評価数 / reviews: {})", summary.reviews),
        format!("評価項目 / Criteria: {}", criteria.join(", ")),
        format!("評定 / Grades: S {}, A {}, B {}, C {}", g.s, g.a, g.b, g.c),
    ]
}

/// Emails the officers of the lead and every confirmed partner prefecture.
fn notify_prefectures(tx: &mut Tx<'_>, call: &CallRow, proposal: &ProposalRow, shortlisted: bool, link: &str) -> ApiResult<()> {
    let summary = stage_summary(tx, call, &proposal.id, ReviewStage::Document)?;
    let feedback = feedback_lines(&summary);
    let title = proposal.content()?.title.unwrap_or_default();
    let email = templates::shortlist_result(&ShortlistNotice {
        receipt_number: proposal.receipt_number.as_deref().unwrap_or_default(),
        proposal_title: &title,
        call_title: &call.title,
        shortlisted,
        feedback: &feedback,
        link,
    });
    let mut prefectures = vec![proposal.lead()];
    prefectures.extend(proposals::confirmed_partners(tx.conn, &proposal.id)?);
    for officer in users::active_applicants_of(tx.conn, &prefectures)? {
        tx.enqueue(&officer.email, &email)?;
    }
    Ok(())
}
