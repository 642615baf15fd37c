#!/usr/bin/env bash
# The decode prefetch hint's A/B on this CPU (kernels/prefetch_hint.h):
# causal decode (Nq=1, H=32, Hkv=8, D=128, 2 threads, Nk=16384 and 65536)
# with `--prefetch-hint t1` against `t0`, ROUNDS interleaved rounds
# (default 4; scripts/run_ab.py). The first measurement to take on a CPU
# whose default hint rests on another CPU's figures (Zen 3 gets t1 from
# Zen 4's). Rows go to results/prefetch-hint/<run-id>[-<target>]-Nk<Nk>.jsonl.
# Usage: scripts/prefetch_hint_ab.sh [--target NAME]
set -euo pipefail
source "$(dirname "$0")/acceptance_common.sh" prefetch-hint "$@"
lscpu | grep -E "^(Model name|CPU family|Model):" || true
for nk in 16384 65536; do
  /usr/bin/python3 scripts/run_ab.py --bin "$bin" --rounds "${ROUNDS:-4}" \
    --config="--target $target --variant flash --mask causal --Nq 1 --Nk $nk --H 32 --Hkv 8 --D 128 --threads 2 --reps 10 --min-time 0.3" \
    --out "${out%.jsonl}-Nk$nk.jsonl" -- "--prefetch-hint t1" "--prefetch-hint t0"
done
