//! After adoption (SPEC §8): the award spread over fiscal years, the yearly budgets it must fit,
//! the project's phase, and the interim adjustment of what is not yet granted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::grade::Grade;
use crate::domain::money::Yen;
use crate::domain::text_enum;
use crate::domain::validation::{FieldError, Problems};

/// A schedule covers at most this many consecutive fiscal years (001: operation for 10 years).
pub const MAX_SCHEDULE_YEARS: usize = 10;

/// One fiscal year's share of an award, as given in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearAmount {
    #[schema(example = 2027)]
    pub fiscal_year: i32,
    #[schema(value_type = i64, example = 500_000_000)]
    pub amount_yen: Yen,
}

/// The schedule of an award: given, or else the whole amount in the call's fiscal year.
pub fn schedule_or_default(given: Option<Vec<YearAmount>>, call_fiscal_year: i32, awarded: Yen) -> Vec<YearAmount> {
    match given {
        Some(s) if !s.is_empty() => s,
        _ => vec![YearAmount { fiscal_year: call_fiscal_year, amount_yen: awarded }],
    }
}

/// Every problem with a decision's schedule: consecutive fiscal years from the call's, one to
/// ten of them, summing to the award. A rejection has no schedule.
pub fn schedule_problems(schedule: &[YearAmount], call_fiscal_year: i32, awarded: i64, adoption: bool) -> Vec<FieldError> {
    let mut p = Problems::new();
    if !adoption {
        p.check(schedule.is_empty(), "schedule", "not_applicable", "a rejected proposal has no schedule");
        return p.into_vec();
    }
    p.check(!schedule.is_empty(), "schedule", "required", "a schedule has at least one fiscal year");
    p.check(
        schedule.len() <= MAX_SCHEDULE_YEARS,
        "schedule",
        "too_long",
        format!("a schedule covers at most {MAX_SCHEDULE_YEARS} fiscal years"),
    );
    for (i, year) in schedule.iter().enumerate() {
        let expected = call_fiscal_year + i as i32;
        p.check(
            year.fiscal_year == expected,
            format!("schedule[{i}].fiscal_year"),
            "not_consecutive",
            format!("the schedule runs year by year from the call's fiscal year: expected {expected}"),
        );
    }
    let sum = schedule.iter().try_fold(0i64, |acc, y| acc.checked_add(y.amount_yen.get()));
    p.check(
        sum == Some(awarded),
        "schedule",
        "sum_mismatch",
        format!("the yearly amounts must add up to the awarded {}", Yen::new(awarded).unwrap_or_default()),
    );
    p.into_vec()
}

/// A fiscal year whose budget an award would exceed: what remains of it for this award.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearOverBudget {
    pub fiscal_year: i32,
    pub budget: Yen,
    pub remaining: i64,
}

/// A call's budget per fiscal year (optional; years without one are not limited).
pub type YearBudgets = BTreeMap<i32, Yen>;

/// Checks a schedule against the call's yearly budgets, given what the other awards take each
/// year: the first year that would be exceeded. Years without a budget are not limited.
pub fn fits_year_budgets(
    schedule: &[YearAmount],
    budgets: &YearBudgets,
    others_in_year: impl Fn(i32) -> i64,
) -> Result<(), YearOverBudget> {
    for year in schedule {
        let Some(&budget) = budgets.get(&year.fiscal_year) else { continue };
        let remaining = budget.get().saturating_sub(others_in_year(year.fiscal_year));
        if year.amount_yen.get() > 0 && year.amount_yen.get() > remaining {
            return Err(YearOverBudget { fiscal_year: year.fiscal_year, budget, remaining: remaining.max(0) });
        }
    }
    Ok(())
}

/// Every problem with a call's budget per fiscal year: years from the call's own, amounts not
/// above the total budget.
pub fn year_budget_problems(budgets: &YearBudgets, call_fiscal_year: i32, total_budget: Yen) -> Vec<FieldError> {
    let mut p = Problems::new();
    for (year, budget) in budgets {
        p.check(
            (call_fiscal_year..call_fiscal_year + MAX_SCHEDULE_YEARS as i32).contains(year),
            format!("budget_by_year.{year}"),
            "out_of_range",
            format!("a yearly budget is for one of the {MAX_SCHEDULE_YEARS} fiscal years from the call's"),
        );
        p.check(
            *budget <= total_budget,
            format!("budget_by_year.{year}"),
            "exceeds_total_budget",
            "a year's budget cannot exceed the call's total budget",
        );
    }
    p.into_vec()
}

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Phase ("project phase") {
        /// 実施中
        Active = "active",
        /// 終了（事後評価済み、または完了）
        Completed = "completed",
        /// 中止
        Terminated = "terminated",
    }
}

