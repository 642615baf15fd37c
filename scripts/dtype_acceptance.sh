#!/usr/bin/env bash
# The half-precision acceptance figures (docs/flash.md "Half precision"):
# decode (Nq=1, H=32, Hkv=8, D=128, Nk=16384 and 65536, 2 threads) and
# causal prefill (N=4096, H=8, D=64 and 128, 2 threads) with Q, K and V
# stored as f32, bf16 and f16, the three dtypes interleaved within each
# round so that they meet the same state of the shared host; both also
# bf16 with --no-bf16-dot (Q K^T from widened rows: the A/B of the
# vdpbf16ps path on a CPU with AVX-512 BF16), and `attnbench peak` once a
# round (the FP32 FMA and bf16 dot-product peaks of the moment). ROUNDS
# rounds (default 3). Rows go to results/dtype-acceptance/<run-id>[-<target>].jsonl;
# scripts/dtype_table.py prints the speed-ups against f32.
# Usage: scripts/dtype_acceptance.sh [--target NAME]
set -euo pipefail
source "$(dirname "$0")/acceptance_common.sh" dtype-acceptance "$@"
for _ in $(seq "${ROUNDS:-3}"); do
  for nk in 16384 65536; do
    for dtype in f32 bf16 f16 "bf16 --no-bf16-dot"; do
      # shellcheck disable=SC2086  # "bf16 --no-bf16-dot" is two words
      attn_run --variant flash --mask causal --Nq 1 --Nk "$nk" --D 128 --H 32 \
        --Hkv 8 --threads 2 --reps 10 --min-time 0.3 --dtype $dtype \
        --format json | tag decode >>"$out"
    done
  done
  # The FMA peak in the same round: prefill's "above the fp32 peak" is
  # judged against the machine's state of the moment, not only the stored
  # best of some quieter hour.
  "$bin" peak --target "$target" --threads 2 --format json | tag peak >>"$out"
  for dim in 64 128; do
    for dtype in f32 bf16 f16 "bf16 --no-bf16-dot"; do
      # shellcheck disable=SC2086  # "bf16 --no-bf16-dot" is two words
      attn_run --variant flash --mask causal --N 4096 --D "$dim" --H 8 \
        --threads 2 --reps 3 --dtype $dtype --format json \
        | tag prefill >>"$out"
    done
  done
done
/usr/bin/python3 scripts/dtype_table.py "$out"
echo "rows: $out"
