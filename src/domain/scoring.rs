//! Review scores, the ranking of a call's proposals and reviewer calibration (SPEC §5.3; seed 003,
//! "Total Score (Average of the Evaluators)").
//!
//! Pure functions over already-validated data: no IO, no clock.
//!
//! # Definitions
//!
//! A reviewer grades every criterion of the call S, A, B or C, worth 4, 3, 2 and 1 points
//! ([`Grade::points`]). The reviewer's overall grade is not part of any score.
//!
//! * **Review score**: the weighted mean of the review's criterion points with the call's weights,
//!   `Σ wᵢ·pᵢ / Σ wᵢ`, so it lies in 1.00–4.00.
//! * **Proposal score**: the plain mean of the scores of the proposal's submitted reviews; every
//!   reviewer weighs the same.
//! * **Criterion means**: per criterion code, the mean points over the proposal's reviews.
//! * **Grade counts**: how many S, A, B and C the proposal received over all criterion grades of
//!   its reviews.
//! * **Spread**: the highest minus the lowest review score of the proposal; 0 with one review.
//! * **Calibrated score**, which evens out harsh and lenient reviewers. For each reviewer `r`, `μᵣ`
//!   and `σᵣ` are the mean and the population standard deviation of all the criterion points `r`
//!   gave in the whole call. A review by `r` of proposal `p` becomes the standardised score
//!   `z(r, p) = (score(r, p) − μᵣ) / σᵣ`, how far the review lies above or below the reviewer's
//!   own habit; when `σᵣ = 0` the reviewer gave every criterion the same grade, which says nothing
//!   about the order of proposals, so `z(r, p) = 0`. Then
//!
//!   `calibrated(p) = M + S · mean z(r, p)` over the reviews of `p`,
//!
//!   where `M` and `S` are the mean and the population standard deviation of all criterion points
//!   given in the call, so the calibrated score reads on the familiar 1–4 scale (it can stray
//!   slightly outside it). If `S = 0`, every reviewer has `σᵣ = 0` and the calibrated score is `M`.
//!
//! Only submitted reviews take part. A review that lacks one of the call's criteria is skipped
//! altogether and grades for codes the call does not have are ignored; the API rejects both
//! earlier, this module just makes sure they can never turn into NaN.
//!
//! # Ranking order
//!
//! Best first: by score descending, then calibrated score descending, then proposal index
//! ascending; proposals without reviews come last. Scores are compared in integer micro-points
//! ([`to_micro_points`]), so two scores that are equal on paper but differ in the last bits of a
//! float count as a tie and the next key decides. Every proposal gets its own rank, ties included:
//! `rank` is the position in the list, counted from 1.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::call::Criterion;
use crate::domain::grade::Grade;

/// Micro-points in one grade point.
pub const MICRO_POINTS_PER_POINT: f64 = 1_000_000.0;

/// `round(points × 1 000 000)`: the exact integer unit in which scores are compared, here and in
/// the budget plan. NaN counts as 0 and values beyond the `i64` range saturate.
#[must_use]
pub fn to_micro_points(points: f64) -> i64 {
    (points * MICRO_POINTS_PER_POINT).round() as i64
}

/// A submitted review, reduced to what scoring needs. `proposal` and `reviewer` are dense indices
/// chosen by the caller (e.g. positions in the call's proposal list and reviewer list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedReview {
    pub proposal: usize,
    pub reviewer: usize,
    /// Criterion code → grade.
    pub grades: BTreeMap<String, Grade>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GradeCounts {
    #[serde(rename = "S")]
    pub s: u32,
    #[serde(rename = "A")]
    pub a: u32,
    #[serde(rename = "B")]
    pub b: u32,
    #[serde(rename = "C")]
    pub c: u32,
}

impl GradeCounts {
    pub fn add(&mut self, grade: Grade) {
        *self.slot(grade) += 1;
    }

    pub fn get(&self, grade: Grade) -> u32 {
        match grade {
            Grade::S => self.s,
            Grade::A => self.a,
            Grade::B => self.b,
            Grade::C => self.c,
        }
    }

    pub fn total(&self) -> u32 {
        self.s + self.a + self.b + self.c
    }

    fn slot(&mut self, grade: Grade) -> &mut u32 {
        match grade {
            Grade::S => &mut self.s,
            Grade::A => &mut self.a,
            Grade::B => &mut self.b,
            Grade::C => &mut self.c,
        }
    }
}

