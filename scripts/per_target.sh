#!/usr/bin/env bash
# The per-target table of the README: flash causal and unmasked,
# sliding_window window:256, adaptive_span with per-head spans and every
# extension variant (N=4096, D=64, H=8, 2 threads) on every Highway target
# this CPU runs (forced with --target), pct_peak against that target's own
# measured FMA peak. Rows go to results/per-target/<run-id>.jsonl, then
# scripts/target_table.py writes the table into README.md.
#   scripts/per_target.sh [--targets AVX3,AVX2,...]
set -euo pipefail
targets=
if [[ ${1:-} == --targets ]]; then
  targets=${2:?--targets needs a list}
  shift 2
fi
# bin, out (results/per-target/<run-id>.jsonl); each run names its target.
usage="[--targets A,B,...]"
source "$(dirname "$0")/acceptance_common.sh" per-target "$@"
[[ -n $targets ]] || targets=$("$bin" list | sed -n 's/^Highway targets runnable here (best first): //p' | tr -d ' ')
cases=(
  "flash causal" "flash none" "sliding_window window:256"
  "adaptive_span span:32,64,128,256,512,1024,2048,4096:32"
  "alibi alibi" "document document:512,1024,256"
  "global_window global_window:64:256" "prefix_lm prefix_lm:1024"
  "sparse_fixed sparse_fixed:128:32" "sparse_strided sparse_strided:128"
  "dilated dilated:64:4"
)
# The machine, named in every row.
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) (family $(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores)"
for target in ${targets//,/ }; do
  for c in "${cases[@]}"; do
    read -r variant mask <<<"$c"
    "$bin" run --variant "$variant" --mask "$mask" --N 4096 --D 64 --H 8 \
      --threads 2 --target "$target" --reps 2 --min-time 0.2 --format json |
      CPU=$cpu /usr/bin/python3 -c 'import json, os, sys
r = json.loads(sys.stdin.read()); r["cpu"] = os.environ["CPU"]; print(json.dumps(r))' \
      >>"$out"
  done
  echo "per_target: $target done"
done
/usr/bin/python3 scripts/target_table.py "$out" --readme README.md
echo "rows: $out"
