#!/usr/bin/env bash
# Test scripts/run_ab.py against the attnbench binary on a tiny decode:
# every arm's rows and table line, and a failing arm named with its error.
# Usage: tests/scripts/test_run_ab.sh REPO_ROOT ATTNBENCH_BIN
set -euo pipefail
repo=${1:?usage: test_run_ab.sh REPO_ROOT ATTNBENCH_BIN}
bin=${2:?usage: test_run_ab.sh REPO_ROOT ATTNBENCH_BIN}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
config="--variant flash --mask causal --Nq 1 --Nk 300 --H 4 --Hkv 2 --D 24 --threads 2 --min-time 0.01 --reps 3"

out=$(/usr/bin/python3 "$repo/scripts/run_ab.py" --bin "$bin" --rounds 2 \
  --config "$config" "" "--prefetch-hint t0" --out "$tmp/rows.jsonl")
echo "$out"
grep -q '^| (none) | .* | 1.000 | 1.000 1.000 | .* | yes |$' <<<"$out" ||
  fail "no line for the first arm"
grep -q '^| --prefetch-hint t0 | .* | yes |$' <<<"$out" || fail "no line for t0"
/usr/bin/python3 - "$tmp/rows.jsonl" <<'PY' || fail "rows"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert [(r["arm"], r["round"]) for r in rows] == [
    ("", 0), ("--prefetch-hint t0", 0), ("", 1), ("--prefetch-hint t0", 1)]
assert [r["prefetch_hint"] for r in rows[1::2]] == ["t0", "t0"], rows
assert all(r["agrees"] for r in rows)
assert all(r["kv_cache"] == "cold" for r in rows)
PY

if err=$(/usr/bin/python3 "$repo/scripts/run_ab.py" --bin "$bin" --rounds 1 \
  --config "$config" "" "--prefetch-hint t9" 2>&1); then
  fail "a failing arm exited 0"
fi
grep -q "arm '--prefetch-hint t9' failed: .*t9 not in" <<<"$err" ||
  fail "the failing arm not named: $err"
if err=$(/usr/bin/python3 "$repo/scripts/run_ab.py" --bin "$bin" --rounds 0 \
  --config "$config" "" 2>&1); then
  fail "--rounds 0 accepted"
fi
grep -q "allowed 1 to 100" <<<"$err" || fail "unclear --rounds error: $err"
echo ok
