mod support;

use super::prepared::Prepared;
use super::relaxation::RELAXATION_ROUNDS;
use super::*;
use support::{
    Shape, SplitMix, assert_feasible, brute_force, objective, objective_of, random_instance,
    reference,
};

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
