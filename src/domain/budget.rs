//! The budget plan (SPEC §6, decision support): the set of submitted proposals with the highest
//! total score whose requests fit the budget, an exact 0/1 knapsack.
//!
//! Pure functions: no IO.
//!
//! # Units
//!
//! * Scores are compared in integer **micro-points**, `round(score × 1 000 000)`
//!   ([`to_micro_points`]), so that sums compare exactly and the plan does not depend on the
//!   order of float additions. A score of 2.75 is worth 2 750 000 micro-points.
//! * Costs are whole yen (`u64`) and are never scaled or rounded: the plan is exact to the yen.
//!
//! # Which plan
//!
//! Among all sets of candidates whose total cost is at most the budget, the plan is the one with
//!
//! 1. the highest total micro-points; among those,
//! 2. the lowest total cost in yen; among those,
//! 3. the lexicographically smallest ascending list of candidate indices — so candidates listed
//!    earlier win ties. Passing candidates in ranking order makes ties favour better-ranked
//!    proposals; passing them in any fixed order at least makes the plan reproducible.
//!
//! A candidate whose score is worth no micro-points (zero, negative, NaN, or below half a
//! micro-point) or whose cost alone exceeds the budget is never chosen. A candidate that costs
//! nothing but has a positive score is always chosen.
//!
//! # Algorithm
//!
//! Dynamic programming over the Pareto frontier of partial plans (Nemhauser–Ullmann): candidates
//! are added one at a time, keeping only the partial plans that no other partial plan beats on
//! both cost and micro-points. Candidates are added best value-per-yen first, and a partial plan
//! is dropped as soon as Dantzig's fractional upper bound — what it could reach if the remaining
//! candidates could be funded in part — falls below a total some partial plan is known to reach.
//! With realistic scores (means of S–C grades, requests in yen) this keeps the frontier small:
//! 47 candidates take well under a millisecond and 200 a few milliseconds. The worst case is
//! still exponential, as is inherent to the problem: when scores are nearly proportional to the
//! costs the bound prunes little, and with scores exactly proportional to arbitrary yen amounts
//! (a subset-sum problem in disguise) 30 candidates already take seconds. Such inputs do not
//! arise from reviews, but callers on an async executor should run this as blocking work.

use std::cmp::Ordering;

use crate::domain::scoring::to_micro_points;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub cost_yen: u64,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Indices into the candidates, ascending.
    pub chosen: Vec<usize>,
    pub total_yen: u64,
    /// The sum of the chosen candidates' scores (added in index order).
    pub total_score: f64,
}

/// The best plan for `budget_yen`; see the module documentation for what "best" means.
#[must_use]
pub fn best_plan(candidates: &[Candidate], budget_yen: u64) -> Plan {
    let items = fundable_items(candidates, budget_yen);
    let bound = FractionalBound::new(&items);

    let mut frontier = vec![PartialPlan::empty(candidates.len())];
    let mut known_reachable = bound.greedy_value(0, budget_yen);
    for (position, item) in items.iter().enumerate() {
        let undecided = position + 1;
        let with_item: Vec<PartialPlan> = frontier
            .iter()
            .filter(|plan| item.cost <= budget_yen - plan.cost)
            .map(|plan| plan.with(item))
            .collect();

        let mut next = Vec::with_capacity(frontier.len() + with_item.len());
        let mut best_value_so_far = None;
        for plan in merge_in_frontier_order(frontier, with_item) {
            // Merged in ascending cost, so a plan worth no more than a cheaper one is dominated.
            if best_value_so_far.is_some_and(|best| plan.value <= best) {
                continue;
            }
            best_value_so_far = Some(plan.value);

            let room = budget_yen - plan.cost;
            if plan.value + bound.fractional_value(undecided, room) < known_reachable {
                continue;
            }
            known_reachable = known_reachable.max(plan.value + bound.greedy_value(undecided, room));
            next.push(plan);
        }
        frontier = next;
    }

    // The frontier's values rise with cost, so the last plan is worth the most, and it is the
    // cheapest and lexicographically first of equal-valued plans because those were dropped.
    let best = frontier
        .pop()
        .expect("the partial plans leading to the optimum are never dropped");
    let chosen = best.indices();
    let total_score = chosen.iter().map(|&index| candidates[index].score).sum();
    Plan {
        chosen,
        total_yen: best.cost,
        total_score,
    }
}

