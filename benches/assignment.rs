//! Reviewer-assignment benchmark (issue 4): 5,000 proposals × 2,000 reviewers.
//!
//! Generates a deterministic instance (ChaCha8, fixed seed), derives the conflicts of interest
//! with `conflict::conflicted_pairs`, solves it with `assignment::solve` three times and prints
//! the times, the objective and the peak resident memory. Writes the instance to
//! `target/bench/assignment-instance.json` (for `benches/ortools_check.py`) and the results to
//! `target/bench/assignment-rust.json`.
//!
//! Run with `cargo bench --bench assignment`, or `benches/assignment.sh` for the OR-tools check.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use kyoso::domain::assignment::{self, Instance, Solution};
use kyoso::domain::conflict::{self, ProposalParties, ReviewerProfile};
use kyoso::domain::prefecture::PrefectureCode;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 2024_0004;
const PROPOSALS: usize = 5_000;
const REVIEWERS: usize = 2_000;
const DEMAND: u32 = 2;
const CAPACITY: u32 = 6;
const KEYWORDS: usize = 10;
const VOCABULARY: u32 = 500;
const ORGANIZATIONS: usize = 3_000;
const ORGANIZATIONS_PER_PROPOSAL: usize = 5;
const RUNS: usize = 3;

fn main() {
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench");
    fs::create_dir_all(&out_dir).expect("create target/bench");

    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (proposals, reviewers, instance) = generate(&mut rng);
    println!(
        "instance: {PROPOSALS} proposals × {REVIEWERS} reviewers, demand {DEMAND}, load {CAPACITY}, \
         {KEYWORDS} keywords each from {VOCABULARY}, seed {SEED}"
    );

    // Conflicts of interest.
    let mut conflict_runs = Vec::new();
    let mut forbidden = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        forbidden = conflict::conflicted_pairs(&proposals, &reviewers);
        conflict_runs.push(started.elapsed());
    }
    let conflict_fraction = forbidden.len() as f64 / (PROPOSALS * REVIEWERS) as f64;
    let raw_matches = raw_organization_matches(&proposals, &reviewers);
    let organization_conflicts = count_organization_conflicts(&proposals, &reviewers, &forbidden);
    println!(
        "conflicts: {} pairs = {:.4}% of all pairs ({} by organization, of which only {} are \
         byte-equal names: the rest need normalisation)",
        forbidden.len(),
        100.0 * conflict_fraction,
        organization_conflicts,
        raw_matches
    );
    println!(
        "conflicted_pairs: best {} (runs {})",
        ms(best(&conflict_runs)),
        list_ms(&conflict_runs)
    );
    drop(proposals);
    drop(reviewers);
    let instance = Instance {
        forbidden,
        ..instance
    };

    write_instance(&out_dir.join("assignment-instance.json"), &instance).expect("write instance");

    // The solver. VmHWM is reset before each run (where the kernel allows it), so the peak is
    // that of the run: the instance itself plus everything the solver allocates.
    let baseline_kib = proc_status_kib("VmRSS");
    let mut solve_runs = Vec::new();
    let mut peak_kib = 0;
    let mut solution: Option<Solution> = None;
    for run in 0..RUNS {
        let _ = fs::write("/proc/self/clear_refs", "5");
        let started = Instant::now();
        let result = assignment::solve(&instance);
        let elapsed = started.elapsed();
        peak_kib = peak_kib.max(proc_status_kib("VmHWM").unwrap_or(0));
        println!("  solve run {}: {}", run + 1, ms(elapsed));
        solve_runs.push(elapsed);
        if let Some(previous) = &solution {
            assert_eq!(previous, &result, "solve must be deterministic");
        }
        solution = Some(result);
    }
    let solution = solution.expect("at least one run");
    let assigned = solution.pairs.len();
    let missing: u32 = solution.unfilled.iter().map(|u| u.missing).sum();
    println!(
        "solve: best {} (runs {})",
        ms(best(&solve_runs)),
        list_ms(&solve_runs)
    );
    println!(
        "objective: {assigned} pairs assigned of {} slots, total affinity {}, {} proposals unfilled ({missing} slots)",
        instance.demand.iter().map(|&d| u64::from(d)).sum::<u64>(),
        solution.total_affinity,
        solution.unfilled.len()
    );
    println!(
        "memory: peak RSS (VmHWM) {:.1} MiB, RSS before solving {:.1} MiB",
        peak_kib as f64 / 1024.0,
        baseline_kib.unwrap_or(0) as f64 / 1024.0
    );

    let result = serde_json::json!({
        "proposals": PROPOSALS,
        "reviewers": REVIEWERS,
        "seed": SEED,
        "conflicted_pairs": instance.forbidden.len(),
        "conflict_fraction": conflict_fraction,
        "conflict_ms_best": millis(best(&conflict_runs)),
        "conflict_ms_runs": conflict_runs.iter().map(|&d| millis(d)).collect::<Vec<_>>(),
        "solve_ms_best": millis(best(&solve_runs)),
        "solve_ms_runs": solve_runs.iter().map(|&d| millis(d)).collect::<Vec<_>>(),
        "assigned": assigned,
        "total_affinity": solution.total_affinity,
        "unfilled_proposals": solution.unfilled.len(),
        "unfilled_slots": missing,
        "peak_rss_kib": peak_kib,
        "rss_before_solve_kib": baseline_kib,
    });
    let path = out_dir.join("assignment-rust.json");
    fs::write(
        &path,
        serde_json::to_string_pretty(&result).expect("json") + "\n",
    )
    .expect("write result");
    println!(
        "wrote {} and {}",
        out_dir.join("assignment-instance.json").display(),
        path.display()
    );
}

