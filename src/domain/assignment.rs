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

use std::cmp::Reverse;
use std::collections::BinaryHeap;

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

/// How many relaxations are tried, each with more proposals given explicit arcs, before the
/// exact network with every allowed pair is solved.
const RELAXATION_ROUNDS: usize = 3;

// ---------------------------------------------------------------------------------------------
// Preparation: cleaned forbidden lists, eligibility counts, positive-affinity pairs.

/// `(proposal, reviewer, affinity)`.
type Triple = (u32, u32, u32);

struct Prepared {
    demand: Vec<u32>,
    /// Demand capped at the number of eligible reviewers.
    dem: Vec<u32>,
    /// Load capped at the number of eligible proposals.
    cap: Vec<u32>,
    /// Per proposal: reviewers with load > 0 that are not forbidden for it.
    eligible_p: Vec<u32>,
    /// Per reviewer: proposals with demand > 0 for which it is not forbidden.
    eligible_r: Vec<u32>,
    /// Forbidden reviewers per proposal, sorted and deduplicated (CSR).
    forb_first: Vec<usize>,
    forb: Vec<u32>,
    /// Allowed pairs with positive affinity between proposals with `dem > 0` and reviewers with
    /// `cap > 0`, per proposal sorted by reviewer (CSR of `(reviewer, affinity)`).
    pos_first: Vec<usize>,
    pos: Vec<(u32, u32)>,
    /// Number of positive-affinity pairs per reviewer.
    pos_deg_r: Vec<u32>,
}

impl Prepared {
    fn new(instance: &Instance) -> Prepared {
        let np = instance.demand.len();
        let nr = instance.capacity.len();
        let demand = instance.demand.clone();
        let capacity = &instance.capacity;

        let mut forbidden: Vec<(u32, u32)> = instance
            .forbidden
            .iter()
            .copied()
            .filter(|&(p, r)| (p as usize) < np && (r as usize) < nr)
            .collect();
        forbidden.sort_unstable();
        forbidden.dedup();
        let mut forb_first = vec![0usize; np + 1];
        for &(p, _) in &forbidden {
            forb_first[p as usize + 1] += 1;
        }
        for p in 0..np {
            forb_first[p + 1] += forb_first[p];
        }
        let active_r = capacity.iter().filter(|&&c| c > 0).count() as u32;
        let active_p = demand.iter().filter(|&&d| d > 0).count() as u32;
        let mut eligible_p = vec![active_r; np];
        let mut eligible_r = vec![active_p; nr];
        for &(p, r) in &forbidden {
            if capacity[r as usize] > 0 {
                eligible_p[p as usize] -= 1;
            }
            if demand[p as usize] > 0 {
                eligible_r[r as usize] -= 1;
            }
        }
        let forb: Vec<u32> = forbidden.iter().map(|&(_, r)| r).collect();
        drop(forbidden);
        let dem: Vec<u32> = (0..np).map(|p| demand[p].min(eligible_p[p])).collect();
        let cap: Vec<u32> = (0..nr).map(|r| capacity[r].min(eligible_r[r])).collect();

        // Inverted index keyword -> reviewers (with cap > 0), over the distinct keywords.
        let mut postings: Vec<(u32, u32)> = Vec::new();
        for (r, &c) in cap.iter().enumerate() {
            if c > 0
                && let Some(keywords) = instance.reviewer_keywords.get(r)
            {
                postings.extend(keywords.iter().map(|&k| (k, r as u32)));
            }
        }
        postings.sort_unstable();
        postings.dedup();
        let mut vocabulary: Vec<u32> = Vec::new();
        let mut index_first: Vec<usize> = Vec::new();
        for (i, &(k, _)) in postings.iter().enumerate() {
            if vocabulary.last() != Some(&k) {
                vocabulary.push(k);
                index_first.push(i);
            }
        }
        index_first.push(postings.len());
        let index: Vec<u32> = postings.iter().map(|&(_, r)| r).collect();
        drop(postings);

        let mut pos_first = vec![0usize; np + 1];
        let mut pos: Vec<(u32, u32)> = Vec::new();
        let mut pos_deg_r = vec![0u32; nr];
        let mut count = vec![0u32; nr];
        let mut touched: Vec<u32> = Vec::new();
        let mut keywords: Vec<u32> = Vec::new();
        for p in 0..np {
            if dem[p] > 0
                && let Some(list) = instance.proposal_keywords.get(p)
            {
                keywords.clear();
                keywords.extend_from_slice(list);
                keywords.sort_unstable();
                keywords.dedup();
                for k in &keywords {
                    if let Ok(v) = vocabulary.binary_search(k) {
                        for &r in &index[index_first[v]..index_first[v + 1]] {
                            if count[r as usize] == 0 {
                                touched.push(r);
                            }
                            count[r as usize] += 1;
                        }
                    }
                }
                for &r in &forb[forb_first[p]..forb_first[p + 1]] {
                    count[r as usize] = 0;
                }
                touched.sort_unstable();
                for &r in &touched {
                    let c = std::mem::take(&mut count[r as usize]);
                    if c > 0 {
                        pos.push((r, c));
                        pos_deg_r[r as usize] += 1;
                    }
                }
                touched.clear();
            }
            pos_first[p + 1] = pos.len();
        }

        Prepared {
            demand,
            dem,
            cap,
            eligible_p,
            eligible_r,
            forb_first,
            forb,
            pos_first,
            pos,
            pos_deg_r,
        }
    }

    fn np(&self) -> usize {
        self.dem.len()
    }

    fn nr(&self) -> usize {
        self.cap.len()
    }

    fn forbidden_of(&self, p: usize) -> &[u32] {
        &self.forb[self.forb_first[p]..self.forb_first[p + 1]]
    }

    fn positive_of(&self, p: usize) -> &[(u32, u32)] {
        &self.pos[self.pos_first[p]..self.pos_first[p + 1]]
    }

    fn affinity_of(&self, p: u32, r: u32) -> u32 {
        let list = self.positive_of(p as usize);
        list.binary_search_by_key(&r, |&(rr, _)| rr)
            .map_or(0, |i| list[i].1)
    }

