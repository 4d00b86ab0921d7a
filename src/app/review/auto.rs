//! Automatic assignment: the call's state becomes the solver's instance, the solver's pairs
//! become assignments.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::assignment::{self, Instance, Solution};
use crate::domain::conflict::{self, ProposalParties};
use crate::domain::proposal::ProposalStatus;
use crate::domain::review::{self, AssignmentStatus, ReviewStage};
use crate::repo::calls::CallRow;
use crate::domain::time::Instant;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::repo::assignments::{self, AssignmentRow};
use crate::repo::new_id;
use crate::repo::proposals::{self, ProposalRow};
use crate::repo::users::UserRow;

use super::view::{AssignedPair, AutoAssign, AutoAssignResult, Unfilled};
use super::{call_in_review, notify_reviewers};

pub(super) struct NewAssignment<'a> {
    pub call: &'a CallRow,
    pub proposal_id: &'a str,
    pub reviewer_id: &'a str,
    pub affinity: u32,
    pub origin: &'a str,
    pub by: &'a str,
}

pub(super) fn new_assignment(new: NewAssignment<'_>, now: DateTime<Utc>) -> AssignmentRow {
    let NewAssignment { call, proposal_id, reviewer_id, affinity, origin, by } = new;
    let call_id = call.id.as_str();
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
        removed_at: None,
        stage: ReviewStage::of_new_assignment(call.status()),
    }
}

/// Keywords compare after the same normalisation as organization names (NFKC, case, spacing).
pub(super) fn keyword_affinity(proposal: &[String], reviewer: &[String]) -> u32 {
    let mut interner = Interner::default();
    assignment::affinity(&interner.ids(proposal), &interner.ids(reviewer))
}

/// Gives every normalised keyword a number, the form the solver compares.
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

fn validate(options: &AutoAssign) -> ApiResult<()> {
    let mut errors = Vec::new();
    if options.reviewers_per_proposal.is_some_and(|k| !(1..=10).contains(&k)) {
        errors.push(FieldError::new("reviewers_per_proposal", "out_of_range", "must be between 1 and 10"));
    }
    if options.max_per_reviewer.is_some_and(|m| !(1..=1000).contains(&m)) {
        errors.push(FieldError::new("max_per_reviewer", "out_of_range", "must be between 1 and 1000"));
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

/// Assigns reviewers automatically: every submitted proposal gets its number of reviewers, no
/// reviewer exceeds their load, no conflicted pair is formed, and the total expertise affinity
/// is maximal. Existing assignments are kept and counted; declined pairs are not offered again.
/// Each reviewer given something is emailed once.
pub fn run(tx: &mut Tx<'_>, admin: &CurrentUser, call_id: &str, options: AutoAssign, base_url: &str) -> ApiResult<AutoAssignResult> {
    validate(&options)?;
    let call = call_in_review(tx, call_id)?;
    let per_proposal = options.reviewers_per_proposal.unwrap_or_else(|| u32::try_from(call.reviewers_per_proposal).unwrap_or(3));
    let stage = ReviewStage::of_new_assignment(call.status());
    let proposals = proposals::in_call_with_status(tx.conn, &call.id, stage_proposals(stage))?;
    let reviewers = assignments::reviewers(tx.conn)?;
    let existing = assignments::of_call(tx.conn, &call.id)?;
    let parties = assignments::parties_of(tx.conn, &proposals)?;
    let ids: Vec<String> = proposals.iter().map(|p| p.id.clone()).collect();
    let mut barred = assignments::declared_conflict_pairs(tx.conn, &ids)?;
    // A pair an officer took apart stays apart unless the officer puts it back.
    barred.extend(assignments::removed_pairs(tx.conn, &call.id)?);
    let state = CallState { stage, proposals: &proposals, parties: &parties, reviewers: &reviewers, existing: &existing, barred: barred.iter().collect() };
    let solution = assignment::solve(&state.instance(per_proposal, options.max_per_reviewer)?);
    if options.dry_run {
        return Ok(AutoAssignResult { created: 0, ..outcome(&proposals, &reviewers, &solution) });
    }

    let mut created_per_reviewer: HashMap<String, usize> = HashMap::new();
    for pair in &solution.pairs {
        let (proposal, reviewer) = (&proposals[pair.proposal as usize], &reviewers[pair.reviewer as usize]);
        let new = NewAssignment { call: &call, proposal_id: &proposal.id, reviewer_id: &reviewer.id, affinity: pair.affinity, origin: "auto", by: &admin.id };
        let row = new_assignment(new, tx.now);
        assignments::insert(tx.conn, &row)?;
        tx.audit(
            Subject::assignment(&row.id),
            Event::AssignmentCreated {
                proposal_id: proposal.id.clone(),
                reviewer_id: reviewer.id.clone(),
                origin: "auto",
                affinity: Some(i32::try_from(pair.affinity).unwrap_or(i32::MAX)),
            },
        )?;
        *created_per_reviewer.entry(reviewer.id.clone()).or_default() += 1;
    }
    notify_reviewers(tx, base_url, &created_per_reviewer, &call)?;
    let result = outcome(&proposals, &reviewers, &solution);
    tx.audit(
        Subject::call(&call.id),
        Event::AssignmentsAuto {
            created: result.created,
            total_affinity: result.total_affinity,
            unfilled: result.unfilled.len(),
            reviewers_per_proposal: i32::try_from(per_proposal).unwrap_or(i32::MAX),
        },
    )?;
    Ok(result)
}

fn outcome(proposals: &[ProposalRow], reviewers: &[UserRow], solution: &Solution) -> AutoAssignResult {
    let unfilled = solution
        .unfilled
        .iter()
        .map(|u| Unfilled {
            proposal_id: proposals[u.proposal as usize].id.clone(),
            missing: u.missing,
            reason: u.reason.code().to_string(),
            detail: u.reason.describe().to_string(),
        })
        .collect();
    let pairs = solution
        .pairs
        .iter()
        .map(|p| AssignedPair {
            proposal_id: proposals[p.proposal as usize].id.clone(),
            reviewer_id: reviewers[p.reviewer as usize].id.clone(),
            affinity: p.affinity,
        })
        .collect();
    AutoAssignResult { created: solution.pairs.len(), total_affinity: solution.total_affinity, unfilled, pairs }
}

/// The proposals a stage reviews: the hearing hears the shortlist only.
pub(super) fn stage_proposals(stage: ReviewStage) -> &'static [ProposalStatus] {
    match stage {
        ReviewStage::Document => &ProposalStatus::AWAITING_DECISION,
        ReviewStage::Hearing => &[ProposalStatus::Shortlisted],
    }
}

/// What the solver needs to know of a call, loaded beforehand.
struct CallState<'a> {
    /// The stage being assigned: demand and loads count its assignments only.
    stage: ReviewStage,
    /// The proposals awaiting review, in the solver's proposal order.
    proposals: &'a [ProposalRow],
    /// Their parties, in the same order.
    parties: &'a [ProposalParties],
    /// The active reviewers, in the solver's reviewer order.
    reviewers: &'a [UserRow],
    /// Every assignment of the call, declined ones included.
    existing: &'a [AssignmentRow],
    /// Pairs never offered, as (proposal id, reviewer id): declared conflicts, and assignments an
    /// officer took back.
    barred: Vec<&'a (String, String)>,
}

