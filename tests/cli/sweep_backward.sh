#!/usr/bin/env bash
# Usage: sweep_backward.sh ATTNBENCH
# `sweep --pass backward`: every planned configuration has a row whose pass
# is backward and whose gradients agree with the oracle (all within its
# budget here); meta.json records the pass; a family without a backward
# (dilated in a decode sweep) is skipped with the reason.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
args=(--pass backward --variants naive,flash,adaptive_span,dilated
      --masks 'causal;span:8:4;dilated:8:2' --N-min 32 --N-max 64 --H 2
      --threads 2 --reps 1 --min-time 0 --rounds 1)
planned=$("$bin" sweep "${args[@]}" --dry-run | tail -n 1 | cut -d' ' -f1)
"$bin" sweep "${args[@]}" --out "$dir/run" > "$dir/log"
rows=$(grep -c . "$dir/run/rows.jsonl")
backward=$(grep -c '"pass":"backward"' "$dir/run/rows.jsonl")
agree=$(grep -c '"agrees":true' "$dir/run/rows.jsonl")
echo "planned=$planned rows=$rows backward=$backward agree=$agree"
[ "$rows" -eq "$planned" ] || { echo "FAIL: rows"; exit 1; }
[ "$backward" -eq "$rows" ] || { echo "FAIL: a row is not backward"; exit 1; }
[ "$agree" -eq "$rows" ] || { echo "FAIL: a row did not agree"; exit 1; }
grep -q '"pass": *"backward"' "$dir/run/meta.json" ||
  { echo "FAIL: meta.json lacks the pass"; exit 1; }
grep -q '"variant":"dilated"' "$dir/run/rows.jsonl" ||
  { echo "FAIL: no dilated rows"; exit 1; }
"$bin" sweep --pass backward --variants dilated --masks dilated:8:2 \
  --Nq 16 --N-min 32 --N-max 64 --dry-run > "$dir/decode.log"
grep -q 'for Nq = Nk only' "$dir/decode.log" ||
  { echo "FAIL: dilated's decode family was not skipped with the reason"; exit 1; }
echo PASS