    // Node numbering, a topological order of both networks: source, proposals, hub,
    // reviewers, sink.
    fn source(&self) -> u32 {
        0
    }
    fn proposal_node(&self, p: usize) -> u32 {
        1 + p as u32
    }
    fn hub(&self) -> u32 {
        1 + self.np() as u32
    }
    fn reviewer_node(&self, r: usize) -> u32 {
        2 + (self.np() + r) as u32
    }
    fn sink(&self) -> u32 {
        2 + (self.np() + self.nr()) as u32
    }
    fn node_count(&self) -> usize {
        3 + self.np() + self.nr()
    }

    /// Optimal pairs, and the number of relaxations solved to find them (`None`: the exact
    /// network was needed).
    fn optimal_pairs(&self) -> (Vec<Triple>, Option<usize>) {
        let mut explicit = vec![false; self.np()];
        for round in 1..=RELAXATION_ROUNDS {
            match self.relaxation(&explicit) {
                Ok(pairs) => return (pairs, Some(round)),
                Err(loose) => {
                    for p in loose {
                        explicit[p as usize] = true;
                    }
                }
            }
        }
        (self.full_graph_path(), None)
    }

    /// Solves the relaxation in which proposal `p` has an arc to every allowed reviewer when
    /// `explicit[p]`, and otherwise arcs to its positive-affinity reviewers plus one to the hub.
    /// `Ok` with an optimal assignment when the relaxation's optimum is attained; `Err` with
    /// proposals whose hub flow could not be realised by allowed pairs (to make explicit).
    /// With every proposal explicit this is the exact network, and always `Ok`.
    fn relaxation(&self, explicit: &[bool]) -> Result<Vec<Triple>, Vec<u32>> {
        let (np, nr) = (self.np(), self.nr());
        let hub_in: Vec<u32> = (0..np)
            .map(|p| {
                if explicit[p] {
                    return 0;
                }
                let positive = (self.pos_first[p + 1] - self.pos_first[p]) as u32;
                self.dem[p].min(self.eligible_p[p].saturating_sub(positive))
            })
            .collect();
        let hub_out: Vec<u32> = (0..nr)
            .map(|r| self.cap[r].min(self.eligible_r[r].saturating_sub(self.pos_deg_r[r])))
            .collect();

        let mut net = Network::build(self.node_count(), |emit| {
            for p in 0..np {
                if self.dem[p] > 0 {
                    emit(self.source(), self.proposal_node(p), self.dem[p], 0);
                }
            }
            for p in 0..np {
                if self.dem[p] == 0 {
                    continue;
                }
                if explicit[p] {
                    self.emit_allowed(p, emit);
                    continue;
                }
                for &(r, w) in self.positive_of(p) {
                    emit(
                        self.proposal_node(p),
                        self.reviewer_node(r as usize),
                        1,
                        cost_of(w),
                    );
                }
                if hub_in[p] > 0 {
                    emit(self.proposal_node(p), self.hub(), hub_in[p], 0);
                }
            }
            for (r, &h) in hub_out.iter().enumerate() {
                if h > 0 {
                    emit(self.hub(), self.reviewer_node(r), h, 0);
                }
            }
            for r in 0..nr {
                if self.cap[r] > 0 {
                    emit(self.reviewer_node(r), self.sink(), self.cap[r], 0);
                }
            }
        });
        net.min_cost_max_flow(self.source() as usize, self.sink() as usize);

        let mut direct: Vec<Triple> = Vec::new();
        let mut zero_p = vec![0u32; np];
        let mut zero_r = vec![0u32; nr];
        let first_reviewer = self.reviewer_node(0) as usize;
        for (p, zero) in zero_p.iter_mut().enumerate() {
            let u = self.proposal_node(p) as usize;
            for a in net.arcs(u) {
                let flow = net.flow(a);
                if flow == 0 {
                    continue;
                }
                let v = net.head[a] as usize;
                if v >= first_reviewer {
                    direct.push((
                        p as u32,
                        (v - first_reviewer) as u32,
                        affinity_of_cost(net.cost[a]),
                    ));
                } else if v == self.hub() as usize {
                    *zero = flow;
                }
            }
        }
        for a in net.arcs(self.hub() as usize) {
            let v = net.head[a] as usize;
            if v >= first_reviewer {
                zero_r[v - first_reviewer] = net.flow(a);
            }
        }
        drop(net);

        let zero_pairs = self.decompose(&zero_p, &zero_r, &direct)?;
        direct.extend(
            zero_pairs
                .into_iter()
                .map(|(p, r)| (p, r, self.affinity_of(p, r))),
        );
        Ok(direct)
    }

    #[cfg(test)]
    fn relaxation_path(&self) -> Option<Vec<Triple>> {
        self.relaxation(&vec![false; self.np()]).ok()
    }

    /// An arc from proposal `p` to every allowed reviewer, cost −affinity (zero included).
    fn emit_allowed(&self, p: usize, emit: &mut dyn FnMut(u32, u32, u32, i32)) {
        let forbidden = self.forbidden_of(p);
        let positive = self.positive_of(p);
        let (mut f, mut q) = (0, 0);
        for r in 0..self.nr() as u32 {
            while f < forbidden.len() && forbidden[f] < r {
                f += 1;
            }
            while q < positive.len() && positive[q].0 < r {
                q += 1;
            }
            if self.cap[r as usize] == 0 || forbidden.get(f) == Some(&r) {
                continue;
            }
            let w = positive.get(q).filter(|x| x.0 == r).map_or(0, |x| x.1);
            emit(
                self.proposal_node(p),
                self.reviewer_node(r as usize),
                1,
                cost_of(w),
            );
        }
    }

