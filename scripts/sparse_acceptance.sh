#!/usr/bin/env bash
# Measures the sparse variants' acceptance figures (docs/sparse.md) in one
# run on this machine: sliding_window W=256 at N=16384 against naive with
# the same mask, its scaling in N (2048 ... 65536, fitted exponent of time),
# and adaptive_span with per-head spans 32 ... 4096 against a sliding window
# of the same work. D=64, H=8, 2 threads. Rows go to
# results/sparse-acceptance/<run-id>.jsonl; a summary is printed.
# Usage: scripts/sparse_acceptance.sh [--target NAME]: the Highway target
# (default: the best this CPU runs); a named one ends the rows file's name.
set -euo pipefail
source "$(dirname "$0")/acceptance_common.sh" sparse-acceptance "$@"
common=(--D 64 --H 8 --threads 2 --format json)

for n in 2048 4096 8192 16384 32768 65536; do
  attn_run --variant sliding_window --mask window:256 --N "$n" "${common[@]}" \
    --reps 3 --min-time 0.3 | tee -a "$out"
done
attn_run --variant naive --mask window:256 --N 16384 "${common[@]}" \
  --warmup 0 --reps 2 --min-time 0 | tee -a "$out"
spans=32,64,128,256,512,1024,2048,4096
attn_run --variant adaptive_span --mask "span:$spans:32" --N 16384 \
  "${common[@]}" --reps 3 | tee -a "$out"
# The same work: the mean reach of the heads, sum_h (z_h + 32) / 8 = 1052.
attn_run --variant sliding_window --mask window:1052 --N 16384 \
  "${common[@]}" --reps 3 | tee -a "$out"

/usr/bin/python3 - "$out" <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
window = [r for r in rows if r["variant"] == "sliding_window" and r["mask"] == "window:256"]
naive = next(r for r in rows if r["variant"] == "naive")
span = next(r for r in rows if r["variant"] == "adaptive_span")
same_work = next(r for r in rows if r["mask"] == "window:1052")
xs = [math.log(r["Nq"]) for r in window]
ys = [math.log(r["median_s"]) for r in window]
mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
t = {r["Nq"]: r["median_s"] for r in window}
w16 = next(r for r in window if r["Nq"] == 16384)
print(f"sliding_window W=256 N=16384: {w16['gflops']:.1f} GFLOP/s, pct_peak {w16['pct_peak']:.3f}")
print(f"naive window:256 N=16384: {naive['gflops']:.2f} GFLOP/s; sliding_window is "
      f"{naive['median_s'] / w16['median_s']:.0f}x faster")
print(f"scaling: t(32768)/t(4096) = {t[32768] / t[4096]:.2f}; fitted exponent "
      f"over N = {min(t)}..{max(t)}: {slope:.3f}")
print(f"adaptive_span: {span['gflops']:.1f} GFLOP/s vs sliding_window of the same work "
      f"{same_work['gflops']:.1f} (ratio {span['gflops'] / same_work['gflops']:.3f})")
print("every row agrees with the oracle:", all(r["agrees"] for r in rows))
PY
echo "rows: $out"
