#!/usr/bin/env bash
# scripts/precision_table.py on synthetic runs: one column per dtype, one
# line per variant and mask, the median precision cost with the kernel's
# own error in brackets, f32 rows left out, and the README markers replaced.
set -euo pipefail
src=${1:?usage: test_precision_table.sh SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
row() {  # dtype variant mask N precision_rel_err rel_err
  printf '{"status":"ok","median_s":0.01,"dtype":"%s","variant":"%s","mask":"%s","Nk":%s,"Nq":%s,"D":8,"H":2,"threads":1,"precision_rel_err":%s,"rel_err":%s}\n' \
    "$1" "$2" "$3" "$4" "$4" "$5" "$6"
}
for d in bf16 f16; do
  mkdir -p "$tmp/$d"
  printf '{"machine":{"cpu_model":"Test CPU"}}\n' >"$tmp/$d/meta.json"
done
{
  row bf16 flash causal 64 0.002 1e-7
  row bf16 flash causal 128 0.004 1e-7
  row bf16 flash causal 256 0.003 3e-7
} >"$tmp/bf16/rows.jsonl"
{
  row f16 flash causal 64 0.0003 1e-7
  printf '{"status":"ok","median_s":0.01,"dtype":"f32","variant":"flash","mask":"none","Nk":64,"Nq":64,"D":8,"H":2,"threads":1,"precision_rel_err":null,"rel_err":1e-7}\n'
} >"$tmp/f16/rows.jsonl"
printf 'intro\n<!-- precision-table:begin -->\nold\n<!-- precision-table:end -->\n' >"$tmp/README.md"
(cd "$src/scripts" && /usr/bin/python3 precision_table.py "$tmp/bf16" "$tmp/f16" --readme "$tmp/README.md") >"$tmp/out.md"
grep -q '^| variant, mask | bf16 | f16 |$' "$tmp/out.md"
grep -q '^| flash, causal | 3.0e-03 (1e-07) | 3.0e-04 (1e-07) |$' "$tmp/out.md"
! grep -q 'none' "$tmp/out.md"
grep -q '^Test CPU; ' "$tmp/out.md"
grep -q '^| flash, causal | 3.0e-03' "$tmp/README.md"
! grep -q '^old$' "$tmp/README.md"
echo "precision_table: 1 passed, 0 failed"
