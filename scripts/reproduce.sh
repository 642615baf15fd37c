#!/usr/bin/env bash
# README command 1: set up, build (release), then the main job:
#   1. attnbench check on every Highway target (agreement with the oracle);
#   2. the default sweep: every variant on causal, window:256 and span:256,
#      D=64, H=8, N = 256 ... 16384 (the naive baseline to 8192: pass
#      --baseline-N-max 0 for the long one), all cores, each configuration
#      checked against the oracle, rows stored as they complete;
#   3. the figures, drawn from the stored rows by scripts/plot.py;
#   4. a decode sweep: one new token (Nq=1) against Nk = 1024 ... 131072
#      cached keys with Llama-3-8B's heads (H=32, Hkv=8, D=128), causal,
#      window:4096 and span:4096, in GB/s against the measured read
#      bandwidth, into results/<run-id>-decode/ with its figures;
#   5. a backward sweep: naive, flash, sliding_window and adaptive_span on
#      the default sweep's masks, N = 256 ... 4096, the gradients checked
#      (sampled beyond the oracle's budget), into results/<run-id>-backward/
#      with its figures.
# Everything lands in results/<run-id>/, results/<run-id>-decode/ and
# results/<run-id>-backward/, the figures in their figures/ folders. The committed figures the README shows
# (results/figures/) change only with ATTNBENCH_UPDATE_FIGURES=1. Extra
# arguments go to the first `attnbench sweep` (e.g. --N-max 4096).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release
cmake --build --preset release --target attnbench  # the tests are command 2's

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
committed=()  # the README's figures, on request only
[[ ${ATTNBENCH_UPDATE_FIGURES:-0} == 1 ]] && committed=(--figures-dir results/figures)
/usr/bin/python3 scripts/plot.py "$out" "${committed[@]}"

echo "== attnbench sweep (decode)"
$bin sweep --threads "${ATTNBENCH_THREADS:-$(nproc)}" --out "$out-decode" \
  --Nq 1 --model llama3-8b --N-min 1024 --N-max 131072 \
  --variants flash,sliding_window,adaptive_span \
  --masks 'causal;window:4096;span:4096' || status=$?
[[ ${#committed[@]} -gt 0 ]] && committed=(--figures-dir results/figures/decode)
/usr/bin/python3 scripts/plot.py "$out-decode" "${committed[@]}"

echo "== attnbench sweep (backward)"
$bin sweep --threads "${ATTNBENCH_THREADS:-$(nproc)}" --out "$out-backward" \
  --pass backward --N-min 256 --N-max 4096 \
  --variants naive,flash,sliding_window,adaptive_span || status=$?
[[ ${#committed[@]} -gt 0 ]] && committed=(--figures-dir results/figures/backward)
/usr/bin/python3 scripts/plot.py "$out-backward" "${committed[@]}"
echo "== results in $out, $out-decode and $out-backward"
[[ $status -eq 0 ]] || echo "== some configuration disagreed with the oracle (exit $status)" >&2
exit $status