    /// Realises a hub flow: pairs, neither forbidden nor in `direct`, nor repeated, in which
    /// proposal `p` appears exactly `zero_p[p]` times and reviewer `r` exactly `zero_r[r]`
    /// times. If there are none (the augmenting-path search is exhaustive), `Err` with the
    /// proposals of every failed search: a set whose allowed partners cannot absorb its flow.
    fn decompose(
        &self,
        zero_p: &[u32],
        zero_r: &[u32],
        direct: &[Triple],
    ) -> Result<Vec<(u32, u32)>, Vec<u32>> {
        let (np, nr) = (self.np(), self.nr());
        if zero_p.iter().all(|&z| z == 0) {
            return Ok(Vec::new());
        }
        // `direct` is sorted by proposal.
        let mut direct_first = vec![0usize; np + 1];
        for &(p, _, _) in direct {
            direct_first[p as usize + 1] += 1;
        }
        for p in 0..np {
            direct_first[p + 1] += direct_first[p];
        }
        let mut stamps = Stamps::new(nr);
        let mark_blocked = |stamps: &mut Stamps, p: usize| {
            let id = stamps.next();
            for &r in self.forbidden_of(p) {
                stamps.mark[r as usize] = id;
            }
            for &(_, r, _) in &direct[direct_first[p]..direct_first[p + 1]] {
                stamps.mark[r as usize] = id;
            }
            id
        };

        let mut need: Vec<u32> = zero_p.to_vec();
        let mut room: Vec<u32> = zero_r.to_vec();
        let mut matched_p: Vec<Vec<u32>> = vec![Vec::new(); np];
        let mut matched_r: Vec<Vec<u32>> = vec![Vec::new(); nr];
        let reviewers: Vec<u32> = (0..nr as u32).filter(|&r| zero_r[r as usize] > 0).collect();

        // Greedy: each proposal takes the first open reviewers it is allowed. The scanned
        // prefix of `open` is compacted so that exhausted reviewers are never scanned again.
        let mut open = reviewers.clone();
        let mut start = 0;
        let mut kept: Vec<u32> = Vec::new();
        for p in 0..np {
            if need[p] == 0 {
                continue;
            }
            let id = mark_blocked(&mut stamps, p);
            let mut i = start;
            while i < open.len() && need[p] > 0 {
                let r = open[i];
                i += 1;
                if stamps.mark[r as usize] != id {
                    matched_p[p].push(r);
                    matched_r[r as usize].push(p as u32);
                    room[r as usize] -= 1;
                    need[p] -= 1;
                }
                if room[r as usize] > 0 {
                    kept.push(r);
                }
            }
            let new_start = i - kept.len();
            open[new_start..i].copy_from_slice(&kept);
            start = new_start;
            kept.clear();
        }

        // Augmenting paths for what the greedy pass left.
        let mut visited = Stamps::new(np);
        let mut parent_of_r = vec![0u32; nr];
        let mut via_of_p = vec![0u32; np];
        let mut unvisited: Vec<u32> = Vec::new();
        let mut queue: Vec<u32> = Vec::new();
        let mut failed: Vec<u32> = Vec::new();
        for (p0, need_p0) in need.iter_mut().enumerate() {
            while *need_p0 > 0 {
                let bfs = visited.next();
                visited.mark[p0] = bfs;
                unvisited.clear();
                unvisited.extend_from_slice(&reviewers);
                queue.clear();
                queue.push(p0 as u32);
                let mut head = 0;
                let mut end = None;
                'search: while head < queue.len() {
                    let p = queue[head] as usize;
                    head += 1;
                    let id = mark_blocked(&mut stamps, p);
                    for &r in &matched_p[p] {
                        stamps.mark[r as usize] = id;
                    }
                    let mut keep = 0;
                    for i in 0..unvisited.len() {
                        let r = unvisited[i];
                        if stamps.mark[r as usize] == id {
                            unvisited[keep] = r;
                            keep += 1;
                            continue;
                        }
                        parent_of_r[r as usize] = p as u32;
                        if room[r as usize] > 0 {
                            end = Some(r);
                            break 'search;
                        }
                        for &q in &matched_r[r as usize] {
                            if visited.mark[q as usize] != bfs {
                                visited.mark[q as usize] = bfs;
                                via_of_p[q as usize] = r;
                                queue.push(q);
                            }
                        }
                    }
                    unvisited.truncate(keep);
                }
                let Some(end) = end else {
                    failed.extend_from_slice(&queue);
                    break;
                };
                room[end as usize] -= 1;
                *need_p0 -= 1;
                let mut r = end;
                loop {
                    let p = parent_of_r[r as usize];
                    matched_p[p as usize].push(r);
                    matched_r[r as usize].push(p);
                    if p as usize == p0 {
                        break;
                    }
                    let previous = via_of_p[p as usize];
                    matched_p[p as usize].retain(|&x| x != previous);
                    matched_r[previous as usize].retain(|&x| x != p);
                    r = previous;
                }
            }
        }

        if !failed.is_empty() {
            failed.sort_unstable();
            failed.dedup();
            return Err(failed);
        }
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (p, list) in matched_p.iter().enumerate() {
            pairs.extend(list.iter().map(|&r| (p as u32, r)));
        }
        Ok(pairs)
    }

    /// The exact network: one arc per allowed pair (zero affinity included), no hub.
    fn full_graph_path(&self) -> Vec<Triple> {
        self.relaxation(&vec![true; self.np()]).unwrap_or_default()
    }

    fn solution(&self, mut pairs: Vec<Triple>) -> Solution {
        pairs.sort_unstable();
        let mut assigned = vec![0u32; self.np()];
        let mut total_affinity = 0u64;
        for &(p, _, w) in &pairs {
            assigned[p as usize] += 1;
            total_affinity += u64::from(w);
        }
        let unfilled = (0..self.np())
            .filter(|&p| assigned[p] < self.demand[p])
            .map(|p| Unfilled {
                proposal: p as u32,
                missing: self.demand[p] - assigned[p],
                reason: if self.eligible_p[p] < self.demand[p] {
                    UnfilledReason::NotEnoughEligibleReviewers
                } else {
                    UnfilledReason::ReviewerLoadExhausted
                },
            })
            .collect();
        let pairs = pairs
            .into_iter()
            .map(|(proposal, reviewer, affinity)| Pair {
                proposal,
                reviewer,
                affinity,
            })
            .collect();
        Solution {
            pairs,
            total_affinity,
            unfilled,
        }
    }
}

fn cost_of(affinity: u32) -> i32 {
    -i32::try_from(affinity).unwrap_or(i32::MAX)
}

fn affinity_of_cost(cost: i32) -> u32 {
    cost.unsigned_abs()
}

/// Generation-stamped marks: `next()` invalidates every earlier mark in O(1).
struct Stamps {
    mark: Vec<u32>,
    current: u32,
}

impl Stamps {
    fn new(n: usize) -> Stamps {
        Stamps {
            mark: vec![0; n],
            current: 0,
        }
    }

    fn next(&mut self) -> u32 {
        if self.current == u32::MAX {
            self.mark.fill(0);
            self.current = 0;
        }
        self.current += 1;
        self.current
    }
}

