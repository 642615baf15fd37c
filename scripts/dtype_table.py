#!/usr/bin/env python3
"""Summarise rows written by scripts/dtype_acceptance.sh.

Per configuration and dtype (bf16 split by the row's bf16_dot: Q K^T by
vdpbf16ps, or from widened rows; decode's only in runs that have both): the median over rounds of the time, GB/s and
pct_bandwidth (decode) or GFLOP/s and pct_peak (prefill), and the speed-up
against f32 (f32 median time over the dtype's median time). Where the run has
`attnbench peak` rows (case "peak", one a round), prefill rows also get
"x probe": GFLOP/s over the median of the rounds' FP32 FMA peaks, measured
in the same minutes (pct_peak divides by the stored best of any hour).

  /usr/bin/python3 scripts/dtype_table.py results/dtype-acceptance/X.jsonl
"""
import json
import statistics
import sys


def dtype_label(row, split_decode):
    """bf16 rows by bf16_dot: prefill's always; decode's where split_decode
    (the run has decode rows with --no-bf16-dot, so it is from 983870d on:
    decode rows before it say bf16_dot although decode widened Q and K;
    rows from the twentieth session on say what the timed runs did)."""
    if row["dtype"] != "bf16" or "bf16_dot" not in row or \
            (row["case"] == "decode" and not split_decode):
        return row["dtype"]
    return "bf16 (vdpbf16ps)" if row["bf16_dot"] else "bf16 (widened)"


def median(rows, field):
    return statistics.median(r[field] for r in rows)


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    peaks = [r for r in rows if r["case"] == "peak"]
    rows = [r for r in rows if r["case"] != "peak"]
    probe = median(peaks, "peak_gflops") if peaks else float("nan")
    split_decode = any(r["case"] == "decode" and r["dtype"] == "bf16" and
                       r.get("bf16_dot") is False for r in rows)
    groups = {}
    for r in rows:
        key = (r["case"], r["Nq"], r["Nk"], r["D"],
               dtype_label(r, split_decode))
        groups.setdefault(key, []).append(r)
    print(f"target {rows[0]['target']}, {rows[0]['threads']} threads; "
          f"medians over rounds")
    if peaks:
        stored = peaks[-1].get("stored_peak_gflops", float("nan"))
        print(f"FP32 FMA peak in the same rounds: {probe:.1f} GFLOP/s "
              f"(median of {len(peaks)}; bf16 dot product "
              f"{median(peaks, 'bf16_dot_gflops'):.1f}); stored best "
              f"{stored:.1f}")
    print()
    print("| case | Nq | Nk | D | dtype | storage | rounds | time ms | "
          "GB/s | pct_bandwidth | GFLOP/s | pct_peak | x probe | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, rs in groups.items():
        case, nq, nk, dim, dtype = key
        base = groups.get((case, nq, nk, dim, "f32"))
        t = median(rs, "median_s")
        speedup = median(base, "median_s") / t if base else float("nan")
        x_probe = (f"{median(rs, 'gflops') / probe:.3f}"
                   if case == "prefill" and peaks else "")
        print(f"| {case} | {nq} | {nk} | {dim} | {dtype} | "
              f"{rs[0].get('storage', 'f32')} | {len(rs)} | {1e3 * t:.3f} | "
              f"{median(rs, 'gbps'):.1f} | {median(rs, 'pct_bandwidth'):.3f} | "
              f"{median(rs, 'gflops'):.1f} | {median(rs, 'pct_peak'):.3f} | "
              f"{x_probe} | {speedup:.2f} |")
    print(f"\nevery row agrees with the oracle: "
          f"{all(r.get('agrees') for r in rows)}")


if __name__ == "__main__":
    main(sys.argv[1])