/// The canonical names of the organization pool: a mix of Latin and Japanese names.
fn organization_name(i: usize) -> String {
    const LATIN: [&str; 6] = ["Tohoku", "Kanto", "Chubu", "Kansai", "Chugoku", "Kyushu"];
    const JAPANESE: [&str; 4] = ["大学", "研究所", "工業株式会社", "市役所"];
    match i % 3 {
        0 => format!("{} Science Lab {i}", LATIN[i % LATIN.len()]),
        1 => format!("地域創生{}{i}", JAPANESE[i % JAPANESE.len()]),
        _ => format!(
            "{} Institute of Technology No {i}",
            LATIN[(i / 3) % LATIN.len()]
        ),
    }
}

/// One of the ways a name gets typed in: as is, in full-width letters, digits and spaces, in
/// capitals, or with the spaces doubled or dropped.
fn render(name: &str, style: u32) -> String {
    match style {
        0 => name.to_string(),
        1 => name
            .chars()
            .map(|c| match c {
                ' ' => '\u{3000}',
                '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect(),
        2 => name.to_uppercase(),
        _ => name.replace(
            ' ',
            if name.len().is_multiple_of(2) {
                "  "
            } else {
                ""
            },
        ),
    }
}

fn distinct_keywords(rng: &mut ChaCha8Rng) -> Vec<u32> {
    let mut keywords = Vec::with_capacity(KEYWORDS);
    while keywords.len() < KEYWORDS {
        let k = rng.random_range(0..VOCABULARY);
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    keywords
}

fn random_prefecture(rng: &mut ChaCha8Rng) -> PrefectureCode {
    PrefectureCode::new(rng.random_range(1..=47)).expect("1..=47 is a prefecture")
}

fn generate(rng: &mut ChaCha8Rng) -> (Vec<ProposalParties>, Vec<ReviewerProfile>, Instance) {
    let pool: Vec<String> = (0..ORGANIZATIONS).map(organization_name).collect();
    let mut proposals = Vec::with_capacity(PROPOSALS);
    let mut proposal_keywords = Vec::with_capacity(PROPOSALS);
    for _ in 0..PROPOSALS {
        let mut chosen: Vec<usize> = Vec::with_capacity(ORGANIZATIONS_PER_PROPOSAL);
        while chosen.len() < ORGANIZATIONS_PER_PROPOSAL {
            let o = rng.random_range(0..ORGANIZATIONS);
            if !chosen.contains(&o) {
                chosen.push(o);
            }
        }
        let organizations = chosen
            .iter()
            .map(|&o| render(&pool[o], rng.random_range(0..4)))
            .collect();
        proposals.push(ProposalParties {
            organizations,
            prefectures: vec![random_prefecture(rng)],
        });
        proposal_keywords.push(distinct_keywords(rng));
    }
    let mut reviewers = Vec::with_capacity(REVIEWERS);
    let mut reviewer_keywords = Vec::with_capacity(REVIEWERS);
    for _ in 0..REVIEWERS {
        let affiliation = render(
            &pool[rng.random_range(0..ORGANIZATIONS)],
            rng.random_range(0..4),
        );
        let affiliation_prefecture = rng.random_bool(0.5).then(|| random_prefecture(rng));
        reviewers.push(ReviewerProfile {
            affiliation,
            affiliation_prefecture,
        });
        reviewer_keywords.push(distinct_keywords(rng));
    }
    let instance = Instance {
        demand: vec![DEMAND; PROPOSALS],
        capacity: vec![CAPACITY; REVIEWERS],
        proposal_keywords,
        reviewer_keywords,
        forbidden: Vec::new(),
    };
    (proposals, reviewers, instance)
}

/// Organization conflicts among `pairs` (rule (a) alone).
fn count_organization_conflicts(
    proposals: &[ProposalParties],
    reviewers: &[ReviewerProfile],
    pairs: &[(u32, u32)],
) -> usize {
    pairs
        .iter()
        .filter(|&&(p, r)| {
            let proposal = &proposals[p as usize];
            let only_organization = ProposalParties {
                organizations: proposal.organizations.clone(),
                prefectures: vec![],
            };
            conflict::conflict_between(&reviewers[r as usize], &only_organization).is_some()
        })
        .count()
}

/// Pairs whose names are byte-for-byte equal: what a comparison without normalisation finds.
fn raw_organization_matches(proposals: &[ProposalParties], reviewers: &[ReviewerProfile]) -> usize {
    let mut by_name: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (p, proposal) in proposals.iter().enumerate() {
        for name in &proposal.organizations {
            by_name.entry(name.as_str()).or_default().push(p);
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (r, reviewer) in reviewers.iter().enumerate() {
        if let Some(list) = by_name.get(reviewer.affiliation.as_str()) {
            pairs.extend(list.iter().map(|&p| (p, r)));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs.len()
}

fn write_instance(path: &Path, instance: &Instance) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    write!(
        out,
        "{{\"proposals\":{},\"reviewers\":{},\"demand\":",
        instance.demand.len(),
        instance.capacity.len()
    )?;
    serde_json::to_writer(&mut out, &instance.demand)?;
    write!(out, ",\"capacity\":")?;
    serde_json::to_writer(&mut out, &instance.capacity)?;
    write!(out, ",\"proposal_keywords\":")?;
    serde_json::to_writer(&mut out, &instance.proposal_keywords)?;
    write!(out, ",\"reviewer_keywords\":")?;
    serde_json::to_writer(&mut out, &instance.reviewer_keywords)?;
    write!(out, ",\"forbidden\":")?;
    serde_json::to_writer(&mut out, &instance.forbidden)?;
    writeln!(out, "}}")?;
    out.flush()
}

/// A `kB` line of /proc/self/status (Linux), in KiB.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn best(runs: &[Duration]) -> Duration {
    runs.iter().copied().min().unwrap_or_default()
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn list_ms(runs: &[Duration]) -> String {
    runs.iter().map(|&d| ms(d)).collect::<Vec<_>>().join(", ")
}
