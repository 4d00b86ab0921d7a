//! Building the flow networks (the hub relaxations and the exact network) from the prepared
//! instance, and reading an assignment back from their optimal flows.

use super::flow::Network;
use super::prepared::Prepared;
use super::{Pair, Solution, Unfilled, UnfilledReason};

/// How many relaxations are tried, each with more proposals given explicit arcs, before the
/// exact network with every allowed pair is solved.
pub(super) const RELAXATION_ROUNDS: usize = 3;

/// `(proposal, reviewer, affinity)`.
pub(super) type Triple = (u32, u32, u32);

impl Prepared {
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
    pub(super) fn optimal_pairs(&self) -> (Vec<Triple>, Option<usize>) {
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
    pub(super) fn relaxation(&self, explicit: &[bool]) -> Result<Vec<Triple>, Vec<u32>> {
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
                let v = net.head(a);
                if v >= first_reviewer {
                    direct.push((
                        p as u32,
                        (v - first_reviewer) as u32,
                        affinity_of_cost(net.cost(a)),
                    ));
                } else if v == self.hub() as usize {
                    *zero = flow;
                }
            }
        }
        for a in net.arcs(self.hub() as usize) {
            let v = net.head(a);
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
    pub(super) fn relaxation_path(&self) -> Option<Vec<Triple>> {
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

    /// The exact network: one arc per allowed pair (zero affinity included), no hub.
    pub(super) fn full_graph_path(&self) -> Vec<Triple> {
        self.relaxation(&vec![true; self.np()]).unwrap_or_default()
    }

    pub(super) fn solution(&self, mut pairs: Vec<Triple>) -> Solution {
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
