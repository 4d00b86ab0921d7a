//! Calls (公募): the two programs, the call's lifecycle and what may change when, the evaluation
//! criteria, and the submission window judged by the server's clock.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::money::Yen;
use crate::domain::project::{self, YearBudgets};
use crate::domain::text_enum;
use crate::domain::validation::Problems;

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Program ("program") {
        /// 地域産学官共同研究拠点整備事業 (seed 001): a building and equipment for a joint research hub.
        LabConstruction = "lab_construction",
        /// 共創の場形成支援・地域共創分野 (seed 004): a regional co-creation venue with a shared vision.
        RegionalCoCreation = "regional_co_creation",
    }
}

impl Program {
    /// The program's mark in receipt numbers (`R8-LAB-13-0001`).
    pub fn receipt_mark(self) -> &'static str {
        match self {
            Program::LabConstruction => "LAB",
            Program::RegionalCoCreation => "COC",
        }
    }

    pub fn name_ja(self) -> &'static str {
        match self {
            Program::LabConstruction => "地域産学官共同研究拠点整備事業",
            Program::RegionalCoCreation => "共創の場形成支援（地域共創分野）",
        }
    }
}

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum CallStatus ("call status") {
        Draft = "draft",
        Published = "published",
        UnderReview = "under_review",
        /// Two-stage calls: the shortlist is made and the shortlisted proposals are heard.
        Hearing = "hearing",
        Decided = "decided",
    }
}

/// An evaluation criterion (評価項目) with its weight in the total score (seed 003).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Criterion {
    #[schema(example = "feasibility")]
    pub code: String,
    #[schema(example = "実現可能性 / Feasibility")]
    pub name: String,
    #[schema(example = 2.0)]
    pub weight: f64,
}

pub const DEFAULT_REVIEWERS_PER_PROPOSAL: i32 = 3;

/// How many stages a call selects in: the document review alone, or the document review then
/// a hearing of a shortlist (SPEC §5.4).
pub const SELECTION_STAGES: [i32; 2] = [1, 2];

impl CallStatus {
    /// The status shown for a stored status: a call under review whose shortlist is made is in
    /// its hearing (the `status` column keeps `under_review`).
    pub fn with_hearing(stored: CallStatus, hearing_started: bool) -> CallStatus {
        if stored == CallStatus::UnderReview && hearing_started { CallStatus::Hearing } else { stored }
    }

    /// The status kept in the `status` column.
    pub fn stored(self) -> CallStatus {
        if self == CallStatus::Hearing { CallStatus::UnderReview } else { self }
    }

    /// Whether decisions are recorded now: under review in one stage, in the hearing in two.
    pub fn deciding(self, selection_stages: i32) -> bool {
        match self {
            CallStatus::UnderReview => selection_stages == 1,
            CallStatus::Hearing => true,
            _ => false,
        }
    }
}

/// The shortlist is made once, after the document review of a two-stage call.
pub fn may_shortlist(status: CallStatus, selection_stages: i32) -> Result<(), String> {
    match (status, selection_stages) {
        (CallStatus::UnderReview, 2) => Ok(()),
        (_, 2) => Err(format!("a shortlist is made while the call is under review; this one is {status}")),
        _ => Err("this call selects in one stage: it has no shortlist or hearing".to_string()),
    }
}

/// Everything a call states; validated as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct CallTerms {
    pub program: Program,
    pub fiscal_year: i32,
    pub title: String,
    pub description: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub total_budget: Yen,
    pub max_request: Yen,
    pub reviewers_per_proposal: i32,
    pub criteria: Vec<Criterion>,
    pub selection_stages: i32,
    /// Optional budgets per fiscal year, each within the total (SPEC §8).
    pub budget_by_year: YearBudgets,
}

