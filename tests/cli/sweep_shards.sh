#!/usr/bin/env bash
# Usage: sweep_shards.sh ATTNBENCH
# A small sweep split into 3 shards (`sweep --shard I/3`): the shards'
# plans are disjoint and together the whole plan; shard 1 is "killed"
# half-way (rows cut, a torn line) and resumed; `attnbench merge` joins the
# three into one run holding exactly the plan's configurations, all
# agreeing; a missing shard is named (exit 1) and a shard of another plan
# or of another kind of machine refused.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
args=(--variants naive,flash --masks 'causal;window:16'
      --N-min 32 --N-max 128 --H 2 --threads 2 --reps 1 --min-time 0
      --rounds 1)
"$bin" sweep "${args[@]}" --dry-run | grep -v configurations | grep -v '^left out' | sort > "$dir/plan"
planned=$(grep -c . "$dir/plan")
: > "$dir/shards"
for i in 0 1 2; do
  "$bin" sweep "${args[@]}" --shard "$i/3" --dry-run |
    grep -v configurations | grep -v '^left out' >> "$dir/shards"
done
sort "$dir/shards" > "$dir/shards.sorted"
cmp -s "$dir/plan" "$dir/shards.sorted" ||
  { echo "FAIL: the shards are not the plan, each configuration once"; exit 1; }

for i in 0 1 2; do
  "$bin" sweep "${args[@]}" --shard "$i/3" --out "$dir/s$i" > "$dir/s$i.log"
done
rows1=$(grep -c . "$dir/s1/rows.jsonl")
head -n $((rows1 / 2)) "$dir/s1/rows.jsonl" > "$dir/half"
printf '{"status":"ok","variant":"fla' >> "$dir/half"
mv "$dir/half" "$dir/s1/rows.jsonl"
"$bin" sweep --resume "$dir/s1" > "$dir/s1-resume.log"
[ "$(grep -c . "$dir/s1/rows.jsonl")" -eq "$rows1" ] ||
  { echo "FAIL: the resumed shard lost or repeated rows"; exit 1; }

"$bin" merge --out "$dir/merged" "$dir/s0" "$dir/s1" "$dir/s2" > "$dir/merge.log"
rows=$(grep -c . "$dir/merged/rows.jsonl")
unique=$(cut -d, -f2-12 "$dir/merged/rows.jsonl" | sort -u | wc -l)
echo "planned=$planned merged_rows=$rows unique=$unique"
[ "$rows" -eq "$planned" ] || { echo "FAIL: merged rows"; exit 1; }
[ "$unique" -eq "$planned" ] || { echo "FAIL: duplicate rows"; exit 1; }
if grep -q '"agrees":false' "$dir/merged/rows.jsonl"; then
  echo "FAIL: a merged row disagrees"; exit 1
fi

if "$bin" merge --out "$dir/partial" "$dir/s0" "$dir/s2" 2> "$dir/missing.err"; then
  echo "FAIL: a merge with a missing shard succeeded"; exit 1
fi
grep -q "1 shard(s) of 3 missing: 1" "$dir/missing.err" ||
  { echo "FAIL: the missing shard was not named"; cat "$dir/missing.err"; exit 1; }
"$bin" sweep "${args[@]/128/64}" --shard 0/3 --out "$dir/other" > /dev/null
if "$bin" merge --out "$dir/mixed" "$dir/s0" "$dir/other" 2> "$dir/mixed.err"; then
  echo "FAIL: shards of two plans were merged"; exit 1
fi
grep -q "differ in plan_id" "$dir/mixed.err" ||
  { echo "FAIL: no reason for refusing two plans"; cat "$dir/mixed.err"; exit 1; }
# A shard measured on another kind of machine (its meta.json's machine key
# changed) is refused by name.
cp -r "$dir/s2" "$dir/s2-other-cpu"
sed -i 's/"machine_key": *"[^"]*"/"machine_key":"Other CPU (family 25, model 1), 2 cores"/' \
  "$dir/s2-other-cpu/meta.json"
grep -q "Other CPU" "$dir/s2-other-cpu/meta.json" ||
  { echo "FAIL: could not edit the machine key"; exit 1; }
if "$bin" merge --out "$dir/cpus" "$dir/s0" "$dir/s1" "$dir/s2-other-cpu" \
  2> "$dir/cpus.err"; then
  echo "FAIL: shards of two kinds of machine were merged"; exit 1
fi
grep -q "differ in machine or target" "$dir/cpus.err" ||
  { echo "FAIL: no reason for refusing two machines"; cat "$dir/cpus.err"; exit 1; }
echo PASS