/// A candidate that can be part of a plan, in exact units.
#[derive(Debug, Clone, Copy)]
struct Item {
    index: usize,
    cost: u64,
    value: u128,
}

/// The candidates that could be chosen, ordered by value per yen, best first (free ones first).
fn fundable_items(candidates: &[Candidate], budget_yen: u64) -> Vec<Item> {
    let mut items: Vec<Item> = candidates
        .iter()
        .enumerate()
        .filter(|(_, candidate)| candidate.cost_yen <= budget_yen)
        .filter_map(|(index, candidate)| {
            let value = u128::try_from(to_micro_points(candidate.score)).ok()?;
            (value > 0).then_some(Item {
                index,
                cost: candidate.cost_yen,
                value,
            })
        })
        .collect();
    // a.value / a.cost > b.value / b.cost, cross-multiplied to stay exact (and to handle cost 0).
    items.sort_by(|a, b| {
        (b.value * u128::from(a.cost))
            .cmp(&(a.value * u128::from(b.cost)))
            .then(a.index.cmp(&b.index))
    });
    items
}

/// Prefix sums over the items in density order, to bound what the items from a position on can
/// add within some room.
struct FractionalBound<'a> {
    items: &'a [Item],
    /// What `items[..k]` cost and are worth in total, for every `k`.
    cost_prefix: Vec<u128>,
    value_prefix: Vec<u128>,
}

impl<'a> FractionalBound<'a> {
    fn new(items: &'a [Item]) -> Self {
        let mut cost_prefix = vec![0];
        let mut value_prefix = vec![0];
        for item in items {
            cost_prefix.push(cost_prefix.last().unwrap() + u128::from(item.cost));
            value_prefix.push(value_prefix.last().unwrap() + item.value);
        }
        Self {
            items,
            cost_prefix,
            value_prefix,
        }
    }

    /// How many items from `from` on fit together, densest first, into `room`: the end of that
    /// run, and the room left after it.
    fn greedy_run(&self, from: usize, room: u64) -> (usize, u128) {
        let base = self.cost_prefix[from];
        let room = u128::from(room);
        let end = from + self.cost_prefix[from + 1..].partition_point(|&c| c - base <= room);
        (end, room - (self.cost_prefix[end] - base))
    }

    /// A value the items from `from` on can certainly add within `room`: the densest ones that
    /// fit together.
    fn greedy_value(&self, from: usize, room: u64) -> u128 {
        let (end, _) = self.greedy_run(from, room);
        self.value_prefix[end] - self.value_prefix[from]
    }

    /// An upper bound on what the items from `from` on can add within `room`: the greedy run
    /// plus the affordable fraction of the next item (the LP relaxation, Dantzig). Rounding down
    /// keeps it a bound, since actual totals are whole micro-points.
    fn fractional_value(&self, from: usize, room: u64) -> u128 {
        let (end, left) = self.greedy_run(from, room);
        let whole = self.value_prefix[end] - self.value_prefix[from];
        match self.items.get(end) {
            // The next item did not fit, so it costs more than `left` and in particular not 0.
            Some(next) => whole + next.value * left / u128::from(next.cost),
            None => whole,
        }
    }
}

/// A set of items with its totals; the set is a bitmap over candidate indices.
#[derive(Debug, Clone)]
struct PartialPlan {
    value: u128,
    cost: u64,
    members: Box<[u64]>,
}

impl PartialPlan {
    fn empty(candidate_count: usize) -> Self {
        Self {
            value: 0,
            cost: 0,
            members: vec![0; candidate_count.div_ceil(64)].into_boxed_slice(),
        }
    }

    /// The caller has checked that the item fits the budget.
    fn with(&self, item: &Item) -> Self {
        let mut members = self.members.clone();
        members[item.index / 64] |= 1 << (item.index % 64);
        Self {
            value: self.value + item.value,
            cost: self.cost + item.cost,
            members,
        }
    }

    fn indices(&self) -> Vec<usize> {
        self.members
            .iter()
            .enumerate()
            .flat_map(|(word_index, &word)| {
                (0..64)
                    .filter(move |bit| word & (1 << bit) != 0)
                    .map(move |bit| word_index * 64 + bit)
            })
            .collect()
    }