impl Phase {
    pub fn name_ja(self) -> &'static str {
        match self {
            Phase::Active => "実施中",
            Phase::Completed => "完了",
            Phase::Terminated => "中止",
        }
    }

    /// Stage gates are passed once: only an active project is completed or terminated.
    pub fn may_become(self, to: Phase) -> Result<(), String> {
        match (self, to) {
            (Phase::Active, Phase::Completed | Phase::Terminated) => Ok(()),
            (Phase::Active, Phase::Active) => Err("the project is already active".to_string()),
            (from, _) => Err(format!("a {from} project is final")),
        }
    }
}

/// Why a fiscal year's amount cannot be granted now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantRefusal {
    ConditionsOpen,
    AlreadyGranted,
    NotActive(Phase),
}

/// The annual grant (交付決定): once per year, never to a project that is over, and for a
/// conditional adoption only after its conditions are cleared.
pub fn may_grant(phase: Phase, conditions_cleared: bool, already_granted: bool) -> Result<(), GrantRefusal> {
    if phase != Phase::Active {
        return Err(GrantRefusal::NotActive(phase));
    }
    if !conditions_cleared {
        return Err(GrantRefusal::ConditionsOpen);
    }
    if already_granted {
        return Err(GrantRefusal::AlreadyGranted);
    }
    Ok(())
}

/// What a scheduled year still counts for in the agency's planned money: granted money always,
/// a year not yet granted only while the project runs — a completed or terminated project will
/// never receive it.
pub fn planned_amount(phase: Phase, granted: bool, amount: i64) -> i64 {
    if granted || phase == Phase::Active { amount } else { 0 }
}

/// Percent applied to a project's later years after an interim evaluation, by overall grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct Adjustments {
    #[schema(example = 110)]
    pub S: u32,
    #[schema(example = 100)]
    pub A: u32,
    #[schema(example = 90)]
    pub B: u32,
    #[schema(example = 70)]
    pub C: u32,
}

impl Default for Adjustments {
    /// Unchanged whatever the grade, until the program officer says otherwise.
    fn default() -> Self {
        Self { S: 100, A: 100, B: 100, C: 100 }
    }
}

/// No adjustment may more than double a year's amount.
pub const MAX_ADJUSTMENT_PERCENT: u32 = 200;

impl Adjustments {
    pub fn for_grade(&self, grade: Grade) -> u32 {
        match grade {
            Grade::S => self.S,
            Grade::A => self.A,
            Grade::B => self.B,
            Grade::C => self.C,
        }
    }

    pub fn problems(&self) -> Vec<FieldError> {
        let mut p = Problems::new();
        for grade in Grade::ALL {
            p.check(
                self.for_grade(grade) <= MAX_ADJUSTMENT_PERCENT,
                format!("adjustments.{}", grade.as_str()),
                "out_of_range",
                format!("an adjustment is a percentage from 0 to {MAX_ADJUSTMENT_PERCENT}"),
            );
        }
        p.into_vec()
    }
}

