#!/usr/bin/env bash
# README command 1: set up, build (release), then the main job:
#   1. attnbench check on every Highway target (agreement with the oracle);
#   2. the default sweep: every variant on causal, window:256 and span:256,
#      D=64, H=8, N = 256 ... 16384, all cores, each configuration checked
#      against the oracle, rows stored as they complete;
#   3. the figures, drawn from the stored rows by scripts/plot.py.
# Everything lands in results/<run-id>/ (figures also in results/figures/).
# Extra arguments go to `attnbench sweep` (e.g. --N-max 4096).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release
cmake --build --preset release

bin=build/release/attnbench
run_id=$(date -u +%Y%m%dT%H%M%SZ)-$(git rev-parse --short=12 HEAD 2>/dev/null || echo nogit)
out=results/$run_id
mkdir -p "$out"

echo "== attnbench check --target all"
$bin check --target all --failures-only | tee "$out/check.txt"

echo "== attnbench sweep"
status=0
$bin sweep --threads "${ATTNBENCH_THREADS:-$(nproc)}" --out "$out" "$@" || status=$?

echo "== figures"
/usr/bin/python3 scripts/plot.py "$out"
echo "== results in $out"
[[ $status -eq 0 ]] || echo "== some configuration disagreed with the oracle (exit $status)" >&2
exit $status