    /// Compares the ascending index lists of two sets of equal value. The set holding the
    /// smallest index in which they differ comes first: the other one cannot be a prefix of it,
    /// because it would then be a proper subset and worth less.
    fn cmp_indices(&self, other: &Self) -> Ordering {
        for (&mine, &theirs) in self.members.iter().zip(&other.members) {
            let differing = mine ^ theirs;
            if differing != 0 {
                let lowest = differing & differing.wrapping_neg();
                return if mine & lowest != 0 {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
        }
        Ordering::Equal
    }

    /// The order of the frontier: cheaper first; at equal cost, the one to keep first.
    fn frontier_order(&self, other: &Self) -> Ordering {
        self.cost
            .cmp(&other.cost)
            .then(other.value.cmp(&self.value))
            .then_with(|| self.cmp_indices(other))
    }
}

/// Merges two lists that are each in frontier order into one.
fn merge_in_frontier_order(a: Vec<PartialPlan>, b: Vec<PartialPlan>) -> Vec<PartialPlan> {
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.frontier_order(y) != Ordering::Greater,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return merged,
        };
        merged.extend(if take_a { a.next() } else { b.next() });
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;

    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn candidates(list: &[(u64, f64)]) -> Vec<Candidate> {
        list.iter()
            .map(|&(cost_yen, score)| Candidate { cost_yen, score })
            .collect()
    }

    /// Micro-points computed independently of the code under test.
    fn micro(score: f64) -> u64 {
        let scaled = (score * 1e6).round();
        if scaled > 0.0 { scaled as u64 } else { 0 }
    }

    /// The plan by the rules, over all subsets.
    fn brute_force(candidates: &[Candidate], budget: u64) -> Vec<usize> {
        assert!(candidates.len() < 20);
        let mut best: Option<(u64, u64, Vec<usize>)> = None;
        for mask in 0u32..1 << candidates.len() {
            let set: Vec<usize> = (0..candidates.len())
                .filter(|i| mask & (1 << i) != 0)
                .collect();
            if set.iter().any(|&i| micro(candidates[i].score) == 0) {
                continue; // never chosen, whatever it costs
            }
            let cost: u64 = set.iter().map(|&i| candidates[i].cost_yen).sum();
            if cost > budget {
                continue;
            }
            let value: u64 = set.iter().map(|&i| micro(candidates[i].score)).sum();
            let better = match &best {
                None => true,
                Some((best_value, best_cost, best_set)) => {
                    (value, Reverse(cost), Reverse(&set))
                        > (*best_value, Reverse(*best_cost), Reverse(best_set))
                }
            };
            if better {
                best = Some((value, cost, set));
            }
        }
        best.map(|(_, _, set)| set).unwrap_or_default()
    }

    /// The plan by the rules when every cost is a multiple of `unit`: exact-cost dynamic
    /// programming, candidates from the last to the first so that, on equal value, taking the
    /// current candidate gives the lexicographically smaller set.
    fn by_cost_table(candidates: &[Candidate], budget: u64, unit: u64) -> Vec<usize> {
        let slots = (budget / unit) as usize;
        // best[c]: most micro-points at a cost of exactly c units, and the set reaching it.
        let mut best: Vec<Option<(u64, Vec<usize>)>> = vec![None; slots + 1];
        best[0] = Some((0, Vec::new()));
        for index in (0..candidates.len()).rev() {
            let candidate = candidates[index];
            let value = micro(candidate.score);
            assert_eq!(candidate.cost_yen % unit, 0);
            let cost = (candidate.cost_yen / unit) as usize;
            if value == 0 || cost > slots {
                continue;
            }
            let previous = best.clone();
            for c in cost..=slots {
                if let Some((v, set)) = &previous[c - cost] {
                    let taken = v + value;
                    if best[c].as_ref().is_none_or(|(kept, _)| taken >= *kept) {
                        let mut with = vec![index];
                        with.extend(set);
                        best[c] = Some((taken, with));
                    }
                }
            }
        }
        // Ascending cost, so on equal value the cheaper set stays.
        let mut answer = (0, Vec::new());
        for (value, set) in best.into_iter().flatten() {
            if value > answer.0 {
                answer = (value, set);
            }
        }
        answer.1
    }

    fn assert_consistent(plan: &Plan, candidates: &[Candidate], budget: u64) {
        assert!(plan.chosen.windows(2).all(|w| w[0] < w[1]));
        let cost: u64 = plan.chosen.iter().map(|&i| candidates[i].cost_yen).sum();
        let score: f64 = plan.chosen.iter().map(|&i| candidates[i].score).sum();
        assert_eq!(plan.total_yen, cost);
        assert_eq!(plan.total_score, score);
        assert!(plan.total_yen <= budget);
    }

    /// Scores on a 0.25 grid (often equal) and costs in steps of ¥10 million from a short range
    /// (often equal), with some free, worthless or unaffordable candidates.
    fn random_candidates(rng: &mut ChaCha8Rng, count: usize) -> Vec<Candidate> {
        (0..count)
            .map(|_| {
                let score = match rng.random_range(0..20) {
                    0 => 0.0,
                    1 => -1.0,
                    _ => f64::from(rng.random_range(4..=16u32)) / 4.0,
                };
                let cost_yen = match rng.random_range(0..20) {
                    0 => 0,
                    1 => 5_000_000_000,
                    _ => rng.random_range(1..=12u64) * 10_000_000,
                };
                Candidate { cost_yen, score }
            })
            .collect()
    }

    #[test]
    fn matches_brute_force_on_random_instances() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        for round in 0..1000 {
            let count = rng.random_range(0..=12);
            let list = random_candidates(&mut rng, count);
            let budget = rng.random_range(0..=60u64) * 10_000_000 + rng.random_range(0..2);
            assert_matches_brute_force(&list, budget, round);
        }
    }

