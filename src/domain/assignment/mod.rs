//! Optimal reviewer assignment (SPEC §5.2).
//!
//! Given what is still to be assigned — per proposal the reviewer slots to fill, per reviewer
//! the remaining load, keyword ids on both sides and the pairs that must never be assigned —
//! [`solve`] returns an assignment that is optimal for the lexicographic objective
//!
//! 1. as many (proposal, reviewer) pairs as possible, then
//! 2. among those, the largest total [`affinity`].
//!
//! # Algorithm
//!
//! The problem is a min-cost max-flow: source → proposal (capacity = demand) → reviewer
//! (capacity 1, cost −affinity, one arc per allowed pair) → sink (capacity = load). A maximum
//! flow of minimum cost is exactly the lexicographic optimum. With thousands of proposals and
//! reviewers that network has tens of millions of arcs, so [`solve`] first solves a smaller
//! *relaxation* and then shows that its optimum is attained:
//!
//! - Only pairs with a positive affinity get their own arc (found through an inverted index
//!   keyword → reviewers). All zero-affinity pairs are alike, so they share a single *hub* node:
//!   proposal → hub (capacity = the proposal's eligible zero-affinity reviewers, at most its
//!   demand) and hub → reviewer (likewise), cost 0. Demands and loads are first capped at the
//!   number of eligible partners, which every feasible assignment respects anyway.
//! - Every feasible assignment is a flow of the same value and cost in this network, so its
//!   optimum (value F*, cost C*) bounds the true optimum. It is computed by the primal–dual
//!   method: potentials from one pass over the initial network (a DAG), then repeatedly
//!   Dijkstra on reduced costs and a maximum flow (Dinic) on the zero-reduced-cost arcs. Each
//!   phase raises the shortest source–sink distance by at least 1, starting from −(max
//!   affinity), so in practice there are a handful of phases (4 on the benchmark).
//! - The hub flow only says how many zero-affinity partners each proposal and each reviewer
//!   get. Turning it into concrete pairs that are neither forbidden nor already used by a
//!   positive-affinity arc is a degree-constrained bipartite matching in the dense complement
//!   of a sparse graph: greedy, then augmenting paths found by a breadth-first search that keeps
//!   a list of still-unvisited reviewers (each scan costs only what it removes plus the pairs it
//!   must skip). When it succeeds, the assignment has value F* and cost C*: the bound is
//!   attained, so it is optimal.
//! - When it fails (typical of small or adversarial instances, where the relaxation is too
//!   loose), the proposals of the failed searches — a set whose allowed partners cannot absorb
//!   the hub flow it got — are given an arc to every allowed reviewer instead of their hub arc.
//!   That is still a relaxation, only tighter, and it is solved again. After
//!   `RELAXATION_ROUNDS` rounds the exact network (every proposal so treated, no hub) is solved
//!   by the same primal–dual method.
//!
//! Everything is deterministic: no hash-map iteration, no randomness; ties are broken by index.
//!
//! # Layout
//!
//! - `flow`: the generic min-cost max-flow network (primal–dual), which knows nothing of
//!   proposals or reviewers.
//! - `prepared`: the cleaned instance — forbidden lists, eligibility counts and the
//!   positive-affinity pairs found through the inverted index.
//! - `relaxation`: the relaxation rounds and the exact network — building each network, solving
//!   it and reading the pairs back.
//! - `hub`: turning a hub flow into concrete zero-affinity pairs.

mod flow;
mod hub;
mod prepared;
mod relaxation;
#[cfg(test)]
mod tests;

use prepared::Prepared;

/// What is left to assign. Indices in `forbidden` refer to `demand` (proposals) and `capacity`
/// (reviewers); the keyword lists are read for the same indices (a missing list is empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    /// Per proposal: reviewer slots still to fill (existing assignments already subtracted).
    pub demand: Vec<u32>,
    /// Per reviewer: remaining load (how many more proposals they may review).
    pub capacity: Vec<u32>,
    /// Interned keyword ids per proposal; duplicates are ignored.
    pub proposal_keywords: Vec<Vec<u32>>,
    /// Interned keyword ids per reviewer; duplicates are ignored.
    pub reviewer_keywords: Vec<Vec<u32>>,
    /// `(proposal, reviewer)` pairs never to assign: conflicts, declines, pairs already
    /// assigned. Order and duplicates do not matter; out-of-range indices are ignored.
    pub forbidden: Vec<(u32, u32)>,
}

/// The affinity of a proposal and a reviewer: the number of *distinct* keyword ids the two
/// lists share. Duplicates within a list count once; order does not matter.
pub fn affinity(a: &[u32], b: &[u32]) -> u32 {
    let mut a = a.to_vec();
    a.sort_unstable();
    a.dedup();
    let mut b = b.to_vec();
    b.sort_unstable();
    b.dedup();
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// One assigned pair and its affinity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub proposal: u32,
    pub reviewer: u32,
    pub affinity: u32,
}

/// Why a proposal did not get all the reviewers it asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnfilledReason {
    /// Fewer reviewers with remaining load are allowed for the proposal (not conflicted,
    /// declined or already assigned) than it needs, whatever the other proposals get.
    NotEnoughEligibleReviewers,
    /// Enough reviewers are eligible, but their loads are used up by the other proposals in
    /// every assignment with the most pairs.
    ReviewerLoadExhausted,
}

impl UnfilledReason {
    pub fn code(self) -> &'static str {
        match self {
            UnfilledReason::NotEnoughEligibleReviewers => "not_enough_eligible_reviewers",
            UnfilledReason::ReviewerLoadExhausted => "reviewer_load_exhausted",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            UnfilledReason::NotEnoughEligibleReviewers => {
                "fewer eligible reviewers with remaining load than reviewer slots to fill"
            }
            UnfilledReason::ReviewerLoadExhausted => {
                "the eligible reviewers' loads are used up by other proposals"
            }
        }
    }
}

/// A proposal left with `missing` empty reviewer slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfilled {
    pub proposal: u32,
    pub missing: u32,
    pub reason: UnfilledReason,
}

/// An optimal assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// Sorted by `(proposal, reviewer)`.
    pub pairs: Vec<Pair>,
    /// The sum of the pairs' affinities.
    pub total_affinity: u64,
    /// Proposals with empty slots left, sorted by proposal.
    pub unfilled: Vec<Unfilled>,
}

/// The optimal assignment of `instance`: the most pairs, then the largest total affinity (see
/// the module documentation for the algorithm and why it is exact). Never panics; an empty
/// instance gives an empty solution.
pub fn solve(instance: &Instance) -> Solution {
    let prepared = Prepared::new(instance);
    let (pairs, _) = prepared.optimal_pairs();
    prepared.solution(pairs)
}
