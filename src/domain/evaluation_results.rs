//! What publishing an evaluation round computes (SPEC §8, seed 003 中間評価の結果): each
//! project's total score and overall grade, the per-item means, the cohort mean, and — for an
//! interim round — the adjustment of the project's later, not yet granted fiscal years.
//!
//! # Definitions
//!
//! * **Total score**: the mean over the project's evaluators of each evaluator's weighted item
//!   mean, `Σ wᵢ·pᵢ / Σ wᵢ` with S = 4 … C = 1 points (exactly a proposal's review score, see
//!   [`crate::domain::scoring`]); it lies in 1.00–4.00 and is published rounded to two
//!   decimals, half away from zero.
//! * **Overall grade**: from the published (rounded) score, so that what a prefecture reads is
//!   what decided: S ≥ 3.50 > A ≥ 2.50 > B ≥ 1.50 > C.
//! * **Item means**: per item, the plain mean of the evaluators' points, two decimals.
//! * **Cohort mean**: the plain mean of the round's total scores (003, "Average Score of 12
//!   clusters"), two decimals.
//!
//! # Interim adjustments
//!
//! Every later fiscal year (after the round's own) not yet granted is multiplied by the round's
//! percentage for the project's grade, floored to the yen. A percentage of 0 terminates the
//! project. Where the call budgets a fiscal year, the year's total never grows beyond that
//! budget: cuts are applied first, then increases in order of score (best first, ties by
//! project order), each capped at what is left of the year's budget.

use std::collections::BTreeMap;

use crate::domain::call::Criterion;
use crate::domain::grade::Grade;
use crate::domain::money::Yen;
use crate::domain::project::{self, Adjustments, YearBudgets};
use crate::domain::scoring;

/// Two decimals, half away from zero, computed in integer hundredths.
pub fn two_decimals(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// S ≥ 3.50 > A ≥ 2.50 > B ≥ 1.50 > C, on a score already rounded to two decimals.
pub fn overall_grade(score: f64) -> Grade {
    let hundredths = (score * 100.0).round() as i64;
    match hundredths {
        350.. => Grade::S,
        250..=349 => Grade::A,
        150..=249 => Grade::B,
        _ => Grade::C,
    }
}

/// One project's published result.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectResult {
    pub score: f64,
    pub grade: Grade,
    pub item_means: BTreeMap<String, f64>,
}

/// The result of one project from the grades of its submitted reviews; `None` without any
/// complete review.
pub fn project_result<'a>(items: &[Criterion], reviews: impl IntoIterator<Item = &'a BTreeMap<String, Grade>>) -> Option<ProjectResult> {
    let summary = scoring::summarize(items, reviews);
    let score = two_decimals(summary.score?);
    Some(ProjectResult {
        score,
        grade: overall_grade(score),
        item_means: summary.criteria.into_iter().map(|(code, mean)| (code, two_decimals(mean))).collect(),
    })
}

/// The mean of the round's scores, two decimals; `None` for an empty round.
pub fn cohort_mean(scores: &[f64]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    Some(two_decimals(scores.iter().sum::<f64>() / scores.len() as f64))
}

/// One year of a project's schedule as it stands before the adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledYear {
    pub fiscal_year: i32,
    pub amount: Yen,
    pub granted: bool,
}

/// A project of the round: its place in the score order, its grade and its schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectPlan {
    pub score: f64,
    pub grade: Grade,
    pub years: Vec<ScheduledYear>,
}

/// What the adjustment does to one project.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Adjusted {
    pub percent: u32,
    /// `(fiscal_year, from, to)` for every year whose amount changed.
    pub changes: Vec<(i32, Yen, Yen)>,
    /// `(fiscal_year, wanted, given)` where a yearly budget held an increase back.
    pub capped: Vec<(i32, Yen, Yen)>,
    pub terminated: bool,
}

