#!/usr/bin/env python3
"""Summarise rows written by scripts/dtype_acceptance.sh.

Per configuration and dtype (bf16 split by the row's bf16_dot: Q K^T by
vdpbf16ps, or from widened rows): the median over rounds of the time, GB/s and
pct_bandwidth (decode) or GFLOP/s and pct_peak (prefill), and the speed-up
against f32 (f32 median time over the dtype's median time).

  /usr/bin/python3 scripts/dtype_table.py results/dtype-acceptance/X.jsonl
"""
import json
import statistics
import sys


def dtype_label(row):
    # Decode rows take the decode kernels, which widen in registers.
    if row["dtype"] != "bf16" or row["case"] != "prefill" or \
            "bf16_dot" not in row:
        return row["dtype"]
    return "bf16 (vdpbf16ps)" if row["bf16_dot"] else "bf16 (widened)"


def median(rows, field):
    return statistics.median(r[field] for r in rows)


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    groups = {}
    for r in rows:
        key = (r["case"], r["Nq"], r["Nk"], r["D"], dtype_label(r))
        groups.setdefault(key, []).append(r)
    print(f"target {rows[0]['target']}, {rows[0]['threads']} threads; "
          f"medians over rounds\n")
    print("| case | Nq | Nk | D | dtype | storage | rounds | time ms | "
          "GB/s | pct_bandwidth | GFLOP/s | pct_peak | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, rs in groups.items():
        case, nq, nk, dim, dtype = key
        base = groups.get((case, nq, nk, dim, "f32"))
        t = median(rs, "median_s")
        speedup = median(base, "median_s") / t if base else float("nan")
        print(f"| {case} | {nq} | {nk} | {dim} | {dtype} | "
              f"{rs[0].get('storage', 'f32')} | {len(rs)} | {1e3 * t:.3f} | "
              f"{median(rs, 'gbps'):.1f} | {median(rs, 'pct_bandwidth'):.3f} | "
              f"{median(rs, 'gflops'):.1f} | {median(rs, 'pct_peak'):.3f} | "
              f"{speedup:.2f} |")
    print(f"\nevery row agrees with the oracle: "
          f"{all(r.get('agrees') for r in rows)}")


if __name__ == "__main__":
    main(sys.argv[1])
