//! Evaluation rounds (中間評価・事後評価, SPEC §8, seed 003): a round over a call's projects,
//! graded S/A/B/C on weighted items, with a self-evaluation (自己評価書) from each lead
//! prefecture before a due date.
//!
//! The rules kept here:
//! * items are weighted criteria validated like a call's; by default 003's 中間評価 items;
//! * items and adjustments are fixed once the first grade is saved (003: the 重みづけ step
//!   precedes grading);
//! * a self-evaluation is written until its due date (exclusive);
//! * a round's fiscal year lies within the span of its call's projects' scheduled years: a
//!   round evaluates years the projects run (interim) or their last one (ex-post), never a
//!   year before the first or after the last;
//! * the lead prefectures are reminded once, when the due date is at most 7 days away.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::call::{self, Criterion};
use crate::domain::review::ReviewContent;
use crate::domain::text_enum;
use crate::domain::validation::{FieldError, Problems};

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum EvaluationKind ("evaluation kind") {
        /// 中間評価: adjusts the later fiscal years at publication.
        Interim = "interim",
        /// 事後評価: completes the projects at publication.
        ExPost = "ex_post",
    }
}

impl EvaluationKind {
    pub fn name_ja(self) -> &'static str {
        match self {
            EvaluationKind::Interim => "中間評価",
            EvaluationKind::ExPost => "事後評価",
        }
    }
}

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum EvaluationStatus ("evaluation status") {
        Open = "open",
        Published = "published",
    }
}

/// 003's 中間評価 items and weights.
pub fn default_items() -> Vec<Criterion> {
    [
        ("technical", "技術的評価 / Technical merit", 3.0),
        ("regional_initiative", "地域の取組み・主体性 / Regional initiative and ownership", 2.0),
        ("organization", "事業推進体制 / Organisation for implementation", 2.0),
        ("self_evaluation", "自己評価 / Self-evaluation", 1.0),
        ("cluster_potential", "クラスター形成の可能性 / Potential to form a cluster", 2.0),
    ]
    .into_iter()
    .map(|(code, name, weight)| Criterion { code: code.into(), name: name.into(), weight })
    .collect()
}

/// Every problem with a round's items, under `items[i]`.
pub fn item_problems(items: &[Criterion]) -> Vec<FieldError> {
    call::criteria_problems("items", items)
}

/// Items and adjustments may change until the first grade is saved.
pub fn may_change_weights(grading_started: bool) -> Result<(), &'static str> {
    if grading_started { Err("grading has started: the items and adjustments of this round are fixed") } else { Ok(()) }
}

/// A self-evaluation is written before its due date.
pub fn self_evaluation_open(due: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < due
}

/// The first and last fiscal year scheduled for any of the call's projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleSpan {
    pub first: i32,
    pub last: i32,
}

/// A round's fiscal year must fall within the projects' schedule.
pub fn fiscal_year_problems(fiscal_year: i32, span: ScheduleSpan) -> Vec<FieldError> {
    let mut p = Problems::new();
    p.check(
        (span.first..=span.last).contains(&fiscal_year),
        "fiscal_year",
        "out_of_range",
        format!("the call's projects are scheduled from fiscal year {} to {}", span.first, span.last),
    );
    p.into_vec()
}

/// How long before the due date the lead prefectures are reminded.
pub const REMINDER_WINDOW_DAYS: i64 = 7;

/// Whether a round not yet reminded should remind now: the due date is ahead, at most 7 days.
pub fn reminder_due(due: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < due && due - now <= Duration::days(REMINDER_WINDOW_DAYS)
}

/// What an evaluation review still lacks before it can be submitted: a grade for every item
/// (no overall grade: a round's overall grade is computed at publication).
pub fn submission_problems(items: &[Criterion], review: &ReviewContent) -> Vec<FieldError> {
    let mut p = Problems::new();
    for c in items {
        p.check(review.grades.contains_key(&c.code), format!("grades.{}", c.code), "required", format!("grade {:?} ({})", c.name, c.code));
    }
    p.into_vec()
}

/// A title of 1–200 characters.
pub fn title_problems(title: &str) -> Vec<FieldError> {
    let mut p = Problems::new();
    p.text("title", Some(title), 200);
    p.into_vec()
}

/// A self-evaluation's text: 1–20,000 characters.
pub fn self_evaluation_problems(text: &str) -> Vec<FieldError> {
    let mut p = Problems::new();
    p.text("text", Some(text), 20_000);
    p.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::grade::Grade;

    #[test]
    fn the_default_items_are_003s_interim_items_and_valid() {
        let items = default_items();
        let codes: Vec<&str> = items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["technical", "regional_initiative", "organization", "self_evaluation", "cluster_potential"]);
        assert_eq!(items.iter().map(|i| i.weight).sum::<f64>(), 10.0);
        assert!(item_problems(&items).is_empty());
    }

    #[test]
    fn items_are_checked_like_a_calls_criteria() {
        let bad = vec![
            Criterion { code: "Tech".into(), name: "x".into(), weight: 1.0 },
            Criterion { code: "org".into(), name: "".into(), weight: 0.0 },
            Criterion { code: "org".into(), name: "y".into(), weight: 1.0 },
        ];
        let fields: Vec<String> = item_problems(&bad).into_iter().map(|e| format!("{}:{}", e.field, e.code)).collect();
        assert!(fields.contains(&"items[0].code:invalid_code".to_string()), "{fields:?}");
        assert!(fields.contains(&"items[1].name:required".to_string()), "{fields:?}");
        assert!(fields.contains(&"items[1].weight:must_be_positive".to_string()), "{fields:?}");
        assert!(fields.contains(&"items[2].code:duplicate".to_string()), "{fields:?}");
        assert_eq!(item_problems(&[])[0].field, "items");
    }

    #[test]
    fn weights_are_fixed_once_grading_starts() {
        assert!(may_change_weights(false).is_ok());
        assert!(may_change_weights(true).is_err());
    }

    #[test]
    fn a_self_evaluation_is_written_before_the_due_date() {
        let due = Utc::now();
        assert!(self_evaluation_open(due, due - Duration::seconds(1)));
        assert!(!self_evaluation_open(due, due));
    }

    #[test]
    fn a_rounds_year_lies_within_the_projects_schedule() {
        let span = ScheduleSpan { first: 2026, last: 2028 };
        assert!(fiscal_year_problems(2026, span).is_empty());
        assert!(fiscal_year_problems(2028, span).is_empty());
        assert_eq!(fiscal_year_problems(2025, span)[0].code, "out_of_range");
        assert_eq!(fiscal_year_problems(2029, span)[0].code, "out_of_range");
    }

    #[test]
    fn the_reminder_comes_within_seven_days_before_the_due_date() {
        let now = Utc::now();
        assert!(reminder_due(now + Duration::days(3), now));
        assert!(reminder_due(now + Duration::days(7), now));
        assert!(!reminder_due(now + Duration::days(8), now));
        assert!(!reminder_due(now - Duration::days(1), now), "past due: nothing left to remind of");
    }

    #[test]
    fn submitting_needs_every_item_but_no_overall_grade() {
        let items = default_items();
        let mut review = ReviewContent::default();
        assert_eq!(submission_problems(&items, &review).len(), 5);
        for item in &items {
            review.grades.insert(item.code.clone(), Grade::A);
        }
        assert!(submission_problems(&items, &review).is_empty());
    }
}