fn valid_criterion_code(code: &str) -> bool {
    (1..=40).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Every problem with a list of weighted criteria (a call's, or an evaluation round's items),
/// reported under `field[i]`: at least one, codes valid and distinct, names given, weights > 0.
pub fn criteria_problems(field: &str, criteria: &[Criterion]) -> Vec<crate::domain::validation::FieldError> {
    let mut p = Problems::new();
    p.check(!criteria.is_empty(), field, "required", "give at least one weighted criterion");
    let mut seen = HashSet::new();
    for (i, c) in criteria.iter().enumerate() {
        p.check(valid_criterion_code(&c.code), format!("{field}[{i}].code"), "invalid_code", "use 1–40 of a–z, 0–9 and _");
        p.check(seen.insert(c.code.as_str()), format!("{field}[{i}].code"), "duplicate", format!("the code {:?} is used twice", c.code));
        p.text(&format!("{field}[{i}].name"), Some(&c.name), 200);
        p.check(c.weight.is_finite() && c.weight > 0.0, format!("{field}[{i}].weight"), "must_be_positive", "must be a number greater than 0");
    }
    p.into_vec()
}

impl CallTerms {
    /// Every problem with the terms, not only the first.
    pub fn problems(&self) -> Problems {
        let mut p = Problems::new();
        p.check((2000..=2100).contains(&self.fiscal_year), "fiscal_year", "out_of_range", "must be a fiscal year between 2000 and 2100");
        p.text("title", Some(&self.title), 200);
        p.optional_text("description", Some(&self.description), 20_000);
        p.check(self.opens_at < self.closes_at, "closes_at", "before_opening", "the deadline must be after the opening");
        p.check(self.total_budget > Yen::ZERO, "total_budget_yen", "must_be_positive", "must be more than 0 yen");
        p.check(self.max_request > Yen::ZERO, "max_request_yen", "must_be_positive", "must be more than 0 yen");
        p.check(
            self.max_request <= self.total_budget,
            "max_request_yen",
            "exceeds_total_budget",
            "the maximum request cannot exceed the call's total budget",
        );
        p.check(
            (1..=10).contains(&self.reviewers_per_proposal),
            "reviewers_per_proposal",
            "out_of_range",
            "must be between 1 and 10",
        );
        p.check(
            SELECTION_STAGES.contains(&self.selection_stages),
            "selection_stages",
            "out_of_range",
            "must be 1 (document review) or 2 (document review, then a hearing)",
        );
        p.extend(criteria_problems("criteria", &self.criteria));
        p.extend(project::year_budget_problems(&self.budget_by_year, self.fiscal_year, self.total_budget));
        p
    }
}

/// Which parts of a call may change in each status (API.md: while `draft` anything; later only
/// the deadline — an extension — and the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallField {
    Program,
    FiscalYear,
    Title,
    Description,
    OpensAt,
    ClosesAt,
    TotalBudget,
    MaxRequest,
    ReviewersPerProposal,
    Criteria,
    SelectionStages,
    BudgetByYear,
}

impl CallField {
    pub fn name(self) -> &'static str {
        match self {
            CallField::Program => "program",
            CallField::FiscalYear => "fiscal_year",
            CallField::Title => "title",
            CallField::Description => "description",
            CallField::OpensAt => "opens_at",
            CallField::ClosesAt => "closes_at",
            CallField::TotalBudget => "total_budget_yen",
            CallField::MaxRequest => "max_request_yen",
            CallField::ReviewersPerProposal => "reviewers_per_proposal",
            CallField::Criteria => "criteria",
            CallField::SelectionStages => "selection_stages",
            CallField::BudgetByYear => "budget_by_year",
        }
    }
}

pub fn may_change(status: CallStatus, field: CallField) -> bool {
    match status {
        CallStatus::Draft => true,
        // Extending the deadline is only meaningful while submissions are being taken.
        CallStatus::Published => matches!(field, CallField::Description | CallField::ClosesAt),
        CallStatus::UnderReview | CallStatus::Hearing | CallStatus::Decided => field == CallField::Description,
    }
}