impl CallState<'_> {
    /// The solver's instance: what each proposal still needs, what each reviewer can still take,
    /// which pairs are excluded (conflicts, declines, pairs already assigned), and everyone's
    /// keywords.
    fn instance(&self, per_proposal: u32, max_per_reviewer: Option<u32>) -> ApiResult<Instance> {
        let proposal_index: HashMap<&str, u32> = self.proposals.iter().enumerate().map(|(i, p)| (p.id.as_str(), i as u32)).collect();
        let reviewer_index: HashMap<&str, u32> = self.reviewers.iter().enumerate().map(|(i, r)| (r.id.as_str(), i as u32)).collect();

        let profiles: Vec<_> = self.reviewers.iter().map(assignments::profile).collect();
        let mut forbidden = conflict::conflicted_pairs(self.parties, &profiles);
        for (p, r) in &self.barred {
            if let (Some(&pi), Some(&ri)) = (proposal_index.get(p.as_str()), reviewer_index.get(r.as_str())) {
                forbidden.push((pi, ri));
            }
        }
        let mut demand = vec![per_proposal; self.proposals.len()];
        let mut held = vec![0u32; self.reviewers.len()];
        for a in self.existing {
            let (Some(&pi), ri) = (proposal_index.get(a.proposal_id.as_str()), reviewer_index.get(a.reviewer_id.as_str())) else { continue };
            if let Some(&ri) = ri {
                forbidden.push((pi, ri));
            }
            if a.status().is_active() && a.stage == self.stage {
                demand[pi as usize] = demand[pi as usize].saturating_sub(1);
                if let Some(&ri) = ri {
                    held[ri as usize] += 1;
                }
            }
        }
        let unlimited = u32::try_from(self.proposals.len()).unwrap_or(u32::MAX);
        let capacity = self
            .reviewers
            .iter()
            .zip(&held)
            .map(|(r, &h)| review::remaining_load(r.max_assignments.and_then(|m| u32::try_from(m).ok()), max_per_reviewer, h, unlimited))
            .collect();
        let mut interner = Interner::default();
        let mut proposal_keywords = Vec::with_capacity(self.proposals.len());
        for p in self.proposals {
            proposal_keywords.push(interner.ids(p.content()?.keywords.as_deref().unwrap_or_default()));
        }
        let mut reviewer_keywords = Vec::with_capacity(self.reviewers.len());
        for r in self.reviewers {
            reviewer_keywords.push(interner.ids(&r.expertise()?));
        }
        Ok(Instance { demand, capacity, proposal_keywords, reviewer_keywords, forbidden })
    }
}
