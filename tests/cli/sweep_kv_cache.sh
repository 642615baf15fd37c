#!/usr/bin/env bash
# Usage: sweep_kv_cache.sh ATTNBENCH
# A decode sweep with --kv-cache warm: the choice printed and stored in
# meta.json, every row warm (no plain read beside it), and a resumed run
# keeping the stored choice.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$bin" sweep --Nq 1 --variants flash --masks causal --N-min 256 --N-max 512 \
  --D 32 --H 4 --Hkv 2 --rounds 1 --reps 2 --min-time 0 --kv-cache warm \
  --out "$dir/run" > "$dir/first.log"
grep -q "K and V left in the caches before each timed run (--kv-cache warm)" \
  "$dir/first.log" || fail "the choice not printed"
check() {  # ROWS: the stored choice and every row warm
  /usr/bin/python3 - "$dir/run" "$1" <<'PY'
import json, sys
run, want = sys.argv[1], int(sys.argv[2])
meta = json.load(open(f"{run}/meta.json"))
assert meta["sweep"]["kv_cache"] == "warm", meta["sweep"]
rows = [json.loads(line) for line in open(f"{run}/rows.jsonl")]
assert len(rows) == want, len(rows)
assert all(r["kv_cache"] == "warm" and r["pattern_read_gbps"] is None
           for r in rows), rows
PY
}
check 2 || fail "first run"
head -n 1 "$dir/run/rows.jsonl" > "$dir/half"
mv "$dir/half" "$dir/run/rows.jsonl"
"$bin" sweep --resume "$dir/run" > "$dir/resume.log"
check 2 || fail "resumed run"
echo ok