/// The interim adjustment of every project of a round (see the module documentation).
/// `others_in_year` is what the call's projects outside `plans` hold in a fiscal year.
pub fn adjust(
    plans: &[ProjectPlan],
    round_year: i32,
    adjustments: &Adjustments,
    budgets: &YearBudgets,
    others_in_year: impl Fn(i32) -> i64,
) -> Vec<Adjusted> {
    let mut out: Vec<Adjusted> = plans
        .iter()
        .map(|p| {
            let percent = adjustments.for_grade(p.grade);
            Adjusted { percent, terminated: percent == 0, ..Adjusted::default() }
        })
        .collect();
    // Totals per fiscal year as they stand, then after the cuts.
    let mut totals: BTreeMap<i32, i64> = BTreeMap::new();
    for p in plans {
        for y in &p.years {
            *totals.entry(y.fiscal_year).or_insert(0) += y.amount.get();
        }
    }
    let adjustable = |y: &ScheduledYear| y.fiscal_year > round_year && !y.granted;
    for (p, a) in plans.iter().zip(out.iter_mut()) {
        for y in p.years.iter().filter(|y| adjustable(y)) {
            let to = project::adjusted(y.amount, a.percent);
            if to < y.amount {
                *totals.entry(y.fiscal_year).or_insert(0) -= y.amount.get() - to.get();
                a.changes.push((y.fiscal_year, y.amount, to));
            }
        }
    }
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by(|&i, &j| scoring::to_micro_points(plans[j].score).cmp(&scoring::to_micro_points(plans[i].score)).then(i.cmp(&j)));
    for i in order {
        let a = &mut out[i];
        for y in plans[i].years.iter().filter(|y| adjustable(y)) {
            let wanted = project::adjusted(y.amount, a.percent);
            if wanted <= y.amount {
                continue;
            }
            let increase = wanted.get() - y.amount.get();
            let total = totals.entry(y.fiscal_year).or_insert(0);
            let room = match budgets.get(&y.fiscal_year) {
                Some(budget) => (budget.get() - *total - others_in_year(y.fiscal_year)).max(0),
                None => increase,
            };
            let given = increase.min(room);
            *total += given;
            let to = Yen::new(y.amount.get() + given).unwrap_or(y.amount);
            if given < increase {
                a.capped.push((y.fiscal_year, wanted, to));
            }
            if to != y.amount {
                a.changes.push((y.fiscal_year, y.amount, to));
            }
        }
        a.changes.sort_by_key(|c| c.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yen(v: i64) -> Yen {
        Yen::new(v).unwrap()
    }

    fn items() -> Vec<Criterion> {
        vec![
            Criterion { code: "technical".into(), name: "技術的評価".into(), weight: 3.0 },
            Criterion { code: "regional".into(), name: "地域の取組み・主体性".into(), weight: 1.0 },
        ]
    }

    fn grades(technical: Grade, regional: Grade) -> BTreeMap<String, Grade> {
        BTreeMap::from([("technical".to_string(), technical), ("regional".to_string(), regional)])
    }

    #[test]
    fn the_total_score_is_the_mean_of_each_evaluators_weighted_item_mean() {
        // Evaluator 1: (3·4 + 1·2) / 4 = 3.50; evaluator 2: (3·3 + 1·3) / 4 = 3.00; mean 3.25.
        let reviews = [grades(Grade::S, Grade::B), grades(Grade::A, Grade::A)];
        let r = project_result(&items(), &reviews).unwrap();
        assert_eq!(r.score, 3.25);
        assert_eq!(r.grade, Grade::A);
        assert_eq!(r.item_means, BTreeMap::from([("regional".to_string(), 2.5), ("technical".to_string(), 3.5)]));
        assert_eq!(project_result(&items(), &[]), None);
    }

    #[test]
    fn scores_round_to_two_decimals_and_the_rounded_score_decides_the_grade() {
        // (3·4 + 1·3)/4 = 3.75 and (3·3 + 1·4)/4 = 3.25 and (3·4 + 1·4)/4 = 4 → mean 3.6666… → 3.67 (S).
        let reviews = [grades(Grade::S, Grade::A), grades(Grade::A, Grade::S), grades(Grade::S, Grade::S)];
        let r = project_result(&items(), &reviews).unwrap();
        assert_eq!(r.score, 3.67);
        assert_eq!(r.grade, Grade::S);
        assert_eq!(r.item_means["technical"], 3.67);
        // 3.4975 would show as 3.50: it is an S.
        assert_eq!(overall_grade(two_decimals(3.4975)), Grade::S);
        assert_eq!(overall_grade(3.49), Grade::A);
    }

    #[test]
    fn grade_boundaries_belong_to_the_upper_grade() {
        assert_eq!(overall_grade(4.0), Grade::S);
        assert_eq!(overall_grade(3.5), Grade::S);
        assert_eq!(overall_grade(2.5), Grade::A);
        assert_eq!(overall_grade(2.49), Grade::B);
        assert_eq!(overall_grade(1.5), Grade::B);
        assert_eq!(overall_grade(1.49), Grade::C);
        assert_eq!(overall_grade(1.0), Grade::C);
    }

    #[test]
    fn the_cohort_mean_is_the_plain_mean_of_the_scores() {
        assert_eq!(cohort_mean(&[3.25, 2.5, 1.0]), Some(2.25));
        assert_eq!(cohort_mean(&[3.0, 3.5, 3.5]), Some(3.33));
        assert_eq!(cohort_mean(&[]), None);
    }

    fn plan(score: f64, grade: Grade, years: &[(i32, i64, bool)]) -> ProjectPlan {
        ProjectPlan { score, grade, years: years.iter().map(|&(fiscal_year, a, granted)| ScheduledYear { fiscal_year, amount: yen(a), granted }).collect() }
    }

    const PERCENT: Adjustments = Adjustments { S: 110, A: 100, B: 90, C: 0 };

    #[test]
    fn later_ungranted_years_follow_the_grade_and_zero_terminates() {
        let plans = [
            plan(3.6, Grade::S, &[(2026, 1000, true), (2027, 1000, false), (2028, 333, false)]),
            plan(1.8, Grade::B, &[(2026, 1000, true), (2027, 333, false)]),
            plan(1.2, Grade::C, &[(2026, 500, true), (2027, 500, false)]),
            plan(2.6, Grade::A, &[(2026, 500, true), (2027, 500, false)]),
        ];
        let out = adjust(&plans, 2026, &PERCENT, &YearBudgets::new(), |_| 0);
        assert_eq!(out[0].changes, vec![(2027, yen(1000), yen(1100)), (2028, yen(333), yen(366))], "366.3 floors to 366");
        assert_eq!(out[1].changes, vec![(2027, yen(333), yen(299))]);
        assert_eq!(out[2].changes, vec![(2027, yen(500), yen(0))]);
        assert!(out[2].terminated && !out[0].terminated);
        assert!(out[3].changes.is_empty(), "100% changes nothing");
    }

    #[test]
    fn the_rounds_own_year_and_granted_years_are_never_adjusted() {
        let plans = [plan(3.9, Grade::S, &[(2026, 1000, false), (2027, 1000, true), (2028, 1000, false)])];
        let out = adjust(&plans, 2026, &PERCENT, &YearBudgets::new(), |_| 0);
        assert_eq!(out[0].changes, vec![(2028, yen(1000), yen(1100))]);
    }

    #[test]
    fn increases_stop_at_the_yearly_budget_best_score_first_after_the_cuts() {
        // 2027 budget 2300: now 1000 + 1000 + 200 = 2200 held; the B project's cut frees 20,
        // so 120 of room: the 3.9 project takes its full 100, the 3.6 project the last 20.
        let plans = [
            plan(3.6, Grade::S, &[(2027, 1000, false)]),
            plan(3.9, Grade::S, &[(2027, 1000, false)]),
            plan(2.0, Grade::B, &[(2027, 200, false)]),
        ];
        let budgets = YearBudgets::from([(2027, yen(2300))]);
        let out = adjust(&plans, 2026, &PERCENT, &budgets, |_| 0);
        assert_eq!(out[1].changes, vec![(2027, yen(1000), yen(1100))]);
        assert_eq!(out[0].changes, vec![(2027, yen(1000), yen(1020))]);
        assert_eq!(out[0].capped, vec![(2027, yen(1100), yen(1020))]);
        assert_eq!(out[2].changes, vec![(2027, yen(200), yen(180))]);
        // Other projects of the call hold the rest of the year: no room at all.
        let out = adjust(&plans, 2026, &PERCENT, &budgets, |_| 120);
        assert!(out[0].changes.is_empty() && out[1].changes.is_empty());
        assert_eq!(out[1].capped, vec![(2027, yen(1100), yen(1000))]);
    }
}
