//! Realising a hub flow as concrete zero-affinity pairs: a degree-constrained bipartite
//! matching in the dense complement of the forbidden and direct pairs.

use super::prepared::Prepared;
use super::relaxation::Triple;

impl Prepared {
    /// Realises a hub flow: pairs, neither forbidden nor in `direct`, nor repeated, in which
    /// proposal `p` appears exactly `zero_p[p]` times and reviewer `r` exactly `zero_r[r]`
    /// times. If there are none (the augmenting-path search is exhaustive), `Err` with the
    /// proposals of every failed search: a set whose allowed partners cannot absorb its flow.
    pub(super) fn decompose(
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
