#!/usr/bin/env python3
"""Summarise rows written by scripts/decode_acceptance.sh.

Prints, per configuration, the median over rounds of GB/s (minimal K/V
bytes over the median time), of the fraction of the read bandwidth that
the same process measured, of the fraction of a plain read of the same
rows timed beside each run (pct_pattern; "-" for rows without it), and of
the time; then the window's time spread over Nk, causal decode's time
per key against Nk=16384 (the step's and the plain read's), and prefill
rates per FLOP.

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


def read_seconds(rows, per_key=False):
    """Median seconds of the plain read of the rows' K/V (per key with
    PER_KEY), or None where a row lacks it."""
    if any(r.get("pattern_read_gbps") is None for r in rows):
        return None
    return statistics.median(r["kv_bytes"] / r["pattern_read_gbps"] /
                             (r["Nk"] if per_key else 1) for r in rows)


def per_key(groups):
    """Causal decode's time per key at each Nk against Nk=16384's, and the
    same for the plain read of its rows where the rows have it: how much
    of a short step's cost per key the memory system's, not the kernel's."""
    causal = {k[5]: rs for k, rs in groups.items()
              if k[0] == "decode" and k[2] == "causal"}
    if 16384 not in causal:
        return

    def step(rs):
        return statistics.median(r["median_s"] / r["Nk"] for r in rs)

    base_step = step(causal[16384])
    base_read = read_seconds(causal[16384], per_key=True)
    for nk in sorted(n for n in causal if n < 16384):
        line = (f"causal decode per key, Nk={nk} against 16384: step "
                f"{step(causal[nk]) / base_step:.3f}x")
        r = read_seconds(causal[nk], per_key=True)
        if r is not None and base_read is not None:
            line += f", plain read of the same rows {r / base_read:.3f}x"
        print(line)


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
    if any(r.get("probes") == "quick" for r in rows):
        print("WARNING: rows taken with quick probes (ATTNBENCH_QUICK_PROBES=1):"
              " their read GB/s is an 8 MiB buffer the caches hold, and"
              " pct_bandwidth means nothing\n")
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
    windows = [rs for k, rs in groups.items()
               if k[0] == "decode" and k[2].startswith("window:")]
    if windows:
        window = [median(rs, "median_s") for rs in windows]
        line = (f"\nwindow decode time, max / min over Nk: "
                f"{max(window) / min(window):.3f}")
        reads = [read_seconds(rs) for rs in windows]
        if None not in reads:
            line += (f" (a plain read of the same rows: "
                     f"{max(reads) / min(reads):.3f})")
        print(line)
    per_key(groups)
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
    # How much of the run the host disturbed (docs/semantics.md "Noise").
    noisy = [r for r in rows if r.get("noisy")]
    stole = [r for r in noisy if "hypervisor stole" in r.get("noise_reason", "")]
    print(f"rows marked noisy: {len(noisy)} of {len(rows)}"
          f" ({len(stole)} with cores stolen by the hypervisor)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: decode_table.py ROWS.jsonl")
    main(sys.argv[1])
