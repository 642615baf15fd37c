#!/usr/bin/env python3
"""A/B timing of two attnbench binaries, interleaved in one run.

Runs every configuration on binary A then binary B, `--rounds` times in
alternation (A B A B ...), each run `attnbench run` with its own warm-up,
repetitions and oracle check, and reports per configuration the median over
rounds of each binary's median time and their ratio (B time / A time; below
1 is faster). Mask names are translated for a binary from before the mask
kinds were renamed (doc, prefix, global, fixed, strided). Rows (one per run)
go to OUT.jsonl, the table to OUT.md.

  /usr/bin/python3 scripts/ab_compare.py OLD_BIN NEW_BIN OUT [--rounds 3]
      [--only flash,sliding_window] [--target AVX2]
"""
import argparse
import json
import statistics
import subprocess
import sys

# variant, mask (current names), N, D
CONFIGS = [
    ("flash", "causal", n, 64) for n in (4096, 16384)
] + [
    ("flash", "causal", n, 128) for n in (4096, 16384)
] + [
    (v, m, n, 64)
    for n in (4096, 16384)
    for v, m in [
        ("sliding_window", "window:256"),
        ("adaptive_span", "span:32,64,128,256,512,1024,2048,4096:32"),
        ("alibi", "alibi"),
        ("document", "document:512,1024,256"),
        ("global_window", "global_window:64:256"),
        ("prefix_lm", "prefix_lm:1024"),
        ("sparse_fixed", "sparse_fixed:128:32"),
        ("sparse_strided", "sparse_strided:128"),
    ]
]

OLD_NAMES = {"document": "doc", "prefix_lm": "prefix",
             "global_window": "global", "sparse_fixed": "fixed",
             "sparse_strided": "strided"}


def old_vocabulary(binary):
    listing = subprocess.run([binary, "list"], capture_output=True, text=True,
                             check=True).stdout
    return "\n  doc:" in listing


def mask_for(mask, old):
    kind, _, params = mask.partition(":")
    if old and kind in OLD_NAMES:
        kind = OLD_NAMES[kind]
    return kind + (":" + params if params else "")


def run(binary, old, variant, mask, n, d, target):
    cmd = [binary, "run", "--variant", variant, "--mask", mask_for(mask, old),
           "--N", str(n), "--D", str(d), "--H", "8", "--threads", "2",
           "--reps", "3", "--min-time", "0.3", "--target", target,
           "--format", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old_bin")
    ap.add_argument("new_bin")
    ap.add_argument("out", help="output path without extension")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--target", default="best",
                    help="Highway target for both binaries (e.g. AVX2)")
    ap.add_argument("--only", default="",
                    help="comma-separated variants to run (default: all)")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    bins = {"A": (args.old_bin, old_vocabulary(args.old_bin)),
            "B": (args.new_bin, old_vocabulary(args.new_bin))}
    times = {}
    with open(args.out + ".jsonl", "w") as rows:
        for variant, mask, n, d in CONFIGS:
            if only and variant not in only:
                continue
            key = (variant, mask, n, d)
            for _ in range(args.rounds):
                for side, (binary, old) in bins.items():
                    r = run(binary, old, variant, mask, n, d, args.target)
                    if not r["agrees"]:
                        sys.exit(f"{side} disagrees with the oracle: {key}")
                    r["ab_side"] = side
                    rows.write(json.dumps(r) + "\n")
                    rows.flush()
                    times.setdefault(key, {}).setdefault(side, []).append(
                        (r["median_s"], r["gflops"], r["target"]))
            a = statistics.median(t for t, _, _ in times[key]["A"])
            b = statistics.median(t for t, _, _ in times[key]["B"])
            print(f"{variant:15} {mask:42} N={n:6} D={d:4} "
                  f"A {a * 1e3:9.2f} ms  B {b * 1e3:9.2f} ms  B/A {b / a:.3f}",
                  flush=True)
    lines = ["| variant | mask | N | D | A median ms | B median ms | "
             "B GFLOP/s | B/A time |", "|---|---|---|---|---|---|---|---|"]
    for (variant, mask, n, d), sides in times.items():
        a = statistics.median(t for t, _, _ in sides["A"])
        b = statistics.median(t for t, _, _ in sides["B"])
        g = statistics.median(x for _, x, _ in sides["B"])
        lines.append(f"| {variant} | {mask} | {n} | {d} | {a * 1e3:.2f} | "
                     f"{b * 1e3:.2f} | {g:.1f} | {b / a:.3f} |")
    target = next(iter(times.values()))["B"][0][2]
    header = (f"A = {args.old_bin}, B = {args.new_bin}; target {target}, "
              f"B=1, H=8, 2 threads, {args.rounds} interleaved rounds, "
              "medians over rounds of each run's median time.\n\n")
    with open(args.out + ".md", "w") as md:
        md.write(header + "\n".join(lines) + "\n")
    print(header + "\n".join(lines))


if __name__ == "__main__":
    main()
