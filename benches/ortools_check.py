#!/usr/bin/env python3
"""Independent check of the reviewer-assignment optimum (issue 4) with Google OR-tools.

Reads the instance JSON written by `cargo bench --bench assignment` and solves the *complete*
min-cost flow: source -> proposal (capacity = demand) -> reviewer (one arc per allowed pair,
capacity 1, cost -affinity) -> sink (capacity = load), with OR-tools' SimpleMinCostFlow
`solve_max_flow_with_min_cost()` (a maximum flow of minimum cost, so instances that cannot be
filled work too). Affinity = number of distinct shared keyword ids, as in the Rust solver.

Prints one JSON object: assigned pairs, total affinity, and the build and solve times.

Usage: ortools_check.py [target/bench/assignment-instance.json]
"""

import json
import resource
import sys
import time

import numpy as np
from ortools.graph.python import min_cost_flow


def incidence(keyword_lists, vocabulary):
    """0/1 matrix rows x vocabulary; duplicates within a list count once."""
    matrix = np.zeros((len(keyword_lists), vocabulary), dtype=np.float32)
    rows = np.repeat(np.arange(len(keyword_lists)), [len(k) for k in keyword_lists])
    cols = np.fromiter((k for ks in keyword_lists for k in ks), dtype=np.int64, count=len(rows))
    matrix[rows, cols] = 1.0
    return matrix


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "target/bench/assignment-instance.json"
    started = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        instance = json.load(f)
    demand = np.asarray(instance["demand"], dtype=np.int64)
    capacity = np.asarray(instance["capacity"], dtype=np.int64)
    n_p, n_r = len(demand), len(capacity)
    proposal_keywords = (instance["proposal_keywords"] + [[]] * n_p)[:n_p]
    reviewer_keywords = (instance["reviewer_keywords"] + [[]] * n_r)[:n_r]
    forbidden = np.asarray(instance["forbidden"], dtype=np.int64).reshape(-1, 2)
    load_s = time.perf_counter() - started

    started = time.perf_counter()
    # Keyword ids may be sparse: compress them to 0..V.
    all_keywords = np.unique(np.fromiter(
        (k for ks in proposal_keywords + reviewer_keywords for k in ks), dtype=np.int64))
    remap = {int(k): i for i, k in enumerate(all_keywords)}
    vocabulary = max(len(all_keywords), 1)
    a = incidence([[remap[k] for k in ks] for ks in proposal_keywords], vocabulary)
    b = incidence([[remap[k] for k in ks] for ks in reviewer_keywords], vocabulary)
    affinity = np.rint(a @ b.T).astype(np.int64)  # n_p x n_r, exact small integers
    del a, b

    allowed = np.ones((n_p, n_r), dtype=bool)
    if len(forbidden):
        inside = (forbidden[:, 0] < n_p) & (forbidden[:, 1] < n_r)
        allowed[forbidden[inside, 0], forbidden[inside, 1]] = False
    allowed &= (demand > 0)[:, None]
    allowed &= (capacity > 0)[None, :]
    p_idx, r_idx = np.nonzero(allowed)
    costs = -affinity[p_idx, r_idx]
    del allowed, affinity

    source, sink = 0, n_p + n_r + 1
    proposal_nodes = 1 + np.arange(n_p, dtype=np.int64)
    reviewer_nodes = 1 + n_p + np.arange(n_r, dtype=np.int64)
    tails = np.concatenate([np.full(n_p, source), 1 + p_idx, reviewer_nodes])
    heads = np.concatenate([proposal_nodes, 1 + n_p + r_idx, np.full(n_r, sink)])
    caps = np.concatenate([demand, np.ones(len(p_idx), dtype=np.int64), capacity])
    unit_costs = np.concatenate([np.zeros(n_p, dtype=np.int64), costs, np.zeros(n_r, dtype=np.int64)])
    pair_arcs = len(p_idx)
    del p_idx, r_idx, costs

    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, unit_costs)
    total = int(demand.sum())
    smcf.set_node_supply(source, total)
    smcf.set_node_supply(sink, -total)
    del tails, heads, caps, unit_costs
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    status = smcf.solve_max_flow_with_min_cost()
    solve_s = time.perf_counter() - started
    if status != smcf.OPTIMAL:
        print(json.dumps({"status": str(status)}))
        sys.exit(1)

    print(json.dumps({
        "status": "optimal",
        "proposals": n_p,
        "reviewers": n_r,
        "pair_arcs": pair_arcs,
        "assigned": int(smcf.maximum_flow()),
        "total_affinity": -int(smcf.optimal_cost()),
        "load_s": round(load_s, 3),
        "build_s": round(build_s, 3),
        "solve_s": round(solve_s, 3),
        # ru_maxrss is in KiB on Linux: the peak of the whole script (numpy arrays included).
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main()