// ---------------------------------------------------------------------------------------------
// Min-cost max-flow: primal–dual (Dijkstra on reduced costs + Dinic on the admissible arcs).

/// A residual network in compressed adjacency form; arc `a` and `rev[a]` are each other's
/// reverse, a forward arc starting with capacity `c` and its reverse with 0.
struct Network {
    first: Vec<u32>,
    head: Vec<u32>,
    rev: Vec<u32>,
    cap: Vec<u32>,
    cost: Vec<i32>,
}

impl Network {
    /// `edges` is called twice (count, then fill) and must emit the same edges both times.
    fn build(n: usize, edges: impl Fn(&mut dyn FnMut(u32, u32, u32, i32))) -> Network {
        let mut first = vec![0u32; n + 1];
        edges(&mut |u, v, _, _| {
            first[u as usize + 1] += 1;
            first[v as usize + 1] += 1;
        });
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let m = first[n] as usize;
        let mut head = vec![0u32; m];
        let mut rev = vec![0u32; m];
        let mut cap = vec![0u32; m];
        let mut cost = vec![0i32; m];
        let mut next: Vec<u32> = first[..n].to_vec();
        edges(&mut |u, v, c, w| {
            let a = next[u as usize];
            next[u as usize] += 1;
            let b = next[v as usize];
            next[v as usize] += 1;
            let (ai, bi) = (a as usize, b as usize);
            head[ai] = v;
            rev[ai] = b;
            cap[ai] = c;
            cost[ai] = w;
            head[bi] = u;
            rev[bi] = a;
            cap[bi] = 0;
            cost[bi] = w.saturating_neg();
        });
        Network {
            first,
            head,
            rev,
            cap,
            cost,
        }
    }

    fn node_count(&self) -> usize {
        self.first.len() - 1
    }

    fn arcs(&self, u: usize) -> std::ops::Range<usize> {
        self.first[u] as usize..self.first[u + 1] as usize
    }

    /// Flow on a forward arc = residual capacity of its reverse.
    fn flow(&self, a: usize) -> u32 {
        self.cap[self.rev[a] as usize]
    }

