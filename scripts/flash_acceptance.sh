#!/usr/bin/env bash
# Measures the figures of the flash variant's acceptance (docs/flash.md) in
# one run on this machine: pct_peak for causal D=64 and D=128 at N=4096 with
# 2 threads, flash vs naive, 2 threads vs 1, and the workspace at N=65536.
# Rows go to results/flash-acceptance/<run-id>.jsonl; a summary is printed.
# Expects a release build (scripts/reproduce.sh or scripts/test.sh makes one).
# Usage: scripts/flash_acceptance.sh [--target NAME]: the Highway target
# (default: the best this CPU runs); a named one ends the rows file's name.
set -euo pipefail
source "$(dirname "$0")/acceptance_common.sh" flash-acceptance "$@"

row() { attn_run --format json "$@" | tee -a "$out"; }
row --variant flash --mask causal --N 4096 --D 64 --H 8 --threads 2
row --variant flash --mask causal --N 4096 --D 128 --H 8 --threads 2
row --variant naive --mask causal --N 4096 --D 64 --H 8 --threads 2 --reps 3
row --variant flash --mask causal --N 4096 --D 64 --H 8 --threads 1
row --variant flash --mask causal --N 65536 --D 64 --H 8 --threads 2 \
  --warmup 0 --reps 1 --min-time 0

/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
f64, f128, naive, f64_1t, big = rows[-5:]
print(f"causal D=64  N=4096 2 threads: {f64['gflops']:.1f} GFLOP/s, pct_peak {f64['pct_peak']:.3f}")
print(f"causal D=128 N=4096 2 threads: {f128['gflops']:.1f} GFLOP/s, pct_peak {f128['pct_peak']:.3f}")
print(f"flash / naive time, N=4096: {naive['median_s'] / f64['median_s']:.2f}x faster")
print(f"2 threads vs 1 thread, N=4096: {f64_1t['median_s'] / f64['median_s']:.2f}x")
print(f"N=65536 D=64 H=8: workspace {big['workspace_bytes']} bytes "
      f"({big['workspace_bytes'] / 2**20:.2f} MiB), pct_peak {big['pct_peak']:.3f}")
print("every row agrees with the oracle:", all(r["agrees"] for r in rows[-5:]))
PY
echo "rows: $out"