/// After publication the deadline can only move later: a prefecture that planned for the
/// published deadline must never find it brought forward.
pub fn deadline_change_allowed(status: CallStatus, current: DateTime<Utc>, proposed: DateTime<Utc>) -> bool {
    status == CallStatus::Draft || proposed >= current
}

/// Once a published deadline has passed it stays passed: "extending" it then would reopen a
/// closed call for some prefectures after others had stopped working on theirs.
pub fn deadline_may_move(status: CallStatus, current: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == CallStatus::Draft || now < current
}

/// Submissions are accepted only while the call is published and `opens_at <= now < closes_at`.
pub fn accepting_submissions(status: CallStatus, opens_at: DateTime<Utc>, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == CallStatus::Published && opens_at <= now && now < closes_at
}

/// The call moves to review once its deadline has passed.
pub fn may_start_review(status: CallStatus, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), &'static str> {
    match status {
        CallStatus::Published if now >= closes_at => Ok(()),
        CallStatus::Published => Err("the call is still open: review starts after its deadline"),
        _ => Err("only a published call can move to review"),
    }
}

/// Who may see a call: applicants and reviewers never see drafts.
pub fn visible_to_non_admins(status: CallStatus) -> bool {
    status != CallStatus::Draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn terms() -> CallTerms {
        let opens_at = Utc::now();
        CallTerms {
            program: Program::LabConstruction,
            fiscal_year: 2026,
            title: "地域産学官共同研究拠点整備事業 令和8年度公募".into(),
            description: String::new(),
            opens_at,
            closes_at: opens_at + Duration::days(30),
            total_budget: Yen::new(69_500_000_000).unwrap(),
            max_request: Yen::new(3_000_000_000).unwrap(),
            reviewers_per_proposal: 3,
            criteria: vec![
                Criterion { code: "purpose".into(), name: "目的".into(), weight: 1.0 },
                Criterion { code: "feasibility".into(), name: "実現可能性".into(), weight: 2.0 },
            ],
            selection_stages: 1,
            budget_by_year: YearBudgets::new(),
        }
    }

    #[test]
    fn sound_terms_have_no_problems() {
        assert!(terms().problems().is_empty());
    }

    #[test]
    fn every_problem_with_the_criteria_is_reported() {
        let mut t = terms();
        t.criteria = vec![
            Criterion { code: "a".into(), name: "A".into(), weight: 0.0 },
            Criterion { code: "a".into(), name: "".into(), weight: f64::NAN },
            Criterion { code: "Bad Code".into(), name: "B".into(), weight: -1.0 },
        ];
        let fields: Vec<(String, String)> =
            t.problems().into_vec().into_iter().map(|e| (e.field, e.code.into_owned())).collect();
        for expected in [
            ("criteria[0].weight", "must_be_positive"),
            ("criteria[1].code", "duplicate"),
            ("criteria[1].name", "required"),
            ("criteria[1].weight", "must_be_positive"),
            ("criteria[2].code", "invalid_code"),
            ("criteria[2].weight", "must_be_positive"),
        ] {
            assert!(fields.contains(&(expected.0.to_string(), expected.1.to_string())), "{expected:?} in {fields:?}");
        }
    }

    #[test]
    fn dates_and_money_are_checked_together() {
        let mut t = terms();
        t.closes_at = t.opens_at;
        t.max_request = Yen::new(70_000_000_000).unwrap();
        t.reviewers_per_proposal = 0;
        let codes: Vec<String> = t.problems().into_vec().into_iter().map(|e| e.code.into_owned()).collect();
        assert_eq!(codes, ["before_opening", "exceeds_total_budget", "out_of_range"]);
    }

    #[test]
    fn after_publication_only_the_deadline_and_description_change() {
        assert!(may_change(CallStatus::Draft, CallField::Criteria));
        assert!(may_change(CallStatus::Published, CallField::ClosesAt));
        assert!(may_change(CallStatus::Published, CallField::Description));
        assert!(!may_change(CallStatus::Published, CallField::TotalBudget));
        assert!(!may_change(CallStatus::UnderReview, CallField::ClosesAt));
        assert!(may_change(CallStatus::Decided, CallField::Description));
    }

    #[test]
    fn a_published_deadline_is_only_ever_extended() {
        let now = Utc::now();
        assert!(deadline_change_allowed(CallStatus::Published, now, now + Duration::days(1)));
        assert!(!deadline_change_allowed(CallStatus::Published, now, now - Duration::days(1)));
        assert!(deadline_change_allowed(CallStatus::Draft, now, now - Duration::days(1)));
    }

    #[test]
    fn a_passed_published_deadline_no_longer_moves() {
        let t = terms();
        assert!(deadline_may_move(CallStatus::Published, t.closes_at, t.closes_at - Duration::seconds(1)));
        assert!(!deadline_may_move(CallStatus::Published, t.closes_at, t.closes_at));
        assert!(!deadline_may_move(CallStatus::Published, t.closes_at, t.closes_at + Duration::days(1)));
        assert!(deadline_may_move(CallStatus::Draft, t.closes_at, t.closes_at + Duration::days(1)));
    }

    #[test]
    fn the_window_is_open_from_opening_until_just_before_the_deadline() {
        let t = terms();
        let open = |now| accepting_submissions(CallStatus::Published, t.opens_at, t.closes_at, now);
        assert!(!open(t.opens_at - Duration::seconds(1)));
        assert!(open(t.opens_at));
        assert!(open(t.closes_at - Duration::microseconds(1)));
        assert!(!open(t.closes_at));
        assert!(!accepting_submissions(CallStatus::Draft, t.opens_at, t.closes_at, t.opens_at));
    }

    #[test]
    fn a_call_selects_in_one_or_two_stages_fixed_while_a_draft() {
        let mut t = terms();
        t.selection_stages = 2;
        assert!(t.problems().is_empty());
        t.selection_stages = 3;
        let codes: Vec<(String, String)> = t.problems().into_vec().into_iter().map(|e| (e.field, e.code.into_owned())).collect();
        assert_eq!(codes, [("selection_stages".to_string(), "out_of_range".to_string())]);
        assert!(may_change(CallStatus::Draft, CallField::SelectionStages));
        assert!(!may_change(CallStatus::Published, CallField::SelectionStages));
    }

    #[test]
    fn the_shortlist_is_made_once_in_a_two_stage_call_under_review() {
        assert!(may_shortlist(CallStatus::UnderReview, 2).is_ok());
        assert!(may_shortlist(CallStatus::Hearing, 2).is_err());
        assert!(may_shortlist(CallStatus::Published, 2).is_err());
        assert!(may_shortlist(CallStatus::UnderReview, 1).is_err());
        assert_eq!(CallStatus::with_hearing(CallStatus::UnderReview, true), CallStatus::Hearing);
        assert_eq!(CallStatus::with_hearing(CallStatus::Decided, true), CallStatus::Decided);
        assert_eq!(CallStatus::Hearing.stored(), CallStatus::UnderReview);
    }

    #[test]
    fn decisions_are_made_in_the_last_stage() {
        assert!(CallStatus::UnderReview.deciding(1));
        assert!(!CallStatus::UnderReview.deciding(2));
        assert!(CallStatus::Hearing.deciding(2));
        assert!(!CallStatus::Decided.deciding(1));
    }

    #[test]
    fn review_starts_only_after_the_deadline_of_a_published_call() {
        let now = Utc::now();
        assert!(may_start_review(CallStatus::Published, now, now).is_ok());
        assert!(may_start_review(CallStatus::Published, now + Duration::hours(1), now).is_err());
        assert!(may_start_review(CallStatus::Draft, now - Duration::hours(1), now).is_err());
    }
}
