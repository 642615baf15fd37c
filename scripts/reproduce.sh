#!/usr/bin/env bash
# README command 1: set up, build (release), check every variant against the
# oracle on every Highway target, then time each variant on a few
# configurations. Rows are printed and stored under results/<run-id>/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release
cmake --build --preset release

bin=build/release/attnbench
threads=${ATTNBENCH_THREADS:-$(nproc)}
run_id=$(date -u +%Y%m%dT%H%M%SZ)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
out=results/$run_id
mkdir -p "$out"

echo "== attnbench check (every variant, every Highway target)"
$bin check --target all --failures-only | tee "$out/check.txt"

echo "== attnbench run ($threads threads), rows in $out/rows.jsonl"
status=0
for variant in $($bin list | awk 'NR > 1 && NF > 0 && $1 != "Highway" {print $1}'); do
  for mask in causal window:256 span:64; do
    for n in 1024 2048 4096; do
      $bin run --variant "$variant" --mask "$mask" --N "$n" --D 64 --H 8 \
        --threads "$threads" --format json | tee -a "$out/rows.jsonl" || status=1
    done
  done
done
echo "== results in $out"
[[ $status -eq 0 ]] || echo "== some rows disagreed with the oracle (\"agrees\":false) or failed" >&2
exit $status