/// What one proposal's reviews add up to, without the call-wide calibration: the applicant's
/// result view. See [`summarize`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProposalSummary {
    /// `None` without reviews.
    pub score: Option<f64>,
    pub reviews: u32,
    /// `None` without reviews.
    pub spread: Option<f64>,
    /// Criterion code → mean points; empty without reviews.
    pub criteria: BTreeMap<String, f64>,
    pub grades: GradeCounts,
}

/// One row of the ranking. The fields are those of [`ProposalSummary`] plus the position and the
/// calibrated score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    pub proposal: usize,
    /// 1 for the best; distinct for every proposal.
    pub rank: u32,
    /// `None` without reviews.
    pub score: Option<f64>,
    /// `None` without reviews.
    pub calibrated_score: Option<f64>,
    pub reviews: u32,
    /// `None` without reviews.
    pub spread: Option<f64>,
    /// Criterion code → mean points; empty without reviews.
    pub criteria: BTreeMap<String, f64>,
    pub grades: GradeCounts,
}

/// The weighted mean of a review's criterion points (1.00–4.00).
///
/// `None` if the call has no criteria, a weight is not a positive number, or a criterion has no
/// grade. Grades for unknown codes are ignored.
#[must_use]
pub fn review_score(criteria: &[Criterion], grades: &BTreeMap<String, Grade>) -> Option<f64> {
    let mut weighted_points = 0.0;
    let mut total_weight = 0.0;
    for criterion in criteria {
        if !(criterion.weight.is_finite() && criterion.weight > 0.0) {
            return None;
        }
        let grade = grades.get(&criterion.code)?;
        weighted_points += criterion.weight * f64::from(grade.points());
        total_weight += criterion.weight;
    }
    let score = weighted_points / total_weight;
    // Also catches an empty criteria list (0 / 0) and weights whose sum overflows.
    score.is_finite().then_some(score)
}

/// Aggregates the reviews of a single proposal: score, spread, criterion means and grade counts,
/// as for the applicant's result view. Pass the grades of its submitted reviews, e.g.
/// `summarize(&criteria, reviews.iter().map(|review| &review.grades))`. The figures are the same
/// as in that proposal's [`Standing`] from [`rank`].
#[must_use]
pub fn summarize<'a>(
    criteria: &[Criterion],
    reviews: impl IntoIterator<Item = &'a BTreeMap<String, Grade>>,
) -> ProposalSummary {
    let mut tally = Tally::new(criteria.len());
    for grades in reviews {
        if let Some(score) = review_score(criteria, grades) {
            tally.add(criteria, score, grades);
        }
    }
    tally.summary(criteria)
}

/// The ranking of proposals `0..proposal_count`, best first (see the module documentation for
/// the order and the calibrated score). Reviews naming a proposal outside that range are ignored.
#[must_use]
pub fn rank(
    criteria: &[Criterion],
    proposal_count: usize,
    reviews: &[SubmittedReview],
) -> Vec<Standing> {
    let scored: Vec<(&SubmittedReview, f64)> = reviews
        .iter()
        .filter(|review| review.proposal < proposal_count)
        .filter_map(|review| Some((review, review_score(criteria, &review.grades)?)))
        .collect();

    let mut call_points = PointStats::default();
    let mut reviewer_points: BTreeMap<usize, PointStats> = BTreeMap::new();
    for (review, _) in &scored {
        let reviewer = reviewer_points.entry(review.reviewer).or_default();
        for criterion in criteria {
            let points = review.grades[&criterion.code].points();
            call_points.add(points);
            reviewer.add(points);
        }
    }

    let mut tallies: Vec<Tally> = (0..proposal_count)
        .map(|_| Tally::new(criteria.len()))
        .collect();
    let mut z_sums = vec![0.0; proposal_count];
    for &(review, score) in &scored {
        tallies[review.proposal].add(criteria, score, &review.grades);
        let reviewer = &reviewer_points[&review.reviewer];
        let sigma = reviewer.std_dev();
        if sigma > 0.0 {
            z_sums[review.proposal] += (score - reviewer.mean()) / sigma;
        }
    }

    let mut standings: Vec<Standing> = tallies
        .into_iter()
        .zip(z_sums)
        .enumerate()
        .map(|(proposal, (tally, z_sum))| {
            let calibrated_score = (tally.count > 0).then(|| {
                call_points.mean() + call_points.std_dev() * z_sum / f64::from(tally.count)
            });
            let summary = tally.summary(criteria);
            Standing {
                proposal,
                rank: 0,
                score: summary.score,
                calibrated_score,
                reviews: summary.reviews,
                spread: summary.spread,
                criteria: summary.criteria,
                grades: summary.grades,
            }
        })
        .collect();

    // `Reverse(Option)` puts `None` after every `Some`, so unreviewed proposals sink to the end.
    standings.sort_by_key(|standing| {
        (
            Reverse(standing.score.map(to_micro_points)),
            Reverse(standing.calibrated_score.map(to_micro_points)),
            standing.proposal,
        )
    });
    for (position, standing) in standings.iter_mut().enumerate() {
        standing.rank = u32::try_from(position + 1).unwrap_or(u32::MAX);
    }
    standings
}

