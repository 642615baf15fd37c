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

# A damaged or edited run folder: one line and status 2, never a crash nor
# settings the command line would refuse.
damaged() {  # damaged NAME PYTHON PATTERN
  rm -rf "$dir/bad" && cp -r "$dir/run" "$dir/bad"
  /usr/bin/python3 -c "$2" "$dir/bad"
  set +e
  err=$("$bin" sweep --resume "$dir/bad" 2>&1 >/dev/null)
  status=$?
  set -e
  if [ "$status" -ne 2 ] || [ "$(printf '%s\n' "$err" | grep -c .)" -ne 1 ] ||
     ! printf '%s\n' "$err" | grep -Eq -- "$3"; then
    echo "FAIL ($1): status=$status stderr=[$err]"; exit 1
  fi
}
damaged truncated 'import sys; p=sys.argv[1]+"/meta.json"; t=open(p).read(); open(p,"w").write(t[:len(t)//2])' \
  "meta.json is not a sweep's"
damaged warmup 'import sys,json; p=sys.argv[1]+"/meta.json"; m=json.load(open(p)); m["sweep"]["warmup"]=2000000000; json.dump(m,open(p,"w"))' \
  "warmup = 2000000000 is out of range; allowed: 0..1000"
damaged type 'import sys,json; p=sys.argv[1]+"/meta.json"; m=json.load(open(p)); m["sweep"]["n_min"]="x"; json.dump(m,open(p,"w"))' \
  "sweep settings are not a sweep's"
# A row without its configuration's fields is dropped, said, and rerun.
cp -r "$dir/run" "$dir/fieldless"
echo '{"status":"ok","variant":"naive"}' >> "$dir/fieldless/rows.jsonl"
"$bin" sweep --resume "$dir/fieldless" 2> "$dir/fieldless.err" > /dev/null
grep -q "dropped 1 row" "$dir/fieldless.err" || { echo "FAIL: no word of the dropped row"; exit 1; }
echo ok
