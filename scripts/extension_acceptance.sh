#!/usr/bin/env bash
# Measures the extension variants' acceptance figures (docs/adding-a-variant.md,
# issue 7) in one run: at N=16384, D=64, H=8, 2 threads, the variants added
# through the mask-rule interface against sliding_window (W=256) and against
# naive with the same mask. Rows go to results/extension-acceptance/<run-id>.jsonl.
# Usage: scripts/extension_acceptance.sh [--target NAME]: the Highway target
# (default: the best this CPU runs); a named one ends the rows file's name.
set -euo pipefail
source "$(dirname "$0")/acceptance_common.sh" extension-acceptance "$@"
common=(--N 16384 --D 64 --H 8 --threads 2 --format json)

row() { attn_run "${common[@]}" --variant "$1" --mask "$2" "${@:3}" | tee -a "$out"; }
row sliding_window window:256 --reps 3
row global_window global_window:64:256 --reps 3
row sparse_fixed sparse_fixed:128:32 --reps 3
row sparse_strided sparse_strided:128 --reps 3
row alibi alibi --reps 3
row prefix_lm prefix_lm:1024 --reps 3
row document document:512,1024,256 --reps 3
for mask in global_window:64:256 sparse_fixed:128:32 sparse_strided:128; do
  row naive "$mask" --warmup 0 --reps 1 --min-time 0
done

/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][-10:]
by = {(r["variant"], r["mask"]): r for r in rows}
base = by[("sliding_window", "window:256")]["gflops"]
print(f"sliding_window window:256: {base:.1f} GFLOP/s")
for (v, m), r in by.items():
    if v in ("sliding_window", "naive"):
        continue
    line = (f"{v} {m}: {r['gflops']:.1f} GFLOP/s, pct_peak {r['pct_peak']:.3f}, "
            f"{r['gflops'] / base:.2f}x sliding_window")
    naive = by.get(("naive", m))
    if naive:
        line += f", {naive['median_s'] / r['median_s']:.0f}x faster than naive"
    print(line)
print("every row agrees with the oracle:", all(r["agrees"] for r in rows))
PY
echo "rows: $out"
