#!/usr/bin/env bash
# scripts/target_table.py on synthetic rows: one column per target, one
# line per variant and mask, cells from the rows, a disagreeing row shown
# as such, and the README markers replaced (and refused when missing).
set -euo pipefail
src=${1:?usage: test_target_table.sh SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
row() {  # variant mask target pct gflops agrees
  printf '{"variant":"%s","mask":"%s","target":"%s","pct_peak":%s,"gflops":%s,"agrees":%s,"Nk":64,"D":8,"H":2,"threads":1,"cpu":"Test CPU"}\n' "$@"
}
{
  row flash causal AVX2 0.81 210.4 true
  row flash causal SSE4 0.66 80.2 true
  row dilated dilated:4:2 AVX2 0.30 90 false
} >"$tmp/rows.jsonl"
printf 'intro\n<!-- per-target-table:begin -->\nold\n<!-- per-target-table:end -->\nafter\n' >"$tmp/README.md"
/usr/bin/python3 "$src/scripts/target_table.py" "$tmp/rows.jsonl" --readme "$tmp/README.md" >"$tmp/out.md"
grep -q '^| variant, mask | AVX2 | SSE4 |$' "$tmp/out.md"
grep -q '^| flash, causal | 0.81 (210) | 0.66 (80) |$' "$tmp/out.md"
grep -q '^| dilated, dilated:4:2 | disagrees | - |$' "$tmp/out.md"
grep -q '^Test CPU; rows:' "$tmp/out.md"
grep -q '^| flash, causal | 0.81 (210) | 0.66 (80) |$' "$tmp/README.md"
! grep -q '^old$' "$tmp/README.md"
grep -q '^after$' "$tmp/README.md"
printf 'no markers\n' >"$tmp/plain.md"
if /usr/bin/python3 "$src/scripts/target_table.py" "$tmp/rows.jsonl" --readme "$tmp/plain.md" >/dev/null 2>&1; then
  echo "accepted a README without markers" >&2
  exit 1
fi
echo "target_table: 1 passed, 0 failed"
