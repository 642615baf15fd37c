#!/usr/bin/python3
"""Summarise rows written by scripts/backward_acceptance.sh: the backward
goals of the gradients issue, from medians over rounds.

  /usr/bin/python3 scripts/backward_table.py results/backward-acceptance/X.jsonl

Prints, for flash causal N=4096 (D=64, 128): GFLOP/s and pct_peak of the
forward, backward and both, naive's backward and flash's speed-up over it;
and for sliding_window window:256 backward: per N the time, GFLOP/s,
pct_peak and workspace, and the exponent of time in N fitted by least
squares on the logs of the median times.
"""
import json
import math
import statistics
import sys


def median(rows, field):
    return statistics.median(r[field] for r in rows)


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    groups = {}
    for r in rows:
        key = (r["case"], r["variant"], r["D"], r["Nk"], r["pass"])
        groups.setdefault(key, []).append(r)
    first = rows[0]
    print(f"target {first['target']}, {first['threads']} threads, H={first['H']}; "
          f"medians over rounds (FMA peak: median of the rows' "
          f"{median(rows, 'peak_gflops'):.0f} GFLOP/s)\n")
    print("| flash causal N=4096 | forward | backward | both | naive backward "
          "| backward / naive |")
    print("|---|---|---|---|---|---|")
    for dim in sorted({r["D"] for r in rows if r["case"] == "causal"}):
        cells = []
        for variant, pass_ in (("flash", "forward"), ("flash", "backward"),
                               ("flash", "both"), ("naive", "backward")):
            rs = groups.get(("causal", variant, dim, 4096, pass_), [])
            cells.append(f"{median(rs, 'gflops'):.1f} "
                         f"({median(rs, 'pct_peak'):.3f})" if rs else "-")
        flash = groups.get(("causal", "flash", dim, 4096, "backward"))
        naive = groups.get(("causal", "naive", dim, 4096, "backward"))
        speedup = (median(naive, "median_s") / median(flash, "median_s")
                   if flash and naive else float("nan"))
        print(f"| D={dim} | " + " | ".join(cells) + f" | {speedup:.1f}x |")
    window = sorted((k, v) for k, v in groups.items() if k[0] == "window")
    if window:
        print("\n| sliding_window window:256 backward, D=64 | ms | GFLOP/s | "
              "pct_peak | workspace bytes | rounds |")
        print("|---|---|---|---|---|---|")
        xs, ys = [], []
        for (_, _, _, n, _), rs in window:
            t = median(rs, "median_s")
            xs.append(math.log(n))
            ys.append(math.log(t))
            print(f"| N={n} | {1e3 * t:.2f} | {median(rs, 'gflops'):.1f} | "
                  f"{median(rs, 'pct_peak'):.3f} | "
                  f"{max(r['workspace_bytes'] for r in rs)} | {len(rs)} |")
        mx, my = statistics.mean(xs), statistics.mean(ys)
        slope = (sum((x - mx) * (y - my) for x, y in zip(xs, ys)) /
                 sum((x - mx) ** 2 for x in xs))
        print(f"\nexponent of time in N (least squares over "
              f"{len(xs)} sizes): {slope:.3f}")
    noisy = sum(1 for r in rows if r.get("noisy"))
    print(f"\nevery row agrees with the oracle: "
          f"{all(r.get('agrees') for r in rows)}; noisy rows: {noisy} of "
          f"{len(rows)}")


if __name__ == "__main__":
    main(sys.argv[1])
