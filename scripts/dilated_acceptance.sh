#!/usr/bin/env bash
# The dilated window's acceptance figure (docs/adding-a-variant.md,
# "Regrouping by residue class"): dilated:64:4 against sliding_window
# window:64 (the same work: 64 keys per query) at N=8192, D=64, H=8,
# 2 threads, in one run, ROUNDS interleaved rounds (default 5). Rows go to
# results/dilated-acceptance/<run-id>.jsonl.
# Usage: scripts/dilated_acceptance.sh [--target NAME]: the Highway target
# (default: the best this CPU runs); a named one ends the rows file's name.
set -euo pipefail
source "$(dirname "$0")/acceptance_common.sh" dilated-acceptance "$@"
for _ in $(seq "${ROUNDS:-5}"); do
  for case in "sliding_window window:64" "dilated dilated:64:4"; do
    read -r variant mask <<<"$case"
    attn_run --variant "$variant" --mask "$mask" --N 8192 --D 64 --H 8 \
      --threads 2 --reps 5 --min-time 0.5 --format json >>"$out"
  done
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["variant"], []).append(r)
med = {v: statistics.median(r["gflops"] for r in rs) for v, rs in by.items()}
for v, rs in by.items():
    print(f"{v} {rs[0]['mask']}: median {med[v]:.1f} GFLOP/s over {len(rs)} "
          f"runs ({rs[0]['target']}), pct_peak {rs[0]['pct_peak']:.3f}")
print(f"dilated / sliding_window: {med['dilated'] / med['sliding_window']:.3f}")
print("every row agrees with the oracle:", all(r["agrees"] for r in rows))
PY
echo "rows: $out"