/// Running sums over one proposal's reviews.
struct Tally {
    count: u32,
    score_sum: f64,
    min_score: f64,
    max_score: f64,
    /// Points per criterion, in the order of the call's criteria.
    criterion_points: Vec<u32>,
    grades: GradeCounts,
}

impl Tally {
    fn new(criterion_count: usize) -> Self {
        Self {
            count: 0,
            score_sum: 0.0,
            min_score: f64::INFINITY,
            max_score: f64::NEG_INFINITY,
            criterion_points: vec![0; criterion_count],
            grades: GradeCounts::default(),
        }
    }

    /// `grades` must hold every criterion, which a `Some` from [`review_score`] guarantees.
    fn add(&mut self, criteria: &[Criterion], score: f64, grades: &BTreeMap<String, Grade>) {
        self.count += 1;
        self.score_sum += score;
        self.min_score = self.min_score.min(score);
        self.max_score = self.max_score.max(score);
        for (criterion, points) in criteria.iter().zip(&mut self.criterion_points) {
            let grade = grades[&criterion.code];
            *points += u32::from(grade.points());
            self.grades.add(grade);
        }
    }

    fn summary(self, criteria: &[Criterion]) -> ProposalSummary {
        if self.count == 0 {
            return ProposalSummary::default();
        }
        let count = f64::from(self.count);
        ProposalSummary {
            score: Some(self.score_sum / count),
            reviews: self.count,
            spread: Some(self.max_score - self.min_score),
            criteria: criteria
                .iter()
                .zip(self.criterion_points)
                .map(|(criterion, points)| (criterion.code.clone(), f64::from(points) / count))
                .collect(),
            grades: self.grades,
        }
    }
}

/// Mean and population standard deviation of grade points, kept as integer sums so that "all the
/// same grade" gives a standard deviation of exactly 0 rather than rounding noise.
#[derive(Debug, Default, Clone, Copy)]
struct PointStats {
    count: u64,
    sum: u64,
    sum_of_squares: u64,
}

impl PointStats {
    fn add(&mut self, points: u8) {
        let points = u64::from(points);
        self.count += 1;
        self.sum += points;
        self.sum_of_squares += points * points;
    }

    fn mean(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        self.sum as f64 / self.count as f64
    }

    fn std_dev(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        // n²·variance = n·Σx² − (Σx)², never negative (Cauchy–Schwarz) and exact in integers.
        let (n, sum, sum_sq) = (
            u128::from(self.count),
            u128::from(self.sum),
            u128::from(self.sum_of_squares),
        );
        let scaled_variance = n * sum_sq - sum * sum;
        (scaled_variance as f64).sqrt() / self.count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria(weights: &[(&str, f64)]) -> Vec<Criterion> {
        weights
            .iter()
            .map(|&(code, weight)| Criterion {
                code: code.to_owned(),
                name: format!("criterion {code}"),
                weight,
            })
            .collect()
    }

    /// The three-criterion call of most tests: novelty counts double.
    fn weighted_call() -> Vec<Criterion> {
        criteria(&[("novelty", 2.0), ("feasibility", 1.0), ("impact", 1.0)])
    }

    /// Grades by position in `codes`, e.g. `grades(&["x", "y"], "SB")`.
    fn grades(codes: &[&str], letters: &str) -> BTreeMap<String, Grade> {
        assert_eq!(codes.len(), letters.len());
        codes
            .iter()
            .zip(letters.chars())
            .map(|(code, letter)| (code.to_string(), letter.to_string().parse().unwrap()))
            .collect()
    }

    const WEIGHTED: [&str; 3] = ["novelty", "feasibility", "impact"];
    const PAIR: [&str; 2] = ["x", "y"];

    fn review(proposal: usize, reviewer: usize, codes: &[&str], letters: &str) -> SubmittedReview {
        SubmittedReview {
            proposal,
            reviewer,
            grades: grades(codes, letters),
        }
    }

    fn pair_call() -> Vec<Criterion> {
        criteria(&[("x", 1.0), ("y", 1.0)])
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-12,
            "expected {expected}, got {actual}"
        );
    }