    fn assert_matches_brute_force(list: &[Candidate], budget: u64, round: u32) {
        let plan = best_plan(list, budget);
        assert_eq!(plan.chosen, brute_force(list, budget), "round {round}: {list:?} / {budget}");
        assert_consistent(&plan, list, budget);
    }

    #[test]
    fn matches_brute_force_with_arbitrary_yen_and_scores() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for round in 0..500 {
            let count = rng.random_range(1..=12);
            let list: Vec<Candidate> = (0..count)
                .map(|_| Candidate {
                    cost_yen: rng.random_range(1..=1_000_000),
                    score: rng.random_range(1.0..=4.0),
                })
                .collect();
            let budget = rng.random_range(0..=6_000_000);
            assert_matches_brute_force(&list, budget, round);
        }
    }

    #[test]
    fn matches_cost_table_on_larger_random_instances() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for round in 0..100 {
            let count = rng.random_range(13..=40);
            let list = random_candidates(&mut rng, count);
            let budget = rng.random_range(0..=200u64) * 10_000_000;
            let plan = best_plan(&list, budget);
            assert_eq!(
                plan.chosen,
                by_cost_table(&list, budget, 10_000_000),
                "round {round}"
            );
            assert_consistent(&plan, &list, budget);
        }
    }

    /// Scores that grow with the costs (a "strongly correlated" knapsack) leave the bound little
    /// to prune, which puts the frontier itself to the test.
    #[test]
    fn matches_cost_table_when_scores_follow_costs() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for round in 0..20 {
            let list: Vec<Candidate> = (0..30)
                .map(|_| {
                    let cost_yen = rng.random_range(1..=300u64) * 1_000;
                    let score = 1.0 + cost_yen as f64 / 100_000.0;
                    Candidate { cost_yen, score }
                })
                .collect();
            let total: u64 = list.iter().map(|c| c.cost_yen).sum();
            let budget = total / 1_000 / 2 * 1_000;
            let plan = best_plan(&list, budget);
            assert_eq!(
                plan.chosen,
                by_cost_table(&list, budget, 1_000),
                "round {round}"
            );
            assert_consistent(&plan, &list, budget);
        }
    }

    #[test]
    fn exact_fit_is_chosen_one_yen_over_is_not() {
        let list = candidates(&[(30_000_000, 3.0), (20_000_001, 2.5), (20_000_000, 2.0)]);
        let plan = best_plan(&list, 50_000_000);
        assert_eq!(plan.chosen, [0, 2]);
        assert_eq!(plan.total_yen, 50_000_000);
        assert_eq!(plan.total_score, 5.0);

        assert_eq!(best_plan(&list, 50_000_001).chosen, [0, 1]);
        assert_eq!(best_plan(&list, 49_999_999).chosen, [1, 2]);
        let single = candidates(&[(10, 1.0)]);
        assert_eq!(best_plan(&single, 9).chosen, Vec::<usize>::new());
        assert_eq!(best_plan(&single, 10).chosen, [0]);
    }

    #[test]
    fn ties_prefer_cheaper_then_earlier() {
        // Same total score 5.0: {0, 1} costs 40, {2} costs 30.
        let list = candidates(&[(20, 2.5), (20, 2.5), (30, 5.0)]);
        assert_eq!(best_plan(&list, 100).chosen, [0, 1, 2]);
        assert_eq!(best_plan(&list, 40).chosen, [2]);
        // Equal value and cost: the earlier index wins.
        let list = candidates(&[(10, 3.0), (10, 3.0), (10, 3.0)]);
        assert_eq!(best_plan(&list, 20).chosen, [0, 1]);
        // {0, 3} and {1, 2} are both worth 6.0 for 30: [0, 3] < [1, 2].
        let list = candidates(&[(10, 2.0), (15, 3.0), (15, 3.0), (20, 4.0)]);
        assert_eq!(best_plan(&list, 30).chosen, [0, 3]);
    }

    #[test]
    fn scores_compare_in_micro_points() {
        // 0.1 + 0.2 > 0.3 in floats, but both are 300 000 micro-points: the cheaper set wins …
        let list = candidates(&[(10, 0.1), (10, 0.2), (15, 0.3)]);
        assert_eq!(best_plan(&list, 20).chosen, [2]);
        assert_eq!(best_plan(&list, 25).chosen, [1, 2]);
        // … and at equal cost the earlier one.
        let list = candidates(&[(10, 0.3), (5, 0.1), (5, 0.2)]);
        assert_eq!(best_plan(&list, 10).chosen, [0]);
    }

    #[test]
    fn worthless_and_oversized_candidates_are_never_chosen() {
        let list = candidates(&[
            (0, 0.0),
            (1, -2.0),
            (1, f64::NAN),
            (2, 0.0000004),
            (101, 4.0),
            (5, 1.0),
        ]);
        let plan = best_plan(&list, 100);
        assert_eq!(plan.chosen, [5]);
        assert_eq!(plan.total_yen, 5);
    }

    #[test]
    fn free_candidates_are_always_chosen() {
        let list = candidates(&[(10, 1.0), (0, 2.0)]);
        assert_eq!(best_plan(&list, 0).chosen, [1]);
        assert_eq!(best_plan(&list, 10).chosen, [0, 1]);
    }

    #[test]
    fn empty_input_and_zero_budget() {
        let empty = Plan {
            chosen: Vec::new(),
            total_yen: 0,
            total_score: 0.0,
        };
        assert_eq!(best_plan(&[], 1_000_000), empty);
        assert_eq!(best_plan(&[], 0), empty);
        assert_eq!(best_plan(&candidates(&[(1, 4.0), (2, 3.0)]), 0), empty);
    }

    #[test]
    fn huge_costs_and_budget_do_not_overflow() {
        let list = candidates(&[
            (u64::MAX, 4.0),
            (u64::MAX / 2, 3.0),
            (u64::MAX / 2, 2.0),
            (1, 1.0),
        ]);
        let plan = best_plan(&list, u64::MAX);
        assert_eq!(plan.chosen, [1, 2, 3]);
        assert_eq!(plan.total_yen, u64::MAX);
        assert_eq!(best_plan(&list, u64::MAX - 1).chosen, [1, 2]);
    }

    #[test]
    fn one_candidate_per_prefecture() {
        let mut rng = ChaCha8Rng::seed_from_u64(47);
        let list = random_candidates(&mut rng, 47);
        let budget = 1_500_000_000;
        let plan = best_plan(&list, budget);
        assert_eq!(plan.chosen, by_cost_table(&list, budget, 10_000_000));
        assert_consistent(&plan, &list, budget);
    }

    #[test]
    fn a_hundred_and_fifty_candidates() {
        let mut rng = ChaCha8Rng::seed_from_u64(150);
        let list = random_candidates(&mut rng, 150);
        let budget = 3_000_000_000;
        let plan = best_plan(&list, budget);
        assert_eq!(plan.chosen, by_cost_table(&list, budget, 10_000_000));
        assert_consistent(&plan, &list, budget);
    }

    #[test]
    fn two_hundred_candidates_with_arbitrary_yen() {
        let mut rng = ChaCha8Rng::seed_from_u64(200);
        let list: Vec<Candidate> = (0..200)
            .map(|_| Candidate {
                cost_yen: rng.random_range(5_000_000..=300_000_000),
                score: rng.random_range(1.0..=4.0),
            })
            .collect();
        let budget = 5_000_000_000;
        let plan = best_plan(&list, budget);
        assert_consistent(&plan, &list, budget);
        // Every score is positive, so nothing left out may still fit.
        let leftover = budget - plan.total_yen;
        let mut left_out = (0..list.len()).filter(|i| !plan.chosen.contains(i));
        assert!(left_out.all(|i| list[i].cost_yen > leftover));
    }
}