/// A year's amount after an adjustment: `amount × percent / 100`, floored to the yen.
pub fn adjusted(amount: Yen, percent: u32) -> Yen {
    let value = i128::from(amount.get()) * i128::from(percent) / 100;
    Yen::new(i64::try_from(value).unwrap_or(i64::MAX)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ended_projects_ungranted_years_are_no_longer_planned() {
        assert_eq!(super::planned_amount(Phase::Active, false, 5), 5);
        assert_eq!(super::planned_amount(Phase::Terminated, true, 5), 5);
        assert_eq!(super::planned_amount(Phase::Terminated, false, 5), 0);
        assert_eq!(super::planned_amount(Phase::Completed, false, 5), 0);
    }

    use super::*;

    fn yen(v: i64) -> Yen {
        Yen::new(v).unwrap()
    }

    fn years(amounts: &[(i32, i64)]) -> Vec<YearAmount> {
        amounts.iter().map(|&(fiscal_year, a)| YearAmount { fiscal_year, amount_yen: yen(a) }).collect()
    }

    fn codes(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| format!("{}:{}", e.field, e.code)).collect()
    }

    #[test]
    fn a_schedule_runs_year_by_year_from_the_call_and_sums_to_the_award() {
        assert!(schedule_problems(&years(&[(2027, 300), (2028, 200)]), 2027, 500, true).is_empty());
        assert_eq!(codes(schedule_problems(&years(&[(2027, 300), (2029, 200)]), 2027, 500, true)), ["schedule[1].fiscal_year:not_consecutive"]);
        assert_eq!(codes(schedule_problems(&years(&[(2028, 500)]), 2027, 500, true)), ["schedule[0].fiscal_year:not_consecutive"]);
        assert_eq!(codes(schedule_problems(&years(&[(2027, 300), (2028, 100)]), 2027, 500, true)), ["schedule:sum_mismatch"]);
        assert_eq!(codes(schedule_problems(&[], 2027, 500, true)), ["schedule:required", "schedule:sum_mismatch"]);
        let eleven: Vec<(i32, i64)> = (0..11).map(|i| (2027 + i, 10)).collect();
        assert_eq!(codes(schedule_problems(&years(&eleven), 2027, 110, true)), ["schedule:too_long"]);
        assert_eq!(codes(schedule_problems(&years(&[(2027, 0)]), 2027, 0, false)), ["schedule:not_applicable"]);
    }

    #[test]
    fn without_a_schedule_the_award_falls_in_the_calls_fiscal_year() {
        assert_eq!(schedule_or_default(None, 2027, yen(500)), years(&[(2027, 500)]));
        assert_eq!(schedule_or_default(Some(vec![]), 2027, yen(500)), years(&[(2027, 500)]));
    }

    #[test]
    fn every_budgeted_year_admits_exactly_its_budget() {
        let budgets = YearBudgets::from([(2027, yen(1000)), (2028, yen(800))]);
        let others = |year: i32| if year == 2027 { 600 } else { 800 };
        assert_eq!(fits_year_budgets(&years(&[(2027, 400)]), &budgets, others), Ok(()));
        assert_eq!(
            fits_year_budgets(&years(&[(2027, 400), (2028, 1)]), &budgets, others),
            Err(YearOverBudget { fiscal_year: 2028, budget: yen(800), remaining: 0 })
        );
        assert_eq!(fits_year_budgets(&years(&[(2027, 400), (2028, 0), (2029, 9_999)]), &budgets, others), Ok(()), "2029 has no budget");
    }

    #[test]
    fn yearly_budgets_lie_within_the_calls_years_and_total() {
        assert!(year_budget_problems(&YearBudgets::from([(2027, yen(100)), (2036, yen(100))]), 2027, yen(100)).is_empty());
        assert_eq!(
            codes(year_budget_problems(&YearBudgets::from([(2026, yen(100)), (2037, yen(1)), (2028, yen(101))]), 2027, yen(100))),
            ["budget_by_year.2026:out_of_range", "budget_by_year.2028:exceeds_total_budget", "budget_by_year.2037:out_of_range"]
        );
    }

    #[test]
    fn only_an_active_project_passes_a_stage_gate() {
        assert!(Phase::Active.may_become(Phase::Completed).is_ok());
        assert!(Phase::Active.may_become(Phase::Terminated).is_ok());
        assert!(Phase::Completed.may_become(Phase::Terminated).is_err());
        assert!(Phase::Terminated.may_become(Phase::Completed).is_err());
    }

    #[test]
    fn a_grant_needs_an_active_project_with_cleared_conditions_and_is_made_once() {
        assert_eq!(may_grant(Phase::Active, true, false), Ok(()));
        assert_eq!(may_grant(Phase::Active, false, false), Err(GrantRefusal::ConditionsOpen));
        assert_eq!(may_grant(Phase::Active, true, true), Err(GrantRefusal::AlreadyGranted));
        assert_eq!(may_grant(Phase::Terminated, true, false), Err(GrantRefusal::NotActive(Phase::Terminated)));
    }

    #[test]
    fn adjustments_floor_to_the_yen() {
        assert_eq!(adjusted(yen(333), 90), yen(299), "299.7 floors to 299");
        assert_eq!(adjusted(yen(500_000_000), 110), yen(550_000_000));
        assert_eq!(adjusted(yen(123), 0), yen(0));
        assert_eq!(adjusted(yen(i64::MAX), 200), yen(i64::MAX), "saturates instead of overflowing");
        let bad = Adjustments { S: 201, ..Adjustments::default() };
        assert_eq!(codes(bad.problems()), ["adjustments.S:out_of_range"]);
    }
}
