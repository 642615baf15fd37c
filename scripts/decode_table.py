#!/usr/bin/env python3
"""Summarise rows written by scripts/decode_acceptance.sh.

Prints, per configuration, the median over rounds of GB/s (minimal K/V
bytes over the median time), of the fraction of the read bandwidth that
the same process measured, of the fraction of a plain read of the same
rows timed beside each run (pct_pattern; "-" for rows without it), and of
the time; then the window's time spread over Nk (of the medians, and
within each round whose plain read held still), causal decode's time
per key against Nk=16384 (the step's and the plain read's), and prefill
rates per FLOP. Where the read bandwidth moved between rows by more than
a quarter (the host's memory in a slow and a fast phase), a second table
gives the decode fractions of each phase apart.

  /usr/bin/python3 scripts/decode_table.py results/decode-acceptance/X.jsonl
"""
import json
import statistics
import sys

from memory_phases import phase_cut


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


# A round's plain reads within this ratio of each other: the host's memory
# held one phase through it (docs/semantics.md "Noise").
SAME_PHASE_READ_SPREAD = 1.10


def window_rounds(rows):
    """The window's time, max / min over Nk, within each round (the i-th
    row of each Nk is round i) whose plain reads of the rows held within
    SAME_PHASE_READ_SPREAD: the host's memory moves this host's bandwidth
    by up to 1.8x between minutes, which the medians over rounds mix.
    Returns (spreads of the rounds kept, rounds in all)."""
    by_nk = {}
    for r in rows:
        if r.get("case") == "decode" and r["mask"].startswith("window:"):
            by_nk.setdefault((r["mask"], r["Nk"]), []).append(r)
    if len(by_nk) < 2:
        return [], 0
    rounds = min(len(rs) for rs in by_nk.values())
    kept = []
    for i in range(rounds):
        members = [rs[i] for rs in by_nk.values()]
        reads = [m.get("pattern_read_gbps") for m in members]
        if None in reads or max(reads) > SAME_PHASE_READ_SPREAD * min(reads):
            continue
        times = [m["median_s"] for m in members]
        kept.append(max(times) / min(times))
    return kept, rounds


def phase_table(groups):
    """Decode rows' pct_bandwidth and pct_pattern per phase of the host's
    memory: the medians over rounds above mix a slow and a fast phase
    (docs/semantics.md "Noise"; on AMD Zen 4 the probe moved between 34
    and 62 GB/s within one run)."""
    decode = {k: rs for k, rs in groups.items() if k[0] == "decode"}
    cut = phase_cut([r["read_gbps"] for rs in decode.values() for r in rs])
    if cut is None:
        return

    def cell(rs, field):
        values = [r.get(field) for r in rs]
        if not values:
            return "-"
        if any(v is None for v in values):
            return f"- ({len(values)})"
        return f"{statistics.median(values):.3f} ({len(values)})"

    print(f"\nby phase: probe below / above {cut:.1f} GB/s (slow / fast);"
          " medians (rounds)\n")
    print("| mask | Nk | pct_bandwidth slow | pct_bandwidth fast | "
          "pct_pattern slow | pct_pattern fast |")
    print("|---|---|---|---|---|---|")
    for key, rs in decode.items():
        slow = [r for r in rs if r["read_gbps"] < cut]
        fast = [r for r in rs if r["read_gbps"] >= cut]
        print(f"| {key[2]} | {key[5]} | {cell(slow, 'pct_bandwidth')} | "
              f"{cell(fast, 'pct_bandwidth')} | "
              f"{cell(slow, 'pct_pattern_bandwidth')} | "
              f"{cell(fast, 'pct_pattern_bandwidth')} |")


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
    phase_table(groups)
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
        kept, rounds = window_rounds(rows)
        if kept:
            print(f"window decode time, max / min over Nk within a round "
                  f"whose plain read held within "
                  f"{SAME_PHASE_READ_SPREAD - 1:.0%}: median "
                  f"{statistics.median(kept):.3f} over {len(kept)} of "
                  f"{rounds} rounds (" +
                  ", ".join(f"{x:.3f}" for x in kept) + ")")
        elif rounds:
            print(f"window decode time within a round: no round of {rounds}"
                  f" whose plain read held within "
                  f"{SAME_PHASE_READ_SPREAD - 1:.0%}")
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
