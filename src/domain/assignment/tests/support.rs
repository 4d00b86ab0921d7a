//! Test support: a deterministic instance generator, a feasibility check of every promise of
//! `Solution`, and two independent exact references (brute force, successive shortest paths).

use crate::domain::assignment::relaxation::Triple;
use crate::domain::assignment::{Instance, Solution, Unfilled, UnfilledReason, affinity};

pub(super) use crate::domain::test_rng::SplitMix;

pub(super) struct Shape {
    pub(super) proposals: u32,
    pub(super) reviewers: u32,
    pub(super) demand: (u32, u32),
    pub(super) capacity: (u32, u32),
    pub(super) vocabulary: u32,
    pub(super) keywords: u32,
    pub(super) forbidden_per_mille: u32,
}

pub(super) fn random_instance(rng: &mut SplitMix, shape: &Shape) -> Instance {
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
pub(super) fn assert_feasible(instance: &Instance, solution: &Solution) {
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
pub(super) fn brute_force(instance: &Instance) -> (usize, u64) {
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
pub(super) fn reference(instance: &Instance) -> (usize, u64) {
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

pub(super) fn objective(solution: &Solution) -> (usize, u64) {
    (solution.pairs.len(), solution.total_affinity)
}

pub(super) fn objective_of(pairs: &[Triple]) -> (usize, u64) {
    (
        pairs.len(),
        pairs.iter().map(|&(_, _, w)| u64::from(w)).sum(),
    )
}
