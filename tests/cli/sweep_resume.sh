#!/usr/bin/env bash
# Usage: sweep_resume.sh ATTNBENCH
# A small sweep is "killed" half-way (its rows cut to the first half plus a
# torn line, as a kill mid-write would leave them) and resumed: the result
# must hold every configuration of the plan exactly once, all agreeing with
# the oracle, with meta.json and rows.csv consistent.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
args=(--variants naive,flash,sliding_window --masks 'causal;window:16'
      --N-min 32 --N-max 256 --H 2 --threads 2 --reps 1 --min-time 0)

planned=$("$bin" sweep "${args[@]}" --dry-run | tail -n 1 | cut -d' ' -f1)
"$bin" sweep "${args[@]}" --out "$dir/run" > "$dir/first.log"
total=$(grep -c . "$dir/run/rows.jsonl")
[ "$total" -eq "$planned" ] || { echo "FAIL: $total rows, planned $planned"; exit 1; }

head -n $((total / 2)) "$dir/run/rows.jsonl" > "$dir/half"
printf '{"status":"ok","variant":"fla' >> "$dir/half"
mv "$dir/half" "$dir/run/rows.jsonl"
"$bin" sweep --resume "$dir/run" > "$dir/resume.log"

rows=$(grep -c . "$dir/run/rows.jsonl")
unique=$(cut -d, -f2-12 "$dir/run/rows.jsonl" | sort -u | wc -l)
csv=$(($(grep -c . "$dir/run/rows.csv") - 1))
echo "planned=$planned rows=$rows unique=$unique csv_rows=$csv"
[ "$rows" -eq "$planned" ] || { echo "FAIL: rows after resume"; exit 1; }
[ "$unique" -eq "$planned" ] || { echo "FAIL: duplicate rows"; exit 1; }
[ "$csv" -eq "$planned" ] || { echo "FAIL: rows.csv out of step"; exit 1; }
if grep -q '"agrees":false' "$dir/run/rows.jsonl"; then
  echo "FAIL: a row disagrees with the oracle"; exit 1
fi
grep -q '"sessions"' "$dir/run/meta.json"
[ "$(grep -c '"started_utc"' "$dir/run/meta.json")" -eq 2 ] ||
  { echo "FAIL: meta.json should record two sessions"; exit 1; }
grep -q "exponent" "$dir/resume.log" || { echo "FAIL: no summary"; exit 1; }
echo ok
