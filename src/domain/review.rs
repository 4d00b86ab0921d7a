//! Review (審査): assignments and their answers, reviews graded S/A/B/C per criterion of the
//! call (seed 003), when reviewing may happen, and reviewer loads.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::call::{CallStatus, Criterion};
use crate::domain::grade::Grade;
use crate::domain::text_enum;
use crate::domain::validation::{FieldError, Problems};

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum AssignmentStatus ("assignment status") {
        Pending = "pending",
        Accepted = "accepted",
        Declined = "declined",
    }
}

impl AssignmentStatus {
    /// Accepting twice is harmless; a declined assignment is over.
    pub fn accept(self) -> Result<AssignmentStatus, &'static str> {
        match self {
            AssignmentStatus::Pending | AssignmentStatus::Accepted => Ok(AssignmentStatus::Accepted),
            AssignmentStatus::Declined => Err("this assignment was declined"),
        }
    }

    /// A reviewer may decline until their review is submitted; declining frees the slot.
    pub fn decline(self, review: Option<ReviewStatus>) -> Result<AssignmentStatus, &'static str> {
        match (self, review) {
            (_, Some(ReviewStatus::Submitted)) => Err("the review is already submitted"),
            (AssignmentStatus::Declined, _) => Err("this assignment was already declined"),
            _ => Ok(AssignmentStatus::Declined),
        }
    }

    /// Holds a reviewer's slot (and load): anything but a decline.
    pub fn is_active(self) -> bool {
        self != AssignmentStatus::Declined
    }
}

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ReviewStage ("review stage") {
        /// The review of the written proposal (every call).
        Document = "document",
        /// The review of a shortlisted proposal's hearing (two-stage calls).
        Hearing = "hearing",
    }
}

impl ReviewStage {
    /// Assignments made while a call is in its hearing review the hearing; before, the documents.
    pub fn of_new_assignment(call: CallStatus) -> ReviewStage {
        if call == CallStatus::Hearing { ReviewStage::Hearing } else { ReviewStage::Document }
    }
}

/// A hearing is graded once it has begun: the reviewer grades what they heard. A proposal with
/// no slot yet has not been heard either.
pub fn hearing_held(slot_starts_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    slot_starts_at.is_some_and(|starts| now >= starts)
}

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ReviewStatus ("review status") {
        Draft = "draft",
        /// Locked until an admin returns it.
        Submitted = "submitted",
    }
}

/// Reviewers are assigned and review once submissions are closed: the call is under review, or
/// published with its deadline passed (so a proposal can no longer be pulled back).
pub fn review_phase(status: CallStatus, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    match status {
        CallStatus::UnderReview | CallStatus::Hearing => true,
        CallStatus::Published => now >= closes_at,
        CallStatus::Draft | CallStatus::Decided => false,
    }
}

/// A review as received: grades and comments by criterion code, as text to be parsed here.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    #[serde(default)]
    #[schema(example = json!({ "feasibility": "A", "impact": "S" }))]
    pub grades: BTreeMap<String, String>,
    #[serde(default)]
    pub comments: BTreeMap<String, String>,
    pub overall_grade: Option<String>,
    pub overall_comment: Option<String>,
}

/// A review as kept: every grade a valid grade of a criterion of the call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewContent {
    pub grades: BTreeMap<String, Grade>,
    pub comments: BTreeMap<String, String>,
    pub overall_grade: Option<Grade>,
    pub overall_comment: Option<String>,
}

const COMMENT_MAX: usize = 10_000;

/// Parses a (possibly partial) review against the call's criteria, listing every problem:
/// a criterion the call does not have, a grade other than S/A/B/C, an overlong comment.
pub fn parse_review(criteria: &[Criterion], input: ReviewInput) -> Result<ReviewContent, Vec<FieldError>> {
    let known = |code: &str| criteria.iter().any(|c| c.code == code);
    let mut p = Problems::new();
    let mut grades = BTreeMap::new();
    for (code, raw) in input.grades {
        if !known(&code) {
            p.push(format!("grades.{code}"), "unknown_criterion", "the call has no criterion with this code");
        } else {
            match raw.trim().parse::<Grade>() {
                Ok(g) => {
                    grades.insert(code, g);
                }
                Err(_) => p.push(format!("grades.{code}"), "invalid_grade", "a grade is S, A, B or C"),
            }
        }
    }
    let mut comments = BTreeMap::new();
    for (code, text) in input.comments {
        if !known(&code) {
            p.push(format!("comments.{code}"), "unknown_criterion", "the call has no criterion with this code");
        } else {
            p.optional_text(&format!("comments.{code}"), Some(&text), COMMENT_MAX);
            comments.insert(code, text);
        }
    }
    let overall_grade = match input.overall_grade.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match raw.parse::<Grade>() {
            Ok(g) => Some(g),
            Err(_) => {
                p.push("overall_grade", "invalid_grade", "a grade is S, A, B or C");
                None
            }
        },
    };
    p.optional_text("overall_comment", input.overall_comment.as_deref(), COMMENT_MAX);
    p.into_result()?;
    Ok(ReviewContent { grades, comments, overall_grade, overall_comment: input.overall_comment })
}

