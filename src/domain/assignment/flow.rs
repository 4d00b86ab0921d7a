//! Min-cost max-flow: primal–dual (Dijkstra on reduced costs + Dinic on the admissible arcs).
//!
//! A generic residual network over numbered nodes; it knows nothing of proposals or reviewers.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A residual network in compressed adjacency form; arc `a` and `rev[a]` are each other's
/// reverse, a forward arc starting with capacity `c` and its reverse with 0.
pub(super) struct Network {
    first: Vec<u32>,
    head: Vec<u32>,
    rev: Vec<u32>,
    cap: Vec<u32>,
    cost: Vec<i32>,
}

impl Network {
    /// `edges` is called twice (count, then fill) and must emit the same edges both times.
    pub(super) fn build(n: usize, edges: impl Fn(&mut dyn FnMut(u32, u32, u32, i32))) -> Network {
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

    pub(super) fn arcs(&self, u: usize) -> std::ops::Range<usize> {
        self.first[u] as usize..self.first[u + 1] as usize
    }

    /// The node arc `a` points to.
    pub(super) fn head(&self, a: usize) -> usize {
        self.head[a] as usize
    }

    /// The cost of arc `a` (a reverse arc costs the negation of its forward arc).
    pub(super) fn cost(&self, a: usize) -> i32 {
        self.cost[a]
    }

    /// Flow on a forward arc = residual capacity of its reverse.
    pub(super) fn flow(&self, a: usize) -> u32 {
        self.cap[self.rev[a] as usize]
    }

    /// A maximum flow of minimum cost from `s` to `t`. Requires that every arc with positive
    /// capacity goes from a lower to a higher node index (the caller numbers the nodes in a
    /// topological order), so that initial potentials come from one pass in index order.
    pub(super) fn min_cost_max_flow(&mut self, s: usize, t: usize) {
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
