#!/usr/bin/env bash
# Writes the output tensor of every variant x mask x target on a fixed seed
# into OUT/<case>/o.npy, so that two revisions' outputs can be compared
# byte for byte: `scripts/save_outputs.sh BIN_A a; scripts/save_outputs.sh
# BIN_B b; diff -r a b` (used for refactors that must not change results).
set -euo pipefail
bin=${1:?usage: save_outputs.sh ATTNBENCH_BINARY OUT_DIR}
out=${2:?usage: save_outputs.sh ATTNBENCH_BINARY OUT_DIR}
mkdir -p "$out"
# A binary from before the mask kinds took their variants' names (3c223df
# and earlier) reads doc, prefix, global, fixed, strided.
old_names=false
"$bin" list | grep -q '^  doc:' && old_names=true
as_run() {
  $old_names || { echo "$1"; return; }
  sed -e 's/^document:/doc:/' -e 's/^prefix_lm:/prefix:/' \
      -e 's/^global_window:/global:/' -e 's/^sparse_fixed:/fixed:/' \
      -e 's/^sparse_strided:/strided:/' <<<"$1"
}
cases=(
  "flash none"            "flash causal"
  "sliding_window window:7" "sliding_window window:256"
  "adaptive_span span:8"  "adaptive_span span:3,0,40,100:5"
  "adaptive_span span:2.5:3"
  "naive none" "naive causal" "naive window:33" "naive span:3,0,40,100:5"
  "alibi alibi" "document document:20,3,45" "prefix_lm prefix_lm:100"
  "global_window global_window:3:40" "sparse_fixed sparse_fixed:33:7"
  "sparse_strided sparse_strided:9"
)
shapes=("--N 523 --D 40 --H 4 --Hkv 2" "--Nq 77 --Nk 611 --D 64 --H 4")
for target in ${TARGETS:-AVX3 AVX2 SSE4 SCALAR}; do
  for c in "${cases[@]}"; do
    read -r variant mask <<<"$c"
    for si in "${!shapes[@]}"; do
      shape=${shapes[$si]}
      [[ $variant == sparse_strided && $si == 1 ]] && continue
      dir="$out/$target-$variant-${mask//[:,]/_}-$si"
      mkdir -p "$dir"
      # shellcheck disable=SC2086
      "$bin" run --variant "$variant" --mask "$(as_run "$mask")" $shape --target "$target" \
        --threads 2 --seed 7 --warmup 0 --reps 1 --min-time 0 --no-check \
        --save "$dir" >/dev/null
      rm -f "$dir"/q.npy "$dir"/k.npy "$dir"/v.npy
    done
  done
done
echo "save_outputs: $(find "$out" -name o.npy | wc -l) outputs in $out"
