#!/usr/bin/env bash
# The engine study behind the key block Bc and the group cap per target
# (docs/flash.md "Key block and group size"): the blocked engine itself at
# every Bc x group-rows cap, on causal and window:256, D=64 and 128,
# 2 threads (and causal D=64 on 1 thread), N=4096, on each target given
# (default: AVX3, AVX2 and SSE4 where this CPU runs them). Google
# Benchmark interleaves the repetitions of all families at random.
# Raw JSON per target: results/engine-study/<run-id>-<target>.json; the
# table: scripts/engine_study_table.py FILES...
#   scripts/engine_study.sh [--target NAME]...
set -euo pipefail
cd "$(dirname "$0")/.."
bench=build/release/attnbench_bench
[[ -x $bench ]] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
targets=()
while [[ $# -gt 0 ]]; do
  [[ $1 == --target && $# -ge 2 ]] || { echo "usage: $0 [--target NAME]..." >&2; exit 2; }
  targets+=("$2")
  shift 2
done
if [[ ${#targets[@]} -eq 0 ]]; then
  runnable=$(build/release/attnbench list | sed -n 's/^Highway targets runnable here (best first): //p')
  for t in AVX3 AVX2 SSE4; do
    [[ ", $runnable," == *", $t,"* ]] && targets+=("$t")
  done
fi
run_id=$(date -u +%Y%m%dT%H%M%SZ)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
mkdir -p results/engine-study
common=(--variants flash --benchmark_filter=^engine/ --engine-study --N-min 4096 --N-max 4096 --H 8
  --key-blocks 64,128,256,512 --group-rows 1,128,256,512
  --benchmark_min_time=0.1 --benchmark_repetitions="${REPS:-5}"
  --benchmark_enable_random_interleaving=true
  --benchmark_report_aggregates_only=true --benchmark_out_format=json)
for target in "${targets[@]}"; do
  out=results/engine-study/$run_id-$target
  "$bench" "${common[@]}" --target "$target" --masks "causal;window:256" \
    --D 64,128 --threads 2 --benchmark_out="$out-2t.json" >/dev/null
  "$bench" "${common[@]}" --target "$target" --masks causal --D 64 \
    --threads 1 --benchmark_out="$out-1t.json" >/dev/null
  echo "rows: $out-2t.json $out-1t.json"
done
