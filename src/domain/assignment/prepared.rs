//! Preparation: cleaned forbidden lists, eligibility counts, positive-affinity pairs.

use super::Instance;

pub(super) struct Prepared {
    pub(super) demand: Vec<u32>,
    /// Demand capped at the number of eligible reviewers.
    pub(super) dem: Vec<u32>,
    /// Load capped at the number of eligible proposals.
    pub(super) cap: Vec<u32>,
    /// Per proposal: reviewers with load > 0 that are not forbidden for it.
    pub(super) eligible_p: Vec<u32>,
    /// Per reviewer: proposals with demand > 0 for which it is not forbidden.
    pub(super) eligible_r: Vec<u32>,
    /// Forbidden reviewers per proposal, sorted and deduplicated (CSR).
    forb_first: Vec<usize>,
    forb: Vec<u32>,
    /// Allowed pairs with positive affinity between proposals with `dem > 0` and reviewers with
    /// `cap > 0`, per proposal sorted by reviewer (CSR of `(reviewer, affinity)`).
    pub(super) pos_first: Vec<usize>,
    pos: Vec<(u32, u32)>,
    /// Number of positive-affinity pairs per reviewer.
    pub(super) pos_deg_r: Vec<u32>,
}

impl Prepared {
    pub(super) fn new(instance: &Instance) -> Prepared {
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

    pub(super) fn np(&self) -> usize {
        self.dem.len()
    }

    pub(super) fn nr(&self) -> usize {
        self.cap.len()
    }

    pub(super) fn forbidden_of(&self, p: usize) -> &[u32] {
        &self.forb[self.forb_first[p]..self.forb_first[p + 1]]
    }

    pub(super) fn positive_of(&self, p: usize) -> &[(u32, u32)] {
        &self.pos[self.pos_first[p]..self.pos_first[p + 1]]
    }

    pub(super) fn affinity_of(&self, p: u32, r: u32) -> u32 {
        let list = self.positive_of(p as usize);
        list.binary_search_by_key(&r, |&(rr, _)| rr)
            .map_or(0, |i| list[i].1)
    }
}