    /// A maximum flow of minimum cost from `s` to `t`. Requires that every arc with positive
    /// capacity goes from a lower to a higher node index (true of the networks built here), so
    /// that initial potentials come from one pass in index order.
    fn min_cost_max_flow(&mut self, s: usize, t: usize) {
        const INF: i64 = i64::MAX / 4;
        let n = self.node_count();
        if s >= n || t >= n || s == t {
            return;
        }
        // Potentials: shortest distances in the initial DAG from a virtual root joined to
        // every node with cost 0, so every arc with capacity has reduced cost >= 0.
        let mut pi = vec![0i64; n];
        for u in 0..n {
            for a in self.arcs(u) {
                if self.cap[a] > 0 {
                    let v = self.head[a] as usize;
                    let d = pi[u] + i64::from(self.cost[a]);
                    if d < pi[v] {
                        pi[v] = d;
                    }
                }
            }
        }

        let mut dist = vec![INF; n];
        let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
        let mut adm_first = vec![0usize; n + 1];
        let mut adm: Vec<u32> = Vec::new();
        let mut level = vec![u32::MAX; n];
        let mut queue: Vec<u32> = Vec::with_capacity(n);
        let mut current = vec![0usize; n];
        let mut path: Vec<u32> = Vec::new();
        loop {
            // Dijkstra on reduced costs, stopped when t is settled.
            dist.fill(INF);
            dist[s] = 0;
            heap.clear();
            heap.push(Reverse((0, s as u32)));
            while let Some(Reverse((d, u))) = heap.pop() {
                let u = u as usize;
                if d > dist[u] {
                    continue;
                }
                if u == t {
                    break;
                }
                for a in self.arcs(u) {
                    if self.cap[a] == 0 {
                        continue;
                    }
                    let v = self.head[a] as usize;
                    let nd = d + i64::from(self.cost[a]) + pi[u] - pi[v];
                    if nd < dist[v] {
                        dist[v] = nd;
                        heap.push(Reverse((nd, v as u32)));
                    }
                }
            }
            let dt = dist[t];
            if dt >= INF {
                return;
            }
            for v in 0..n {
                pi[v] += dist[v].min(dt);
            }

            // Arcs with zero reduced cost (in either direction, whatever their capacity now:
            // pushing flow keeps both an arc and its reverse at zero).
            adm.clear();
            for u in 0..n {
                for a in self.arcs(u) {
                    let v = self.head[a] as usize;
                    if i64::from(self.cost[a]) + pi[u] - pi[v] == 0 {
                        adm.push(a as u32);
                    }
                }
                adm_first[u + 1] = adm.len();
            }

            // Dinic: maximum flow on the admissible arcs.
            loop {
                level.fill(u32::MAX);
                level[s] = 0;
                queue.clear();
                queue.push(s as u32);
                let mut qi = 0;
                while qi < queue.len() {
                    let u = queue[qi] as usize;
                    qi += 1;
                    if level[t] != u32::MAX && level[u] >= level[t] {
                        break;
                    }
                    for &a in &adm[adm_first[u]..adm_first[u + 1]] {
                        let v = self.head[a as usize] as usize;
                        if self.cap[a as usize] > 0 && level[v] == u32::MAX {
                            level[v] = level[u] + 1;
                            queue.push(v as u32);
                        }
                    }
                }
                if level[t] == u32::MAX {
                    break;
                }
                current[..n].copy_from_slice(&adm_first[..n]);
                path.clear();
                let mut u = s;
                loop {
                    if u == t {
                        // Augment by the bottleneck, then resume from the tail of the first
                        // arc it saturated (current arcs before it still have capacity).
                        let pushed = path
                            .iter()
                            .map(|&a| self.cap[a as usize])
                            .min()
                            .unwrap_or(0);
                        for &a in &path {
                            let a = a as usize;
                            self.cap[a] -= pushed;
                            let b = self.rev[a] as usize;
                            self.cap[b] += pushed;
                        }
                        let cut = path
                            .iter()
                            .position(|&a| self.cap[a as usize] == 0)
                            .unwrap_or(0);
                        u = if path.is_empty() {
                            s
                        } else {
                            self.head[self.rev[path[cut] as usize] as usize] as usize
                        };
                        path.truncate(cut);
                        continue;
                    }
                    let mut advanced = false;
                    while current[u] < adm_first[u + 1] {
                        let a = adm[current[u]] as usize;
                        let v = self.head[a] as usize;
                        if self.cap[a] > 0 && level[v] == level[u] + 1 {
                            path.push(a as u32);
                            u = v;
                            advanced = true;
                            break;
                        }
                        current[u] += 1;
                    }
                    if advanced {
                        continue;
                    }
                    // Dead end: prune u and retreat.
                    level[u] = u32::MAX;
                    match path.pop() {
                        None => break,
                        Some(a) => {
                            u = self.head[self.rev[a as usize] as usize] as usize;
                            current[u] += 1;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so that the tests need no extra crate.
    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in `0..=max`.
        fn upto(&mut self, max: u32) -> u32 {
            (self.next() % (u64::from(max) + 1)) as u32
        }

        fn chance(&mut self, per_mille: u32) -> bool {
            self.next() % 1000 < u64::from(per_mille)
        }
    }

    struct Shape {
        proposals: u32,
        reviewers: u32,
        demand: (u32, u32),
        capacity: (u32, u32),
        vocabulary: u32,
        keywords: u32,
        forbidden_per_mille: u32,
    }

    fn random_instance(rng: &mut SplitMix, shape: &Shape) -> Instance {
        let np = shape.proposals;
        let nr = shape.reviewers;
        let range = |rng: &mut SplitMix, (lo, hi): (u32, u32)| lo + rng.upto(hi - lo);
        let keywords = |rng: &mut SplitMix| -> Vec<u32> {
            (0..rng.upto(shape.keywords))
                .map(|_| rng.upto(shape.vocabulary.max(1) - 1))
                .collect()
        };
        let mut forbidden = Vec::new();
        for p in 0..np {
            for r in 0..nr {
                if rng.chance(shape.forbidden_per_mille) {
                    forbidden.push((p, r));
                    if rng.chance(200) {
                        forbidden.push((p, r));
                    }
                }
            }
        }
        // Unsorted, with out-of-range junk.
        for i in (1..forbidden.len()).rev() {
            let j = rng.upto(i as u32) as usize;
            forbidden.swap(i, j);
        }
        if rng.chance(300) {
            forbidden.push((np + rng.upto(3), 0));
            forbidden.push((0, nr + rng.upto(3)));
        }
        Instance {
            demand: (0..np).map(|_| range(rng, shape.demand)).collect(),
            capacity: (0..nr).map(|_| range(rng, shape.capacity)).collect(),
            proposal_keywords: (0..np).map(|_| keywords(rng)).collect(),
            reviewer_keywords: (0..nr).map(|_| keywords(rng)).collect(),
            forbidden,
        }
    }

    fn keywords_of(list: &[Vec<u32>], i: u32) -> &[u32] {
        list.get(i as usize).map_or(&[], |k| k.as_slice())
    }

    fn is_forbidden(instance: &Instance, p: u32, r: u32) -> bool {
        instance.forbidden.contains(&(p, r))
    }

    fn eligible_count(instance: &Instance, p: u32) -> u32 {
        (0..instance.capacity.len() as u32)
            .filter(|&r| instance.capacity[r as usize] > 0 && !is_forbidden(instance, p, r))
            .count() as u32
    }

    /// Every promise of `Solution`, checked from the instance alone.
    fn assert_feasible(instance: &Instance, solution: &Solution) {
        let np = instance.demand.len();
        let nr = instance.capacity.len();
        let mut per_p = vec![0u32; np];
        let mut per_r = vec![0u32; nr];
        let mut total = 0u64;
        for w in solution.pairs.windows(2) {
            assert!(
                (w[0].proposal, w[0].reviewer) < (w[1].proposal, w[1].reviewer),
                "sorted, no repeats"
            );
        }
        for pair in &solution.pairs {
            assert!((pair.proposal as usize) < np && (pair.reviewer as usize) < nr);
            assert!(
                !is_forbidden(instance, pair.proposal, pair.reviewer),
                "forbidden pair {pair:?}"
            );
            let expected = affinity(
                keywords_of(&instance.proposal_keywords, pair.proposal),
                keywords_of(&instance.reviewer_keywords, pair.reviewer),
            );
            assert_eq!(pair.affinity, expected);
            per_p[pair.proposal as usize] += 1;
            per_r[pair.reviewer as usize] += 1;
            total += u64::from(pair.affinity);
        }
        assert_eq!(total, solution.total_affinity);
        for (r, &n) in per_r.iter().enumerate() {
            assert!(n <= instance.capacity[r], "reviewer {r} over load");
        }
        let mut expected_unfilled = Vec::new();
        for (p, &n) in per_p.iter().enumerate() {
            assert!(n <= instance.demand[p], "proposal {p} over demand");
            if n < instance.demand[p] {
                let reason = if eligible_count(instance, p as u32) < instance.demand[p] {
                    UnfilledReason::NotEnoughEligibleReviewers
                } else {
                    UnfilledReason::ReviewerLoadExhausted
                };
                expected_unfilled.push(Unfilled {
                    proposal: p as u32,
                    missing: instance.demand[p] - n,
                    reason,
                });
            }
        }
        assert_eq!(solution.unfilled, expected_unfilled);
    }

    fn allowed_pairs(instance: &Instance) -> Vec<Triple> {
        let mut pairs = Vec::new();
        for p in 0..instance.demand.len() as u32 {
            for r in 0..instance.capacity.len() as u32 {
                if !is_forbidden(instance, p, r) {
                    let w = affinity(
                        keywords_of(&instance.proposal_keywords, p),
                        keywords_of(&instance.reviewer_keywords, r),
                    );
                    pairs.push((p, r, w));
                }
            }
        }
        pairs
    }

    /// The lexicographic optimum (pairs, affinity) over every subset of allowed pairs.
    fn brute_force(instance: &Instance) -> (usize, u64) {
        fn go(
            pairs: &[Triple],
            i: usize,
            demand: &mut [u32],
            capacity: &mut [u32],
            count: usize,
            total: u64,
            best: &mut (usize, u64),
        ) {
            if (count, total) > *best {
                *best = (count, total);
            }
            if i == pairs.len() {
                return;
            }
            let (p, r, w) = pairs[i];
            if demand[p as usize] > 0 && capacity[r as usize] > 0 {
                demand[p as usize] -= 1;
                capacity[r as usize] -= 1;
                go(
                    pairs,
                    i + 1,
                    demand,
                    capacity,
                    count + 1,
                    total + u64::from(w),
                    best,
                );
                demand[p as usize] += 1;
                capacity[r as usize] += 1;
            }
            go(pairs, i + 1, demand, capacity, count, total, best);
        }
        let pairs = allowed_pairs(instance);
        let mut best = (0, 0);
        go(
            &pairs,
            0,
            &mut instance.demand.clone(),
            &mut instance.capacity.clone(),
            0,
            0,
            &mut best,
        );
        best
    }

    /// An independent exact reference: successive shortest paths, one unit at a time, with
    /// Bellman–Ford (queue-based) on the explicit network, written as plainly as possible.
    fn reference(instance: &Instance) -> (usize, u64) {
        let np = instance.demand.len();
        let nr = instance.capacity.len();
        let (s, t) = (np + nr, np + nr + 1);
        let n = np + nr + 2;
        // (to, capacity, cost, reverse index) adjacency lists.
        let mut g: Vec<Vec<(usize, i64, i64, usize)>> = vec![Vec::new(); n];
        fn add(g: &mut [Vec<(usize, i64, i64, usize)>], u: usize, v: usize, c: i64, w: i64) {
            let (iu, iv) = (g[u].len(), g[v].len());
            g[u].push((v, c, w, iv));
            g[v].push((u, 0, -w, iu));
        }
        for p in 0..np {
            add(&mut g, s, p, i64::from(instance.demand[p]), 0);
        }
        for (p, r, w) in allowed_pairs(instance) {
            add(&mut g, p as usize, np + r as usize, 1, -i64::from(w));
        }
        for r in 0..nr {
            add(&mut g, np + r, t, i64::from(instance.capacity[r]), 0);
        }
        let (mut flow, mut cost) = (0usize, 0i64);
        loop {
            let mut dist = vec![i64::MAX; n];
            let mut parent = vec![(usize::MAX, usize::MAX); n];
            let mut in_queue = vec![false; n];
            let mut queue = std::collections::VecDeque::from([s]);
            dist[s] = 0;
            while let Some(u) = queue.pop_front() {
                in_queue[u] = false;
                for (i, &(v, c, w, _)) in g[u].iter().enumerate() {
                    if c > 0 && dist[u] + w < dist[v] {
                        dist[v] = dist[u] + w;
                        parent[v] = (u, i);
                        if !in_queue[v] {
                            in_queue[v] = true;
                            queue.push_back(v);
                        }
                    }
                }
            }
            if dist[t] == i64::MAX {
                break;
            }
            let mut v = t;
            while v != s {
                let (u, i) = parent[v];
                g[u][i].1 -= 1;
                let j = g[u][i].3;
                g[v][j].1 += 1;
                v = u;
            }
            flow += 1;
            cost += dist[t];
        }
        (flow, (-cost) as u64)
    }

    fn objective(solution: &Solution) -> (usize, u64) {
        (solution.pairs.len(), solution.total_affinity)
    }

    fn objective_of(pairs: &[Triple]) -> (usize, u64) {
        (
            pairs.len(),
            pairs.iter().map(|&(_, _, w)| u64::from(w)).sum(),
        )
    }

    #[test]
    fn affinity_counts_distinct_shared_keywords() {
        assert_eq!(affinity(&[1, 2, 3], &[3, 2, 9]), 2);
        assert_eq!(affinity(&[1, 1, 1], &[1, 1]), 1);
        assert_eq!(affinity(&[5, 4, 5, 4], &[4, 4, 5]), 2);
        assert_eq!(affinity(&[], &[1]), 0);
        assert_eq!(affinity(&[1, 2], &[3, 4]), 0);
        assert_eq!(affinity(&[u32::MAX, 0], &[0, u32::MAX]), 2);
    }

    #[test]
    fn matches_brute_force_on_small_random_instances() {
        let mut rng = SplitMix(2024);
        let mut unfilled_seen = 0;
        let mut refined_seen = 0;
        let mut full_graph_seen = 0;
        for case in 0..800 {
            let shape = Shape {
                proposals: rng.upto(4),
                reviewers: rng.upto(4),
                demand: (0, 3),
                capacity: (0, 3),
                vocabulary: 1 + rng.upto(6),
                keywords: rng.upto(4),
                forbidden_per_mille: [0, 150, 400, 800][case % 4],
            };
            let instance = random_instance(&mut rng, &shape);
            let solution = solve(&instance);
            assert_feasible(&instance, &solution);
            assert_eq!(
                objective(&solution),
                brute_force(&instance),
                "case {case}: {instance:?}"
            );
            unfilled_seen += usize::from(!solution.unfilled.is_empty());
            match Prepared::new(&instance).optimal_pairs().1 {
                Some(1) => {}
                Some(_) => refined_seen += 1,
                None => full_graph_seen += 1,
            }
        }
        assert!(
            unfilled_seen > 100,
            "the generator must produce infeasible instances too"
        );
        assert!(
            refined_seen > 0,
            "the generator must exercise refined relaxations too"
        );
        // Whether the exact network is ever needed here is not asserted: it is exercised
        // directly by the tests that call `full_graph_path`.
        let _ = full_graph_seen;
    }

    #[test]
    fn relaxation_and_full_graph_agree_with_an_independent_reference() {
        let mut rng = SplitMix(99);
        let mut relaxation_used = 0;
        for case in 0..60 {
            let shape = Shape {
                proposals: 1 + rng.upto(14),
                reviewers: 1 + rng.upto(9),
                demand: (0, 4),
                capacity: (0, 5),
                vocabulary: 2 + rng.upto(30),
                keywords: rng.upto(5),
                forbidden_per_mille: [0, 50, 300, 700][case % 4],
            };
            let instance = random_instance(&mut rng, &shape);
            let prepared = Prepared::new(&instance);
            let expected = reference(&instance);
            assert_eq!(
                objective_of(&prepared.full_graph_path()),
                expected,
                "case {case}"
            );
            if let Some(pairs) = prepared.relaxation_path() {
                relaxation_used += 1;
                assert_eq!(objective_of(&pairs), expected, "case {case}");
            }
            let solution = solve(&instance);
            assert_feasible(&instance, &solution);
            assert_eq!(objective(&solution), expected);
        }
        assert!(relaxation_used >= 20, "{relaxation_used}");
    }

    #[test]
    fn medium_instance_fast_path_matches_full_graph() {
        let mut rng = SplitMix(60_30);
        for vocabulary in [40, 400] {
            // A large vocabulary leaves most pairs at zero affinity, so the hub carries flow.
            let shape = Shape {
                proposals: 60,
                reviewers: 30,
                demand: (1, 3),
                capacity: (4, 7),
                vocabulary,
                keywords: 6,
                forbidden_per_mille: 50,
            };
            let instance = random_instance(&mut rng, &shape);
            let prepared = Prepared::new(&instance);
            let fast = prepared
                .relaxation_path()
                .expect("the relaxation bound is attained");
            let full = prepared.full_graph_path();
            assert_eq!(objective_of(&fast), objective_of(&full));
            assert_eq!(objective_of(&full), reference(&instance));
            let solution = solve(&instance);
            assert_feasible(&instance, &solution);
            assert!(
                solution.unfilled.is_empty(),
                "total load exceeds total demand"
            );
        }
    }

    #[test]
    fn hub_flow_is_decomposed_around_forbidden_and_direct_pairs() {
        // No keywords at all: everything goes through the hub, and the greedy pass alone would
        // give proposal 2 only reviewers it may not take.
        let instance = Instance {
            demand: vec![2, 2, 2],
            capacity: vec![2, 2, 2],
            proposal_keywords: vec![],
            reviewer_keywords: vec![],
            forbidden: vec![(2, 0), (2, 1), (1, 2)],
        };
        let prepared = Prepared::new(&instance);
        let pairs = prepared.relaxation_path().expect("decomposable");
        assert_eq!(pairs.len(), 5);
        let solution = solve(&instance);
        assert_feasible(&instance, &solution);
        assert_eq!(objective(&solution), (5, 0));
        assert_eq!(
            solution.unfilled,
            vec![Unfilled {
                proposal: 2,
                missing: 1,
                reason: UnfilledReason::NotEnoughEligibleReviewers
            }]
        );

        // Greedy gives reviewer 0 to proposal 0, which leaves proposal 1 (forbidden with
        // reviewer 1) nothing: an augmenting path moves proposal 0 to reviewer 1.
        let instance = Instance {
            demand: vec![1, 1],
            capacity: vec![1, 1],
            forbidden: vec![(1, 1)],
            ..Instance::default()
        };
        let prepared = Prepared::new(&instance);
        let mut pairs = prepared
            .decompose(&[1, 1], &[1, 1], &[])
            .expect("decomposable");
        pairs.sort_unstable();
        assert_eq!(pairs, [(0, 1), (1, 0)]);
        let mut pairs = prepared.relaxation_path().expect("decomposable");
        pairs.sort_unstable();
        assert_eq!(pairs, [(0, 1, 0), (1, 0, 0)]);
        // A hub flow that no allowed pairs realise is refused.
        assert_eq!(prepared.decompose(&[0, 1], &[0, 1], &[]), Err(vec![1]));
    }

    #[test]
    fn falls_back_to_the_exact_network_when_the_relaxation_is_loose() {
        // Proposals 0 and 1 may only take reviewer 0 (load 1); proposal 2 takes 1 or 2. The hub
        // relaxation sends three units, but only two pairs exist together.
        let instance = Instance {
            demand: vec![1, 1, 1],
            capacity: vec![1, 1, 1],
            proposal_keywords: vec![vec![], vec![], vec![7]],
            reviewer_keywords: vec![vec![], vec![7], vec![]],
            forbidden: vec![(0, 1), (0, 2), (1, 1), (1, 2), (2, 0)],
        };
        let prepared = Prepared::new(&instance);
        assert!(prepared.relaxation_path().is_none());
        // Proposals 0 and 1 get explicit arcs, and the next relaxation is exact.
        assert_eq!(prepared.relaxation(&[false, false, false]), Err(vec![0, 1]));
        assert!(prepared.relaxation(&[true, true, false]).is_ok());
        let (pairs, rounds) = prepared.optimal_pairs();
        assert_eq!(rounds, Some(2));
        assert_eq!(
            objective_of(&pairs),
            objective_of(&prepared.full_graph_path())
        );
        let solution = solve(&instance);
        assert_feasible(&instance, &solution);
        assert_eq!(
            solution.pairs,
            vec![
                Pair {
                    proposal: 0,
                    reviewer: 0,
                    affinity: 0
                },
                Pair {
                    proposal: 2,
                    reviewer: 1,
                    affinity: 1
                }
            ]
        );
        assert_eq!(
            solution.unfilled,
            vec![Unfilled {
                proposal: 1,
                missing: 1,
                reason: UnfilledReason::ReviewerLoadExhausted
            }]
        );
    }

    #[test]
    fn fills_every_slot_before_maximising_affinity() {
        // Reviewer 0 fits proposal 0 perfectly, but giving it to proposal 0 would leave proposal
        // 1 (which only reviewer 0 may review) empty.
        let instance = Instance {
            demand: vec![1, 1],
            capacity: vec![1, 1],
            proposal_keywords: vec![vec![1, 2, 3], vec![]],
            reviewer_keywords: vec![vec![1, 2, 3], vec![]],
            forbidden: vec![(1, 1)],
        };
        let solution = solve(&instance);
        assert_feasible(&instance, &solution);
        assert_eq!(objective(&solution), (2, 0));
        assert!(solution.unfilled.is_empty());
    }

    #[test]
    fn respects_loads_and_prefers_affinity() {
        let instance = Instance {
            demand: vec![1, 1, 1],
            capacity: vec![2, 5],
            proposal_keywords: vec![vec![1], vec![1], vec![1]],
            reviewer_keywords: vec![vec![1], vec![2]],
            forbidden: vec![],
        };
        let solution = solve(&instance);
        assert_feasible(&instance, &solution);
        assert_eq!(objective(&solution), (3, 2));
        assert_eq!(solution.pairs.iter().filter(|p| p.reviewer == 0).count(), 2);
    }

    #[test]
    fn reports_unfilled_reasons() {
        let instance = Instance {
            // 0: three slots, two eligible reviewers. 1, 2: one slot each, one shared
            // reviewer, who fits 1 better.
            demand: vec![3, 1, 1, 0],
            capacity: vec![1, 1, 0],
            proposal_keywords: vec![vec![], vec![5], vec![]],
            reviewer_keywords: vec![vec![5]],
            forbidden: vec![(1, 1), (2, 1), (1, 2), (3, 0)],
        };
        let solution = solve(&instance);
        assert_feasible(&instance, &solution);
        assert_eq!(
            solution.pairs,
            vec![
                Pair {
                    proposal: 0,
                    reviewer: 1,
                    affinity: 0
                },
                Pair {
                    proposal: 1,
                    reviewer: 0,
                    affinity: 1
                }
            ]
        );
        let reasons: Vec<(u32, u32, &str)> = solution
            .unfilled
            .iter()
            .map(|u| (u.proposal, u.missing, u.reason.code()))
            .collect();
        assert_eq!(
            reasons,
            [
                (0, 2, "not_enough_eligible_reviewers"),
                (2, 1, "reviewer_load_exhausted")
            ]
        );
        assert!(!UnfilledReason::ReviewerLoadExhausted.describe().is_empty());
        assert!(
            !UnfilledReason::NotEnoughEligibleReviewers
                .describe()
                .is_empty()
        );
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let empty = solve(&Instance::default());
        assert_eq!(
            empty,
            Solution {
                pairs: vec![],
                total_affinity: 0,
                unfilled: vec![]
            }
        );

        let no_reviewers = Instance {
            demand: vec![2, 0],
            ..Instance::default()
        };
        let solution = solve(&no_reviewers);
        assert_feasible(&no_reviewers, &solution);
        assert_eq!(
            solution.unfilled,
            vec![Unfilled {
                proposal: 0,
                missing: 2,
                reason: UnfilledReason::NotEnoughEligibleReviewers
            }]
        );

        let no_proposals = Instance {
            capacity: vec![3],
            reviewer_keywords: vec![vec![1]],
            ..Instance::default()
        };
        assert_eq!(solve(&no_proposals).pairs, vec![]);

        // Out-of-range forbidden pairs, keyword lists longer or shorter than the instance,
        // huge demands and loads.
        let odd = Instance {
            demand: vec![u32::MAX, 1],
            capacity: vec![u32::MAX, 0, 1],
            proposal_keywords: vec![vec![3, 3, 3]],
            reviewer_keywords: vec![vec![3], vec![3], vec![3], vec![3]],
            forbidden: vec![(9, 0), (0, 9), (u32::MAX, u32::MAX), (1, 2)],
        };
        let solution = solve(&odd);
        assert_feasible(&odd, &solution);
        assert_eq!(objective(&solution), (3, 2));

        let all_forbidden = Instance {
            demand: vec![1, 1],
            capacity: vec![1, 1],
            forbidden: vec![(0, 0), (0, 1), (1, 0), (1, 1)],
            ..Instance::default()
        };
        let solution = solve(&all_forbidden);
        assert_feasible(&all_forbidden, &solution);
        assert!(solution.pairs.is_empty());
    }

    #[test]
    fn deterministic_and_independent_of_input_order() {
        let mut rng = SplitMix(5);
        let shape = Shape {
            proposals: 80,
            reviewers: 40,
            demand: (1, 3),
            capacity: (1, 6),
            vocabulary: 30,
            keywords: 6,
            forbidden_per_mille: 80,
        };
        let instance = random_instance(&mut rng, &shape);
        let first = solve(&instance);
        assert_eq!(first, solve(&instance));
        assert_feasible(&instance, &first);

        let mut shuffled = instance.clone();
        shuffled.forbidden.reverse();
        shuffled
            .forbidden
            .extend_from_slice(&instance.forbidden[..10]);
        for keywords in shuffled
            .proposal_keywords
            .iter_mut()
            .chain(shuffled.reviewer_keywords.iter_mut())
        {
            keywords.reverse();
            if let Some(&k) = keywords.first() {
                keywords.push(k);
            }
        }
        assert_eq!(first, solve(&shuffled));
    }

    #[test]
    fn larger_instance_through_the_relaxation() {
        // Big enough to exercise many phases, small enough for a debug build.
        let mut rng = SplitMix(77);
        let shape = Shape {
            proposals: 400,
            reviewers: 160,
            demand: (2, 2),
            capacity: (5, 6),
            vocabulary: 120,
            keywords: 10,
            forbidden_per_mille: 10,
        };
        let instance = random_instance(&mut rng, &shape);
        let prepared = Prepared::new(&instance);
        let fast = prepared
            .relaxation_path()
            .expect("the relaxation bound is attained");
        assert_eq!(
            objective_of(&fast),
            objective_of(&prepared.full_graph_path())
        );
        let solution = solve(&instance);
        assert_feasible(&instance, &solution);
        assert_eq!(solution.pairs.len(), 800);
    }

    /// A longer randomized comparison; run with `cargo test --release -- --ignored`.
    #[test]
    #[ignore]
    fn stress_against_the_reference() {
        let mut rng = SplitMix(31_337);
        let mut rounds_histogram = [0usize; RELAXATION_ROUNDS + 2];
        for case in 0..3_000 {
            let shape = Shape {
                proposals: 1 + rng.upto(40),
                reviewers: 1 + rng.upto(20),
                demand: (0, 1 + rng.upto(4)),
                capacity: (0, 1 + rng.upto(6)),
                vocabulary: 2 + rng.upto(200),
                keywords: rng.upto(8),
                forbidden_per_mille: [0, 20, 100, 400, 800, 950][case % 6],
            };
            let instance = random_instance(&mut rng, &shape);
            let prepared = Prepared::new(&instance);
            let expected = reference(&instance);
            let (pairs, rounds) = prepared.optimal_pairs();
            rounds_histogram[rounds.unwrap_or(RELAXATION_ROUNDS + 1)] += 1;
            assert_eq!(objective_of(&pairs), expected, "case {case}");
            assert_eq!(
                objective_of(&prepared.full_graph_path()),
                expected,
                "case {case}"
            );
            assert_feasible(&instance, &prepared.solution(pairs));
        }
        eprintln!(
            "relaxation rounds needed (index {} = exact network): {rounds_histogram:?}",
            RELAXATION_ROUNDS + 1
        );
    }
}
