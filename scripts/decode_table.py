#!/usr/bin/env python3
"""Summarise rows written by scripts/decode_acceptance.sh.

Prints, per configuration, the median over rounds of GB/s (minimal K/V
bytes over the median time), of the fraction of the read bandwidth that
the same process measured, of the fraction of a plain read of the same
rows timed beside each run (pct_pattern; "-" for rows without it), and of
the time; then the window's time spread over Nk, and prefill rates per
FLOP.

  /usr/bin/python3 scripts/decode_table.py results/decode-acceptance/X.jsonl
"""
import json
import statistics
import sys


def median(rows, field):
    return statistics.median(r[field] for r in rows)


def median_text(rows, field):
    """The median as text, or "-" where a row lacks the field."""
    values = [r.get(field) for r in rows]
    if any(v is None for v in values):
        return "-"
    return f"{statistics.median(values):.3f}"


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    target = rows[0]["target"]
    groups = {}
    for r in rows:
        key = (r.get("case", ""), r["variant"], r["mask"], r["Hkv"], r["Nq"],
               r["Nk"])
        groups.setdefault(key, []).append(r)
    print(f"target {target}; medians over {len(next(iter(groups.values())))}"
          " rounds\n")
    print("| case | variant | mask | Nq | Nk | H/Hkv | time ms | GB/s | "
          "read GB/s | pct_bandwidth | pct_pattern | GFLOP/s | pct_peak | "
          "bound |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, rs in groups.items():
        case, variant, mask, hkv, nq, nk = key
        print(f"| {case} | {variant} | {mask} | {nq} | {nk} | "
              f"{rs[0]['H']}/{hkv} | {1e3 * median(rs, 'median_s'):.3f} | "
              f"{median(rs, 'gbps'):.1f} | {median(rs, 'read_gbps'):.1f} | "
              f"{median(rs, 'pct_bandwidth'):.3f} | "
              f"{median_text(rs, 'pct_pattern_bandwidth')} | "
              f"{median(rs, 'gflops'):.1f} | {median(rs, 'pct_peak'):.3f} | "
              f"{rs[0]['bound']} |")
    window = [median(rs, "median_s") for k, rs in groups.items()
              if k[0] == "decode" and k[2].startswith("window:")]
    if window:
        print(f"\nwindow decode time, max / min over Nk: "
              f"{max(window) / min(window):.3f}")
    prefill = {k[3]: median(rs, "gflops") for k, rs in groups.items()
               if k[0] == "prefill"}
    if len(prefill) == 2:
        gqa, mha = prefill[min(prefill)], prefill[max(prefill)]
        print(f"prefill GFLOP/s, grouped-query / H = Hkv: {gqa:.1f} / "
              f"{mha:.1f} = {gqa / mha:.3f}")
    chunked = [median(rs, "gflops") for k, rs in groups.items()
               if k[0] == "chunked"]
    if chunked and prefill:
        print(f"chunked prefill (Nq=256, Nk=16384) GFLOP/s: {chunked[0]:.1f}"
              f" = {chunked[0] / prefill[min(prefill)]:.3f} of prefill")
    print("every row agrees with the oracle:", all(r["agrees"] for r in rows))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: decode_table.py ROWS.jsonl")
    main(sys.argv[1])
