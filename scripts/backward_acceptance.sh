#!/usr/bin/env bash
# The backward pass's acceptance figures (docs/flash.md "Backward"): flash
# causal N=4096, H=8, D=64 and 128, 2 threads, forward, backward and both,
# with naive's backward beside them; and sliding_window window:256 backward
# at N = 2048, 8192, 32768, 65536 (D=64, H=8, 2 threads) for its exponent,
# fraction of peak and workspace. Every configuration once per round,
# ROUNDS rounds (default 3) interleaved in time; each row checked against
# the oracle's gradients. Rows go to
# results/backward-acceptance/<run-id>[-<target>].jsonl; scripts/backward_table.py
# prints the goals' figures (medians over rounds).
# Usage: scripts/backward_acceptance.sh [--target NAME]
set -euo pipefail
source "$(dirname "$0")/acceptance_common.sh" backward-acceptance "$@"
for _ in $(seq "${ROUNDS:-3}"); do
  for dim in 64 128; do
    for pass in forward backward both; do
      attn_run --variant flash --mask causal --N 4096 --D "$dim" --H 8 \
        --threads 2 --reps 5 --pass "$pass" --format json | tag causal >>"$out"
    done
    attn_run --variant naive --mask causal --N 4096 --D "$dim" --H 8 \
      --threads 2 --reps 2 --min-time 0 --pass backward --format json |
      tag causal >>"$out"
  done
  for n in 2048 8192 32768 65536; do
    attn_run --variant sliding_window --mask window:256 --N "$n" --D 64 --H 8 \
      --threads 2 --reps 5 --pass backward --format json | tag window >>"$out"
  done
done
/usr/bin/python3 scripts/backward_table.py "$out"
echo "rows: $out"
