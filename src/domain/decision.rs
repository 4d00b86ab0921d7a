//! Decisions (採択決定, SPEC §6): the outcome per proposal, the awarded amount, and the budget
//! they must fit together.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::call::CallStatus;
use crate::domain::money::Yen;
use crate::domain::proposal::access::Relation;
use crate::domain::proposal::ProposalStatus;
use crate::domain::text_enum;
use crate::domain::validation::{FieldError, Problems};

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Outcome ("outcome") {
        /// 採択
        Adopted = "adopted",
        /// 条件付き採択
        ConditionallyAdopted = "conditionally_adopted",
        /// 不採択
        Rejected = "rejected",
    }
}

impl Outcome {
    pub fn name_ja(self) -> &'static str {
        match self {
            Outcome::Adopted => "採択",
            Outcome::ConditionallyAdopted => "条件付き採択",
            Outcome::Rejected => "不採択",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Outcome::Adopted => "adopted",
            Outcome::ConditionallyAdopted => "adopted with conditions",
            Outcome::Rejected => "not adopted",
        }
    }

    /// The proposal's status once the decision is published.
    pub fn proposal_status(self) -> ProposalStatus {
        match self {
            Outcome::Adopted => ProposalStatus::Adopted,
            Outcome::ConditionallyAdopted => ProposalStatus::ConditionallyAdopted,
            Outcome::Rejected => ProposalStatus::Rejected,
        }
    }

    /// Listed in the public list of adopted proposals (採択課題一覧).
    pub fn is_adoption(self) -> bool {
        self != Outcome::Rejected
    }
}

/// Who may read a proposal's result, and when: the prefectures taking part (lead and partners)
/// and program officers, once the call's decisions are published — before that, the result
/// does not exist for anyone outside the agency.
pub fn result_visible(relation: Relation, call_status: CallStatus) -> bool {
    call_status == CallStatus::Decided && matches!(relation, Relation::Lead | Relation::Partner(_) | Relation::Admin)
}

/// A decision as given by a program officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    pub awarded: i64,
    pub conditions: Option<String>,
    pub feedback: Option<String>,
}

/// Every problem with a decision: an adoption awards something, a rejection nothing; a
/// conditional adoption states its conditions; the award is within the request, which is within
/// the call's maximum.
pub fn decision_problems(decision: &Decision, requested: Option<Yen>, call_max: Yen) -> Vec<FieldError> {
    let mut p = Problems::new();
    let awarded = decision.awarded;
    p.check(awarded >= 0, "awarded_amount_yen", "negative", "an amount of yen cannot be negative");
    match decision.outcome {
        Outcome::Rejected => p.check(awarded == 0, "awarded_amount_yen", "must_be_zero", "a rejected proposal is awarded 0 yen"),
        Outcome::Adopted | Outcome::ConditionallyAdopted => {
            p.check(awarded != 0, "awarded_amount_yen", "must_be_positive", "an adopted proposal is awarded more than 0 yen");
            match requested {
                Some(requested) => p.check(
                    awarded <= requested.get(),
                    "awarded_amount_yen",
                    "exceeds_request",
                    format!("the award cannot exceed the requested {requested}"),
                ),
                None => p.push("awarded_amount_yen", "no_request", "the proposal requested no amount"),
            }
            p.check(awarded <= call_max.get(), "awarded_amount_yen", "exceeds_call_maximum", format!("the call allows at most {call_max} per proposal"));
        }
    }
    let conditions = decision.conditions.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if decision.outcome == Outcome::ConditionallyAdopted {
        p.text("conditions", conditions, 10_000);
    } else {
        p.optional_text("conditions", conditions, 10_000);
    }
    p.optional_text("feedback", decision.feedback.as_deref(), 20_000);
    p.into_vec()
}

/// What is left of the budget for one proposal, given what the others are awarded; `Err` with
/// that remainder when `amount` does not fit.
pub fn fits_budget(total_budget: Yen, awarded_to_others: i64, amount: i64) -> Result<(), i64> {
    let remaining = total_budget.get().saturating_sub(awarded_to_others);
    if amount == 0 || amount <= remaining { Ok(()) } else { Err(remaining.max(0)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yen(v: i64) -> Yen {
        Yen::new(v).unwrap()
    }

    fn decision(outcome: Outcome, awarded: i64, conditions: Option<&str>) -> Decision {
        Decision { outcome, awarded, conditions: conditions.map(str::to_string), feedback: None }
    }

    fn codes(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| format!("{}:{}", e.field, e.code)).collect()
    }

    #[test]
    fn an_adoption_awards_within_the_request_and_the_call_maximum() {
        assert!(decision_problems(&decision(Outcome::Adopted, 100, None), Some(yen(100)), yen(200)).is_empty());
        assert_eq!(codes(decision_problems(&decision(Outcome::Adopted, 101, None), Some(yen(100)), yen(200))), ["awarded_amount_yen:exceeds_request"]);
        assert_eq!(codes(decision_problems(&decision(Outcome::Adopted, 0, None), Some(yen(100)), yen(200))), ["awarded_amount_yen:must_be_positive"]);
        assert_eq!(
            codes(decision_problems(&decision(Outcome::Adopted, 300, None), Some(yen(300)), yen(200))),
            ["awarded_amount_yen:exceeds_call_maximum"]
        );
    }

    #[test]
    fn a_rejection_awards_nothing_and_a_conditional_adoption_states_its_conditions() {
        assert!(decision_problems(&decision(Outcome::Rejected, 0, None), Some(yen(100)), yen(200)).is_empty());
        assert_eq!(codes(decision_problems(&decision(Outcome::Rejected, 5, None), Some(yen(100)), yen(200))), ["awarded_amount_yen:must_be_zero"]);
        assert_eq!(codes(decision_problems(&decision(Outcome::ConditionallyAdopted, 50, Some("  ")), Some(yen(100)), yen(200))), ["conditions:required"]);
        assert!(decision_problems(&decision(Outcome::ConditionallyAdopted, 50, Some("計画の見直し")), Some(yen(100)), yen(200)).is_empty());
        assert_eq!(
            codes(decision_problems(&decision(Outcome::Rejected, -1, None), Some(yen(100)), yen(200))),
            ["awarded_amount_yen:negative", "awarded_amount_yen:must_be_zero"]
        );
    }

    #[test]
    fn the_budget_admits_exactly_its_total() {
        assert_eq!(fits_budget(yen(1000), 600, 400), Ok(()));
        assert_eq!(fits_budget(yen(1000), 600, 401), Err(400));
        assert_eq!(fits_budget(yen(1000), 1000, 0), Ok(()), "a rejection always fits");
        assert_eq!(fits_budget(yen(1000), 1000, 1), Err(0));
    }

    #[test]
    fn results_are_for_the_participants_after_publication_only() {
        let tokyo = "13".parse().unwrap();
        assert!(result_visible(Relation::Lead, CallStatus::Decided));
        assert!(result_visible(Relation::Partner(tokyo), CallStatus::Decided));
        assert!(!result_visible(Relation::Reviewer, CallStatus::Decided));
        assert!(!result_visible(Relation::Lead, CallStatus::UnderReview));
    }

    #[test]
    fn outcomes_map_to_final_statuses() {
        assert_eq!(Outcome::ConditionallyAdopted.proposal_status(), ProposalStatus::ConditionallyAdopted);
        assert!(Outcome::ConditionallyAdopted.is_adoption() && !Outcome::Rejected.is_adoption());
    }
}
