#!/usr/bin/env bash
# scripts/decode_table.py on synthetic rows: the table, the window's
# spread (of the medians, and within rounds whose plain read held still),
# the fractions by the host's memory phase where the probe moved, and the
# time per key beside the plain read's, the count of rows
# marked noisy, and a warning for rows taken with quick probes; and the
# acceptance scripts refusing to run with quick probes.
set -euo pipefail
src=${1:?usage: test_decode_table.sh SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
row() {  # mask nk median_s pattern_read_gbps noisy probes [keys read] [read_gbps]
  local kv=$((2 * 8 * ${7:-$2} * 512))
  printf '{"case":"decode","variant":"flash","mask":"%s","H":32,"Hkv":8,"Nq":1,"Nk":%s,"median_s":%s,"kv_bytes":%s,"gbps":10,"read_gbps":%s,"pct_bandwidth":0.5,"pattern_read_gbps":%s,"pct_pattern_bandwidth":0.9,"gflops":20,"pct_peak":0.1,"bound":"memory","target":"AVX2","agrees":true,"noisy":%s,"noise_reason":"%s","probes":"%s"}\n' \
    "$1" "$2" "$3" "$kv" "${8:-20}" "$4" "$5" "$([[ $5 == true ]] && echo 'the hypervisor stole 0.50 cores')" "$6"
}
{
  row causal 1024 0.0005 16 false full
  row causal 16384 0.0080 16 true full
  row window:4096 16384 0.0020 16 false full 4096
  row window:4096 65536 0.0022 16 false full 4096
} >"$tmp/rows.jsonl"
/usr/bin/python3 "$src/scripts/decode_table.py" "$tmp/rows.jsonl" >"$tmp/out.md"
grep -q '^| decode | flash | causal | 1 | 1024 | 32/8 | 0.500 |' "$tmp/out.md"
grep -q '^window decode time, max / min over Nk: 1.100 (a plain read of the same rows: 1.000)$' "$tmp/out.md"
grep -q '^window decode time, max / min over Nk within a round whose plain read held within 10%: median 1.100 over 1 of 1 rounds (1.100)$' "$tmp/out.md"
grep -q '^causal decode per key, Nk=1024 against 16384: step 1.000x, plain read of the same rows 1.000x$' "$tmp/out.md"
grep -q '^rows marked noisy: 1 of 4 (1 with cores stolen by the hypervisor)$' "$tmp/out.md"
! grep -q WARNING "$tmp/out.md"
! grep -q '^by phase' "$tmp/out.md"
# Probes 20 and 40 GB/s: two phases, split at their geometric mean.
{
  row causal 16384 0.0080 16 false full 16384 20
  row causal 16384 0.0060 16 false full 16384 40
} >"$tmp/phases.jsonl"
/usr/bin/python3 "$src/scripts/decode_table.py" "$tmp/phases.jsonl" >"$tmp/out.md"
grep -q '^by phase: probe below / above 28.3 GB/s (slow / fast); medians (rounds)$' "$tmp/out.md"
grep -q '^| causal | 16384 | 0.500 (1) | 0.500 (1) | 0.900 (1) | 0.900 (1) |$' "$tmp/out.md"
# A second round whose plain read moved by 1.25x is left out of the
# spread within rounds; with only such rounds, none is.
{
  row window:4096 16384 0.0020 16 false full 4096
  row window:4096 65536 0.0030 20 false full 4096
} >"$tmp/moved.jsonl"
cat "$tmp/rows.jsonl" "$tmp/moved.jsonl" >"$tmp/two.jsonl"
/usr/bin/python3 "$src/scripts/decode_table.py" "$tmp/two.jsonl" >"$tmp/out.md"
grep -q 'within 10%: median 1.100 over 1 of 2 rounds (1.100)$' "$tmp/out.md"
/usr/bin/python3 "$src/scripts/decode_table.py" "$tmp/moved.jsonl" >"$tmp/out.md"
grep -q '^window decode time within a round: no round of 1 whose plain read held within 10%$' "$tmp/out.md"
row causal 4096 0.002 16 false quick >>"$tmp/rows.jsonl"
/usr/bin/python3 "$src/scripts/decode_table.py" "$tmp/rows.jsonl" >"$tmp/out.md"
grep -q '^WARNING: rows taken with quick probes' "$tmp/out.md"
# The acceptance scripts refuse quick probes before anything else.
set +e
ATTNBENCH_QUICK_PROBES=1 bash "$src/scripts/decode_acceptance.sh" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
set -e
[[ $rc -eq 2 ]] || { echo "decode_acceptance.sh with quick probes: exit $rc, expected 2" >&2; exit 1; }
grep -q 'ATTNBENCH_QUICK_PROBES=1 is set' "$tmp/stderr"
echo ok
