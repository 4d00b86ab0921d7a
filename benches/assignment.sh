#!/usr/bin/env bash
# Reviewer-assignment benchmark (issue 4) with an independent check by Google OR-tools.
#
# 1. `cargo bench --bench assignment` (release build) generates the 5,000 × 2,000 instance,
#    times conflict detection and the solver, and writes target/bench/assignment-instance.json
#    and target/bench/assignment-rust.json.
# 2. A virtualenv in target/bench-venv gets ortools and numpy from PyPI (once).
# 3. benches/ortools_check.py solves the same instance as a complete min-cost flow.
# 4. Both results are printed side by side; the script fails if the objectives differ.
#
# Usage: benches/assignment.sh        (from anywhere; works in the crate root)
set -euo pipefail

cd "$(dirname "$0")/.."
bench_dir=target/bench
venv=target/bench-venv
python=${PYTHON:-python3}

echo "== cargo bench --bench assignment"
cargo bench --bench assignment

echo "== OR-tools (virtualenv $venv)"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ortools numpy
"$venv/bin/python" benches/ortools_check.py "$bench_dir/assignment-instance.json" \
    > "$bench_dir/assignment-ortools.json"

"$venv/bin/python" - "$bench_dir/assignment-rust.json" "$bench_dir/assignment-ortools.json" <<'PY'
import json
import sys

rust = json.load(open(sys.argv[1]))
ort = json.load(open(sys.argv[2]))
rows = [
    ("instance", f"{rust['proposals']} x {rust['reviewers']}, {rust['conflicted_pairs']} forbidden "
                 f"({100 * rust['conflict_fraction']:.2f}%)", ""),
    ("assigned pairs", rust["assigned"], ort["assigned"]),
    ("total affinity", rust["total_affinity"], ort["total_affinity"]),
    ("conflict detection", f"{rust['conflict_ms_best']:.1f} ms", "(given)"),
    ("build", "(in solve)", f"{1000 * ort['build_s']:.0f} ms"),
    ("solve", f"{rust['solve_ms_best']:.1f} ms (best of {len(rust['solve_ms_runs'])})",
              f"{1000 * ort['solve_s']:.0f} ms"),
    ("peak RSS", f"{rust['peak_rss_kib'] / 1024:.1f} MiB (VmHWM of the solve)",
                 f"{ort['peak_rss_kib'] / 1024:.1f} MiB (whole script)"),
]
print()
print(f"{'':<20} {'Rust (kyoso)':<40} OR-tools min-cost flow")
for name, a, b in rows:
    print(f"{name:<20} {str(a):<40} {b}")
same = (rust["assigned"], rust["total_affinity"]) == (ort["assigned"], ort["total_affinity"])
print()
if same:
    print("objectives agree")
else:
    print("OBJECTIVES DIFFER", file=sys.stderr)
    sys.exit(1)
PY
