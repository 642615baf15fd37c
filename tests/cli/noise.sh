#!/usr/bin/env bash
# Usage: noise.sh ATTNBENCH
# A short sweep while two CPU hogs that this test starts (bounded by
# `timeout`) run: its rows are flagged noisy, naming other processes, and
# the summary marks them; the same sweep quiet (a configuration measured
# again while noisy, up to 3 times): no row is left flagged for other
# processes. (Runs alone: CTest's RUN_SERIAL, so that no other test is the
# "other process".)
set -euo pipefail
bin=$1
dir=$(mktemp -d)
hogs=()
cleanup() {
  for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
args=(--variants naive --masks causal --N-min 512 --N-max 1024 --H 2
      --threads 1 --reps 3 --min-time 0.3)

for _ in 1 2; do
  timeout 60 yes > /dev/null &
  hogs+=($!)
done
sleep 0.5  # running before the sweep starts
"$bin" sweep "${args[@]}" --retry-noisy 0 --out "$dir/busy" > "$dir/busy.log"
for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${hogs[@]}"; do wait "$p" 2>/dev/null || true; done  # gone
hogs=()
busy=$(grep -c '"noise_reason":"[^"]*other processes' "$dir/busy/rows.jsonl" || true)
[ "$busy" -ge 1 ] || { echo "FAIL: no row flagged while two hogs ran"; cat "$dir/busy/rows.jsonl"; exit 1; }
grep -q '\*' "$dir/busy.log" || { echo "FAIL: the summary marks no noisy point"; exit 1; }

sleep 1
# Quiet, with up to 3 tries a configuration: a passing burst of some other
# process on a shared machine is measured again, as a user would.
"$bin" sweep "${args[@]}" --retry-noisy 3 --out "$dir/quiet" > /dev/null
quiet=$(grep -c '"noise_reason":"[^"]*other processes' "$dir/quiet/rows.jsonl" || true)
[ "$quiet" -eq 0 ] || {
  echo "FAIL: $quiet quiet rows flagged for other processes:"
  grep -o '"noise_reason":"[^"]*"' "$dir/quiet/rows.jsonl"; exit 1; }
echo "ok: busy rows flagged $busy, quiet rows flagged 0"
