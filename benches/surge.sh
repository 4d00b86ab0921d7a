#!/usr/bin/env bash
# The deadline-surge benchmark (docs/benchmarks.md, "Deadline surge"): installs wrk and
# PostgreSQL from Debian if missing, then runs benches/surge.py on both backends and writes the
# table into docs/benchmarks.md. Run it on an otherwise idle machine: the load generator shares it.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# For `--allocator jemalloc|mimalloc`: preloaded into the server only.
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || missing+=(libjemalloc2)
[ -e /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 ] || missing+=(libmimalloc2.0)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec python3 benches/surge.py "$@"
