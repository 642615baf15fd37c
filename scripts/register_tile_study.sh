#!/usr/bin/env bash
# The register-tile study behind the engine's microkernel shape per register
# file (docs/flash.md "Register tiles"). Builds attnbench once per candidate
# tile (row vectors x keys per step; -DATTNBENCH_NARROW_TILE for targets
# with 16 vector registers, -DATTNBENCH_WIDE_TILE for AVX3's 32) into
# build/tile-study/, then runs every candidate on every configuration,
# ROUNDS interleaved rounds (default 2), on each target this CPU runs.
# Rows (with a "tile" field) go to results/register-tile-study/<run-id>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
narrow=(1x8 2x4 2x6 3x4 1x12)
wide=(2x8 3x8 4x6)
run_id=$(date -u +%Y%m%dT%H%M%SZ)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
out=results/register-tile-study/$run_id.jsonl
mkdir -p "$(dirname "$out")"

build() {  # build LABEL MACRO=VALUE
  local dir=build/tile-study/$1
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    "-DCMAKE_CXX_FLAGS=-D$2" >/dev/null
  cmake --build "$dir" --target attnbench -j 2 >/dev/null
  echo "$dir/attnbench"
}
declare -A bins
for t in "${narrow[@]}"; do bins[narrow-$t]=$(build "narrow-$t" "ATTNBENCH_NARROW_TILE=${t/x/,}"); done
for t in "${wide[@]}"; do bins[wide-$t]=$(build "wide-$t" "ATTNBENCH_WIDE_TILE=${t/x/,}"); done

targets=$("${bins[narrow-1x8]}" list | sed -n 's/^Highway targets runnable here (best first): //p')
configs=(
  "flash causal 4096 64 2" "flash causal 4096 128 2" "flash causal 4096 64 1"
  "sliding_window window:256 16384 64 2"
)
measure() {  # measure LABEL BIN TARGET
  local variant mask n d threads
  for c in "${configs[@]}"; do
    read -r variant mask n d threads <<<"$c"
    "$2" run --variant "$variant" --mask "$mask" --N "$n" --D "$d" --H 8 \
      --threads "$threads" --target "$3" --reps 3 --min-time 0.3 \
      --format json | /usr/bin/python3 -c \
      'import json,sys; r=json.loads(sys.stdin.read()); r["tile"]=sys.argv[1]; print(json.dumps(r))' \
      "$1" >>"$out"
  done
}
for _ in $(seq "${ROUNDS:-2}"); do
  for target in AVX2 SSE4; do
    [[ ", $targets," == *", $target,"* ]] || continue
    for t in "${narrow[@]}"; do measure "$t" "${bins[narrow-$t]}" "$target"; done
  done
  if [[ ", $targets," == *", AVX3,"* ]]; then
    for t in "${wide[@]}"; do measure "$t" "${bins[wide-$t]}" AVX3; done
  fi
done

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cells = {}
for r in rows:
    key = (r["target"], f'{r["variant"]} {r["mask"]} N={r["Nk"]} D={r["D"]} '
           f'{r["threads"]}T')
    cells.setdefault(key, {}).setdefault(r["tile"], []).append(r["pct_peak"])
print("median pct_peak per register tile (row vectors x keys per step)")
for (target, config), tiles in sorted(cells.items()):
    best = max(tiles, key=lambda t: statistics.median(tiles[t]))
    line = "  ".join(f"{t} {statistics.median(v):.3f}" for t, v in tiles.items())
    print(f"{target:5} {config:42} {line}   best {best}")
print("every row agrees with the oracle:", all(r["agrees"] for r in rows))
PY
echo "rows: $out"