    fn by_proposal(standings: &[Standing], proposal: usize) -> &Standing {
        standings.iter().find(|s| s.proposal == proposal).unwrap()
    }

    #[test]
    fn review_score_is_the_weighted_mean_of_points() {
        let call = weighted_call();
        // (2·4 + 2 + 1) / 4
        assert_eq!(review_score(&call, &grades(&WEIGHTED, "SBC")), Some(2.75));
        assert_eq!(review_score(&call, &grades(&WEIGHTED, "SSS")), Some(4.0));
        assert_eq!(review_score(&call, &grades(&WEIGHTED, "CCC")), Some(1.0));
        // (2·1 + 4 + 4) / 4
        assert_eq!(review_score(&call, &grades(&WEIGHTED, "CSS")), Some(2.5));
    }

    #[test]
    fn review_score_with_fractional_weights() {
        let call = criteria(&[("x", 0.3), ("y", 0.7)]);
        // 0.3·4 + 0.7·1
        assert_close(review_score(&call, &grades(&PAIR, "SC")).unwrap(), 1.9);
    }

    #[test]
    fn review_score_ignores_unknown_codes_and_rejects_missing_ones() {
        let call = weighted_call();
        let mut extra = grades(&WEIGHTED, "SBC");
        extra.insert("overall".to_owned(), Grade::C);
        assert_eq!(review_score(&call, &extra), Some(2.75));

        let missing = grades(&["novelty", "impact"], "SB");
        assert_eq!(review_score(&call, &missing), None);
    }

