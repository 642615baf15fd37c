#!/usr/bin/env bash
# The decode acceptance figures (docs/flash.md "Decode"): one new token
# (Nq=1) against Nk cached keys with Llama-3-8B's heads (H=32, Hkv=8,
# D=128), 2 threads, on every mask kind that runs with Nq < Nk, in GB/s of
# minimal K/V bytes against the read bandwidth measured in the same process;
# a window's time against Nk; prefill with grouped-query heads against
# H = Hkv, and chunked prefill, per FLOP. ROUNDS interleaved rounds
# (default 2). Rows go to results/decode-acceptance/<run-id>[-<target>].jsonl.
# Usage: scripts/decode_acceptance.sh [--target NAME]
set -euo pipefail
source "$(dirname "$0")/acceptance_common.sh" decode-acceptance "$@"
decode=(
  "flash causal 1024" "flash causal 4096" "flash causal 16384"
  "flash causal 65536" "flash causal 131072" "flash none 65536"
  "sliding_window window:4096 16384" "sliding_window window:4096 32768"
  "sliding_window window:4096 65536" "sliding_window window:4096 131072"
  "adaptive_span span:4096 65536" "alibi alibi 65536"
  "document document:8192 65536" "prefix_lm prefix_lm:1024 65536"
  "global_window global_window:64:4096 65536"
  "sparse_fixed sparse_fixed:256:32 65536" "dilated dilated:64:4 65536"
  "sparse_strided sparse_strided:128 65536"
)
for _ in $(seq "${ROUNDS:-2}"); do
  for case in "${decode[@]}"; do
    read -r variant mask nk <<<"$case"
    attn_run --variant "$variant" --mask "$mask" --Nq 1 --Nk "$nk" --D 128 \
      --H 32 --Hkv 8 --threads 2 --reps 10 --min-time 0.3 --format json \
      | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); r["case"]="decode"; print(json.dumps(r))' >>"$out"
  done
  for hkv in 8 32; do  # prefill, grouped-query heads against none
    attn_run --variant flash --mask causal --N 4096 --D 128 --H 32 \
      --Hkv "$hkv" --threads 2 --reps 3 --format json \
      | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); r["case"]="prefill"; print(json.dumps(r))' >>"$out"
  done
  # Chunked prefill: 256 new tokens against 16384 keys.
  attn_run --variant flash --mask causal --Nq 256 --Nk 16384 --D 128 --H 32 \
    --Hkv 8 --threads 2 --reps 3 --format json \
    | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); r["case"]="chunked"; print(json.dumps(r))' >>"$out"
done
/usr/bin/python3 scripts/decode_table.py "$out"
echo "rows: $out"