/// What a review still lacks before it can be submitted: a grade for every criterion and the
/// overall grade.
pub fn submission_problems(criteria: &[Criterion], review: &ReviewContent) -> Vec<FieldError> {
    let mut p = Problems::new();
    for c in criteria {
        p.check(review.grades.contains_key(&c.code), format!("grades.{}", c.code), "required", format!("grade {:?} ({})", c.name, c.code));
    }
    p.check(review.overall_grade.is_some(), "overall_grade", "required", "give an overall grade");
    p.into_vec()
}

/// A reviewer's remaining load in a call: their own maximum and the one asked for this run,
/// whichever is lower, minus what they already hold. No limit at all means no limit.
pub fn remaining_load(personal_max: Option<u32>, requested_max: Option<u32>, held: u32, unlimited: u32) -> u32 {
    let max = match (personal_max, requested_max) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => unlimited,
    };
    max.saturating_sub(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hearing_reviews_wait_for_the_slot_to_start() {
        let now = Utc::now();
        assert!(!hearing_held(None, now));
        assert!(!hearing_held(Some(now + chrono::Duration::minutes(1)), now));
        assert!(hearing_held(Some(now), now));
        assert_eq!(ReviewStage::of_new_assignment(CallStatus::Hearing), ReviewStage::Hearing);
        assert_eq!(ReviewStage::of_new_assignment(CallStatus::UnderReview), ReviewStage::Document);
    }


    fn criteria() -> Vec<Criterion> {
        ["purpose", "feasibility"].iter().map(|c| Criterion { code: c.to_string(), name: c.to_uppercase(), weight: 1.0 }).collect()
    }

    fn input(grades: &[(&str, &str)], overall: Option<&str>) -> ReviewInput {
        ReviewInput {
            grades: grades.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            comments: BTreeMap::new(),
            overall_grade: overall.map(str::to_string),
            overall_comment: None,
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| format!("{}:{}", e.field, e.code)).collect()
    }

    #[test]
    fn grades_are_parsed_against_the_calls_criteria() {
        let r = parse_review(&criteria(), input(&[("purpose", "S"), ("feasibility", " b ")], Some("A")));
        assert!(r.is_err(), "lower-case grades are not grades");
        let r = parse_review(&criteria(), input(&[("purpose", "S"), ("feasibility", "B")], Some("A"))).unwrap();
        assert_eq!(r.grades["feasibility"], Grade::B);
        assert_eq!(r.overall_grade, Some(Grade::A));
        assert!(submission_problems(&criteria(), &r).is_empty());
    }

    #[test]
    fn every_unknown_criterion_and_bad_grade_is_reported() {
        let mut i = input(&[("purpose", "E"), ("novelty", "S")], Some("X"));
        i.comments.insert("budget".into(), "?".into());
        let errors = parse_review(&criteria(), i).unwrap_err();
        assert_eq!(
            fields(&errors),
            ["grades.novelty:unknown_criterion", "grades.purpose:invalid_grade", "comments.budget:unknown_criterion", "overall_grade:invalid_grade"]
        );
    }

    #[test]
    fn a_draft_may_be_partial_but_a_submission_is_complete() {
        let r = parse_review(&criteria(), input(&[("purpose", "C")], None)).unwrap();
        assert_eq!(fields(&submission_problems(&criteria(), &r)), ["grades.feasibility:required", "overall_grade:required"]);
    }

    #[test]
    fn assignments_are_accepted_or_declined_until_the_review_is_in() {
        use AssignmentStatus::*;
        assert_eq!(Pending.accept(), Ok(Accepted));
        assert_eq!(Accepted.accept(), Ok(Accepted));
        assert!(Declined.accept().is_err());
        assert_eq!(Accepted.decline(Some(ReviewStatus::Draft)), Ok(Declined));
        assert!(Accepted.decline(Some(ReviewStatus::Submitted)).is_err());
        assert!(Declined.decline(None).is_err());
        assert!(!Declined.is_active() && Pending.is_active());
    }

    #[test]
    fn reviewing_starts_when_submissions_close() {
        let now = Utc::now();
        assert!(review_phase(CallStatus::UnderReview, now, now));
        assert!(review_phase(CallStatus::Published, now, now));
        assert!(!review_phase(CallStatus::Published, now + chrono::Duration::seconds(1), now));
        assert!(!review_phase(CallStatus::Decided, now, now));
    }

    #[test]
    fn loads_take_the_lower_limit_minus_what_is_held() {
        assert_eq!(remaining_load(Some(6), None, 2, 100), 4);
        assert_eq!(remaining_load(Some(6), Some(3), 2, 100), 1);
        assert_eq!(remaining_load(None, None, 2, 100), 98);
        assert_eq!(remaining_load(Some(1), None, 3, 100), 0);
    }
}