    #[test]
    fn review_score_guards_degenerate_calls() {
        assert_eq!(review_score(&[], &grades(&PAIR, "SS")), None);
        for weight in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let call = criteria(&[("x", 1.0), ("y", weight)]);
            assert_eq!(review_score(&call, &grades(&PAIR, "SA")), None, "{weight}");
        }
        let huge = criteria(&[("x", f64::MAX), ("y", f64::MAX)]);
        assert_eq!(review_score(&huge, &grades(&PAIR, "SA")), None);
    }

    #[test]
    fn summarize_averages_reviews() {
        let call = weighted_call();
        let reviews = [grades(&WEIGHTED, "SBC"), grades(&WEIGHTED, "AAA")];
        let summary = summarize(&call, &reviews);

        assert_eq!(summary.reviews, 2);
        assert_eq!(summary.score, Some((2.75 + 3.0) / 2.0));
        assert_eq!(summary.spread, Some(0.25));
        let expected: BTreeMap<String, f64> =
            [("novelty", 3.5), ("feasibility", 2.5), ("impact", 2.0)]
                .into_iter()
                .map(|(code, mean)| (code.to_owned(), mean))
                .collect();
        assert_eq!(summary.criteria, expected);
        assert_eq!(
            summary.grades,
            GradeCounts {
                s: 1,
                a: 3,
                b: 1,
                c: 1
            }
        );
        assert_eq!(summary.grades.total(), 6);
        assert_eq!(summary.grades.get(Grade::A), 3);
    }

    #[test]
    fn summarize_single_review_has_zero_spread() {
        let summary = summarize(&weighted_call(), [&grades(&WEIGHTED, "SBC")]);
        assert_eq!(summary.reviews, 1);
        assert_eq!(summary.score, Some(2.75));
        assert_eq!(summary.spread, Some(0.0));
    }

    #[test]
    fn summarize_without_reviews_is_empty() {
        let summary = summarize(&weighted_call(), []);
        assert_eq!(summary, ProposalSummary::default());
        assert_eq!(summary.score, None);
        assert_eq!(summary.spread, None);
        assert!(summary.criteria.is_empty());
    }

    #[test]
    fn summarize_skips_incomplete_reviews() {
        let call = weighted_call();
        let reviews = [grades(&WEIGHTED, "SBC"), grades(&["novelty"], "C")];
        let summary = summarize(&call, &reviews);
        assert_eq!(summary.reviews, 1);
        assert_eq!(summary.score, Some(2.75));
        assert_eq!(summary.grades.total(), 3);
    }

    #[test]
    fn grade_counts_serialize_with_grade_letters() {
        let counts = GradeCounts {
            s: 1,
            a: 2,
            b: 3,
            c: 4,
        };
        assert_eq!(
            serde_json::to_value(counts).unwrap(),
            serde_json::json!({"S": 1, "A": 2, "B": 3, "C": 4})
        );
    }

    #[test]
    fn rank_hand_computed_example() {
        let call = weighted_call();
        let reviews = [
            review(0, 0, &WEIGHTED, "SBC"), // 2.75
            review(0, 1, &WEIGHTED, "AAA"), // 3.00
            review(1, 0, &WEIGHTED, "BBB"), // 2.00
        ];
        let standings = rank(&call, 3, &reviews);
        let order: Vec<(usize, u32)> = standings.iter().map(|s| (s.proposal, s.rank)).collect();
        assert_eq!(order, [(0, 1), (1, 2), (2, 3)]);

        let first = &standings[0];
        assert_eq!(first.score, Some(2.875));
        assert_eq!(first.reviews, 2);
        assert_eq!(first.spread, Some(0.25));
        assert_eq!(first.criteria["novelty"], 3.5);
        assert_eq!(first.criteria["feasibility"], 2.5);
        assert_eq!(first.criteria["impact"], 2.0);
        assert_eq!(
            first.grades,
            GradeCounts {
                s: 1,
                a: 3,
                b: 1,
                c: 1
            }
        );

        // Reviewer 0 gave 4,2,1,2,2,2: μ = 13/6, σ = √29/6. Reviewer 1 gave only A: σ = 0, z = 0.
        // The call: 4,2,1,3,3,3,2,2,2: M = 22/9, S = √56/9.
        let (m, s) = (22.0 / 9.0, 56f64.sqrt() / 9.0);
        let z_first = (2.75 - 13.0 / 6.0) / (29f64.sqrt() / 6.0);
        assert_close(
            first.calibrated_score.unwrap(),
            m + s * (z_first + 0.0) / 2.0,
        );

        let second = &standings[1];
        assert_eq!(second.score, Some(2.0));
        assert_eq!(second.spread, Some(0.0));
        assert_eq!(second.grades.b, 3);
        let z_second = (2.0 - 13.0 / 6.0) / (29f64.sqrt() / 6.0);
        assert_close(second.calibrated_score.unwrap(), m + s * z_second);

        let unreviewed = &standings[2];
        assert_eq!(unreviewed.score, None);
        assert_eq!(unreviewed.calibrated_score, None);
        assert_eq!(unreviewed.spread, None);
        assert_eq!(unreviewed.reviews, 0);
        assert!(unreviewed.criteria.is_empty());
        assert_eq!(unreviewed.grades, GradeCounts::default());
    }

    #[test]
    fn rank_agrees_with_summarize() {
        let call = weighted_call();
        let reviews = [
            review(1, 0, &WEIGHTED, "SBC"),
            review(1, 1, &WEIGHTED, "AAB"),
            review(0, 1, &WEIGHTED, "CBA"),
        ];
        for standing in rank(&call, 2, &reviews) {
            let own = reviews
                .iter()
                .filter(|r| r.proposal == standing.proposal)
                .map(|r| &r.grades);
            let summary = summarize(&call, own);
            assert_eq!(standing.score, summary.score);
            assert_eq!(standing.reviews, summary.reviews);
            assert_eq!(standing.spread, summary.spread);
            assert_eq!(standing.criteria, summary.criteria);
            assert_eq!(standing.grades, summary.grades);
        }
    }

    #[test]
    fn calibration_levels_a_harsh_and_a_lenient_reviewer() {
        let call = pair_call();
        let reviews = [
            // Harsh reviewer 0, C/B only: proposal 0 better than proposal 1.
            review(0, 0, &PAIR, "BB"), // 2
            review(1, 0, &PAIR, "CC"), // 1
            // Lenient reviewer 1, S/A only: proposal 2 better than proposal 3.
            review(2, 1, &PAIR, "SS"), // 4
            review(3, 1, &PAIR, "AA"), // 3
        ];
        let standings = rank(&call, 4, &reviews);
        let order: Vec<usize> = standings.iter().map(|s| s.proposal).collect();
        assert_eq!(order, [2, 3, 0, 1], "raw scores decide first");

        let calibrated = |p: usize| by_proposal(&standings, p).calibrated_score.unwrap();
        // Both reviewers: σ = 0.5, so z = ±1. The call: M = 2.5, S = √1.25.
        let (m, s) = (2.5, 1.25f64.sqrt());
        assert_close(calibrated(0), m + s);
        assert_close(calibrated(2), m + s);
        assert_close(calibrated(1), m - s);
        assert_close(calibrated(3), m - s);
        assert_ne!(
            by_proposal(&standings, 0).score,
            by_proposal(&standings, 2).score
        );
    }

    #[test]
    fn calibration_breaks_ties_of_the_raw_score() {
        let call = pair_call();
        let reviews = [
            // Harsh reviewer: μ = 2, σ = 1; proposal 0 at 3 is z = +1.
            review(0, 0, &PAIR, "AA"),
            review(1, 0, &PAIR, "CC"),
            // Lenient reviewer: μ = 3.5, σ = 0.5; proposal 2 at 3 is z = −1.
            review(2, 1, &PAIR, "AA"),
            review(3, 1, &PAIR, "SS"),
        ];
        let standings = rank(&call, 4, &reviews);
        let order: Vec<usize> = standings.iter().map(|s| s.proposal).collect();
        assert_eq!(order, [3, 0, 2, 1]);
        assert_eq!(standings[1].score, standings[2].score);
        assert!(standings[1].calibrated_score > standings[2].calibrated_score);
    }

    #[test]
    fn uniform_reviewer_carries_no_ranking_information() {
        let call = pair_call();
        let reviews = [
            // Reviewer 0 grades everything B: σ = 0.
            review(0, 0, &PAIR, "BB"),
            review(1, 0, &PAIR, "BB"),
            // Reviewer 1: 4,4,1,1 → μ = 2.5, σ = 1.5; z = ±1.
            review(0, 1, &PAIR, "SS"),
            review(1, 1, &PAIR, "CC"),
        ];
        let standings = rank(&call, 2, &reviews);
        // The call: 2,2,2,2,4,4,1,1 → M = 18/8, Σx² = 50, S² = 50/8 − (18/8)².
        let m: f64 = 18.0 / 8.0;
        let s = (50.0 / 8.0 - m * m).sqrt();
        let p0 = by_proposal(&standings, 0);
        let p1 = by_proposal(&standings, 1);
        assert_close(p0.calibrated_score.unwrap(), m + s * (0.0 + 1.0) / 2.0);
        assert_close(p1.calibrated_score.unwrap(), m + s * (0.0 - 1.0) / 2.0);
        assert_eq!(p0.score, Some(3.0));
        assert_eq!(p1.score, Some(1.5));
    }

    #[test]
    fn everyone_uniform_gives_the_call_mean() {
        let call = pair_call();
        let reviews = [review(0, 0, &PAIR, "AA"), review(1, 1, &PAIR, "AA")];
        let standings = rank(&call, 2, &reviews);
        for standing in &standings {
            assert_eq!(standing.calibrated_score, Some(3.0));
        }
        // Full tie: index decides.
        assert_eq!(standings[0].proposal, 0);
        assert_eq!(standings[1].proposal, 1);
    }

    #[test]
    fn ties_are_broken_by_index_and_unreviewed_come_last() {
        let call = pair_call();
        let reviews = [
            review(3, 0, &PAIR, "SA"),
            review(1, 0, &PAIR, "AS"),
            review(4, 0, &PAIR, "CC"),
        ];
        let standings = rank(&call, 5, &reviews);
        let order: Vec<(usize, u32)> = standings.iter().map(|s| (s.proposal, s.rank)).collect();
        assert_eq!(order, [(1, 1), (3, 2), (4, 3), (0, 4), (2, 5)]);
    }

    #[test]
    fn scores_equal_on_paper_tie_despite_float_noise() {
        // With weights 0.1, 0.2, 0.3 both reviews below are worth 3 on paper, but in floats
        // B,B,S gives 2.9999999999999996 and S,S,B gives 3.0.
        let call = criteria(&[("x", 0.1), ("y", 0.2), ("z", 0.3)]);
        let xyz = ["x", "y", "z"];
        let reviews = [
            // Lenient reviewer 0: proposal 0 is below their habit …
            review(0, 0, &xyz, "SSB"),
            review(2, 0, &xyz, "SSS"),
            // … harsh reviewer 1: proposal 1 is above theirs.
            review(1, 1, &xyz, "BBS"),
            review(3, 1, &xyz, "CCC"),
        ];
        let standings = rank(&call, 4, &reviews);
        let p0 = by_proposal(&standings, 0);
        let p1 = by_proposal(&standings, 1);
        assert!(p0.score > p1.score, "the float noise this test is about");
        assert_eq!(
            to_micro_points(p0.score.unwrap()),
            to_micro_points(p1.score.unwrap())
        );
        assert!(p1.calibrated_score > p0.calibrated_score);
        let order: Vec<usize> = standings.iter().map(|s| s.proposal).collect();
        assert_eq!(order, [2, 1, 0, 3]);
    }

    #[test]
    fn rank_ignores_out_of_range_and_incomplete_reviews() {
        let call = pair_call();
        let reviews = [
            review(0, 0, &PAIR, "SA"),
            review(7, 0, &PAIR, "CC"),
            review(1, 0, &["x"], "S"),
        ];
        let standings = rank(&call, 2, &reviews);
        assert_eq!(standings[0].proposal, 0);
        assert_eq!(standings[0].reviews, 1);
        assert_eq!(standings[1].reviews, 0);
        assert_eq!(standings[1].score, None);
        // Only "SA" is left: reviewer σ = 0.5, z = (3.5 − 3.5)/0.5 = 0.
        assert_close(standings[0].calibrated_score.unwrap(), 3.5);
    }

    #[test]
    fn rank_of_nothing() {
        assert!(rank(&pair_call(), 0, &[]).is_empty());
        let standings = rank(&pair_call(), 2, &[]);
        assert_eq!(standings.len(), 2);
        assert!(
            standings
                .iter()
                .all(|s| s.score.is_none() && s.calibrated_score.is_none())
        );
        // A call without criteria scores nothing rather than NaN.
        let standings = rank(&[], 1, &[review(0, 0, &PAIR, "SS")]);
        assert_eq!(standings[0].score, None);
    }

    #[test]
    fn standing_serializes_as_the_api_shows_it() {
        let standings = rank(&pair_call(), 1, &[review(0, 0, &PAIR, "SA")]);
        let json = serde_json::to_value(&standings[0]).unwrap();
        assert_eq!(json["rank"], 1);
        assert_eq!(json["score"], 3.5);
        assert_eq!(json["grades"]["S"], 1);
        assert_eq!(json["criteria"]["y"], 3.0);
    }

    #[test]
    fn random_calls_never_produce_nan_and_stay_sorted() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let call = weighted_call();
        for _ in 0..200 {
            let proposals = rng.random_range(0..6);
            let reviewers = rng.random_range(1..4);
            let mut reviews = Vec::new();
            for proposal in 0..proposals {
                for reviewer in 0..reviewers {
                    if rng.random_bool(0.7) {
                        let letters: String = (0..3)
                            .map(|_| ['S', 'A', 'B', 'C'][rng.random_range(0..4)])
                            .collect();
                        reviews.push(review(proposal, reviewer, &WEIGHTED, &letters));
                    }
                }
            }
            let standings = rank(&call, proposals, &reviews);
            assert_eq!(standings.len(), proposals);
            for (position, standing) in standings.iter().enumerate() {
                assert_eq!(standing.rank as usize, position + 1);
                let numbers = [standing.score, standing.calibrated_score, standing.spread];
                assert!(numbers.iter().flatten().all(|x| x.is_finite()));
                if let Some(score) = standing.score {
                    assert!((1.0..=4.0).contains(&score));
                    assert!(standing.spread.unwrap() >= 0.0);
                }
            }
            for pair in standings.windows(2) {
                let key = |s: &Standing| {
                    (
                        Reverse(s.score.map(to_micro_points)),
                        Reverse(s.calibrated_score.map(to_micro_points)),
                        s.proposal,
                    )
                };
                assert!(key(&pair[0]) < key(&pair[1]));
            }
        }
    }

    #[test]
    fn micro_points() {
        assert_eq!(to_micro_points(2.75), 2_750_000);
        assert_eq!(to_micro_points(1.0 / 3.0), 333_333);
        assert_eq!(to_micro_points(0.1 + 0.2), 300_000);
        assert_eq!(to_micro_points(f64::NAN), 0);
    }
}
