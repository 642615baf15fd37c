#!/usr/bin/env bash
# Test scripts/run_ab.py against the attnbench binary on a tiny decode
# (every arm's rows and table line, one-word arms after "--", an arm run by
# a binary of its own), against stand-in binaries whose row disagrees with
# the oracle (kept, exit 1) and whose plain reads alternate between two
# phases (the table by phase), and on bad arguments (a failing arm named
# with its error, exit 2 otherwise).
# Usage: tests/scripts/test_run_ab.sh REPO_ROOT ATTNBENCH_BIN
set -euo pipefail
repo=${1:?usage: test_run_ab.sh REPO_ROOT ATTNBENCH_BIN}
bin=${2:?usage: test_run_ab.sh REPO_ROOT ATTNBENCH_BIN}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ab() { /usr/bin/python3 "$repo/scripts/run_ab.py" "$@"; }
config="--variant flash --mask causal --Nq 1 --Nk 300 --H 4 --Hkv 2 --D 24 --threads 2 --min-time 0.01 --reps 3"

out=$(ab --bin "$bin" --rounds 2 --config="$config" --out "$tmp/rows.jsonl" \
  -- "" "--prefetch-hint t0" "--no-bf16-dot")
echo "$out"
grep -q '^| (none) | .* | 1.000 | 1.000 1.000 | .* of 2 | .* | yes |$' <<<"$out" ||
  fail "no line for the first arm"
grep -q '^| --prefetch-hint t0 | .* | yes |$' <<<"$out" || fail "no line for t0"
grep -q '^| --no-bf16-dot | .* | yes |$' <<<"$out" || fail "no line for a one-word arm"
cold=0
[[ $(uname -m) == x86_64 ]] && cold=1  # where the harness can flush lines
/usr/bin/python3 - "$tmp/rows.jsonl" "$cold" <<'PY' || fail "rows"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
arms = ["", "--prefetch-hint t0", "--no-bf16-dot"]
assert [(r["arm"], r["round"]) for r in rows] == [
    (a, n) for n in (1, 2) for a in arms], rows
assert [r["prefetch_hint"] for r in rows[1::3]] == ["t0", "t0"], rows
assert all(r["agrees"] for r in rows)
if sys.argv[2] == "1":  # decode runs with K and V flushed (WantsColdKv)
    assert all(r["kv_cache"] == "cold" for r in rows), rows
PY

# Arms whose plain reads ran with different hints (this CPU's default t1
# against t0) get the note that their fractions of it do not compare.
hints=$(/usr/bin/python3 -c 'import json,sys; print(len({r["prefetch_hint"] for r in map(json.loads, open(sys.argv[1])) if r.get("pattern_read_gbps") is not None}))' "$tmp/rows.jsonl")
if [[ $hints -gt 1 ]]; then
  grep -q "^note: the arms ran with different prefetch hints" <<<"$out" ||
    fail "no note on the hints"
else
  ! grep -q "^note:" <<<"$out" || fail "a note with one hint"
fi

# A row that disagrees: kept in the rows and the table, exit 1.
cat >"$tmp/disagrees" <<'SH'
#!/bin/sh
echo '{"median_s": 0.001, "gbps": 1.0, "agrees": false, "noisy": true}'
exit 1
SH
chmod +x "$tmp/disagrees"
if out=$(ab --bin "$tmp/disagrees" --rounds 1 --config="$config" \
  --out "$tmp/bad.jsonl" -- "" "--seed 2"); then
  fail "a disagreeing row exited 0"
fi
grep -q '^| --seed 2 | .* | 1 of 1 | .* | NO |$' <<<"$out" ||
  fail "the disagreeing arm not marked: $out"
[[ $(wc -l <"$tmp/bad.jsonl") -eq 2 ]] || fail "disagreeing rows not kept"

# An arm run by a binary of its own ("@PATH" first): here the same one.
out=$(ab --bin "$bin" --rounds 1 --config="$config" -- "" "@$bin --seed 1")
grep -q "^| @$bin --seed 1 | .* | yes |\$" <<<"$out" || fail "no line for an @ arm: $out"

# Plain reads alternating between 20 and 40 GB/s: the table by phase,
# split at 28.3 GB/s; the second arm's rows all met the fast phase and the
# first arm's the slow one, so no round gives it a time ratio.
cat >"$tmp/phases" <<'SH'
#!/bin/sh
n=$(cat "$COUNTER" 2>/dev/null || echo 0)
echo $((n + 1)) >"$COUNTER"
if [ $((n % 2)) -eq 0 ]; then g=20 p=0.9 t=0.002; else g=40 p=0.8 t=0.001; fi
echo "{\"median_s\": $t, \"gbps\": 1.0, \"agrees\": true, \"pattern_read_gbps\": $g, \"pct_pattern_bandwidth\": $p}"
SH
chmod +x "$tmp/phases"
out=$(COUNTER="$tmp/count" ab --bin "$tmp/phases" --rounds 2 --config="$config" -- "" "--seed 2")
grep -q '^by phase: plain read below / above 28.3 GB/s (slow / fast)' <<<"$out" ||
  fail "no table by phase: $out"
grep -q '^| (none) | 0.900 (2) | - | 1.000 (2) | - |$' <<<"$out" ||
  fail "first arm by phase: $out"
grep -q '^| --seed 2 | - | 0.800 (2) | - | - |$' <<<"$out" ||
  fail "second arm by phase: $out"
# Plain reads within 1.25x of each other: one phase, no such table.
cat >"$tmp/one-phase" <<'SH'
#!/bin/sh
echo '{"median_s": 0.001, "gbps": 1.0, "agrees": true, "pattern_read_gbps": 30, "pct_pattern_bandwidth": 0.9}'
SH
chmod +x "$tmp/one-phase"
out=$(ab --bin "$tmp/one-phase" --rounds 2 --config="$config" -- "" "--seed 2")
! grep -q '^by phase' <<<"$out" || fail "a table by phase with one phase: $out"
# Bad arguments: each named.
expect_error() {  # PATTERN ARGS...: run_ab exits non-zero, PATTERN in its output
  local pattern=$1 err
  shift
  if err=$(ab "$@" 2>&1); then fail "accepted: $*"; fi
  grep -q -- "$pattern" <<<"$err" || fail "unclear error for $*: $err"
}
expect_error "arm '--prefetch-hint t9' failed (exit 2): .*t9 not in" \
  --bin "$bin" --rounds 1 --config="$config" -- "" "--prefetch-hint t9"
expect_error "allowed 1 to 100" --bin "$bin" --rounds 0 --config="$config" -- ""
expect_error "ARM '@$tmp/none': no such binary $tmp/none" \
  --bin "$bin" --config="$config" -- "" "@$tmp/none"
expect_error "each arm once" --bin "$bin" --config="$config" -- "" ""
expect_error "ARM '--seed \"1': No closing quotation" \
  --bin "$bin" --config="$config" -- "" '--seed "1'
expect_error "--out $tmp/nowhere/rows.jsonl: no folder" \
  --bin "$bin" --config="$config" --out "$tmp/nowhere/rows.jsonl" -- ""
echo ok
