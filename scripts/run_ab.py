#!/usr/bin/python3
"""Interleaved A/B of `attnbench run` option sets on one configuration.

Usage:
    /usr/bin/python3 scripts/run_ab.py --config="OPTIONS" [--rounds 4]
        [--bin build/release/attnbench] [--out ROWS.jsonl] -- ARM [ARM...]

Each ARM is a string of extra `attnbench run` options ("" for none, e.g.
"--prefetch-hint t0", "--target AVX2" or "--no-bf16-dot"), run by --bin,
or by another binary named first with "@" ("@/tmp/old/build/release/attnbench",
an older revision's build: two builds A/B'd in the same rounds); --config
holds the options every arm shares (variant, mask, shape, threads, timing).
Write --config=... with "=" and put "--" before the arms: an option string
that begins with "-" is otherwise read as an option of this script. Every round runs
each arm once, in the order given, so that all arms meet the same states
of a shared host; an A/B decided from one run of each would be decided by
the host (docs/semantics.md "Noise"). Prints, per arm, the median over
rounds of the run's median time, its ratio to the first arm's (below 1 is
faster) with the ratio of each round, the median GB/s and fraction of a
plain read of the same rows (decode rows), how many of its rows were
marked noisy, and whether every run agreed with the oracle. Where the
plain reads of decode rows moved by more than 1.25x over the rounds
(a host whose memory has a slow and a fast phase), a second table gives
each arm's fraction of its plain read and its time ratio to the first arm
per phase, split at the geometric mean of the slowest and fastest plain
read (a round's ratio counts where both rows met one phase). With --out,
every row goes to ROWS.jsonl with its "arm" and "round" (from 1). Exits 1
when a run fails (naming the arm and its error) or a row disagrees with
the oracle (its row kept), 2 on bad arguments.
"""

import argparse
import json
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

from memory_phases import phase_cut


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arms", nargs="+", metavar="ARM",
                        help='extra `attnbench run` options of one arm ("" '
                             'for none)')
    parser.add_argument("--config", required=True,
                        help="the options every arm shares")
    parser.add_argument("--rounds", type=int, default=4,
                        help="interleaved rounds (1 to 100; default 4)")
    parser.add_argument("--bin", type=Path,
                        default=Path("build/release/attnbench"),
                        help="the attnbench binary")
    parser.add_argument("--out", type=Path, help="rows as JSON lines")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 100:
        parser.error(f"--rounds {args.rounds}: allowed 1 to 100")
    if len(set(args.arms)) != len(args.arms):
        parser.error("ARM: each arm once (an A/A check: the same options "
                     "written two ways, e.g. \"\" and \"--seed 1\")")
    for name, text in [("--config", args.config)] + [
            (f"ARM {arm!r}", arm) for arm in args.arms]:
        try:
            shlex.split(text)
        except ValueError as error:
            parser.error(f"{name}: {error}")
    for arm in args.arms:
        binary = arm_binary(arm, args.bin)
        if binary != args.bin and not binary.is_file():
            parser.error(f"ARM {arm!r}: no such binary {binary}")
    if args.out and not args.out.parent.is_dir():
        parser.error(f"--out {args.out}: no folder {args.out.parent}")
    if not args.bin.is_file():
        parser.error(f"--bin {args.bin}: no such file (build first: "
                     "cmake --preset release && cmake --build --preset "
                     "release)")
    return args


def arm_binary(arm, default):
    """The binary an arm runs: the one its first word names after "@",
    else default."""
    words = shlex.split(arm)
    if words and words[0].startswith("@"):
        return Path(words[0][1:])
    return default


def arm_options(arm):
    """An arm's `attnbench run` options (without its "@binary")."""
    words = shlex.split(arm)
    return words[1:] if words and words[0].startswith("@") else words


def run_arm(binary, config, arm):
    """One `attnbench run` of an arm: its JSON row (also where it exits 1
    because the row disagrees with the oracle)."""
    command = [str(arm_binary(arm, binary)), "run", *shlex.split(config),
               *arm_options(arm), "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode in (0, 1):
        try:
            row = json.loads(done.stdout)
        except json.JSONDecodeError:
            row = None
        if isinstance(row, dict) and "median_s" in row:
            return row
    detail = done.stderr.strip().splitlines()
    sys.exit(f"run_ab.py: arm {arm!r} failed (exit {done.returncode}): "
             f"{detail[-1] if detail else 'no message'}")


def median_of(rows, name):
    values = [r[name] for r in rows if isinstance(r.get(name), (int, float))]
    return statistics.median(values) if values else None


def number(value, fmt):
    return "-" if value is None else format(value, fmt)


def median_cell(values, fmt):
    """The median and count of values as text, "-" where there are none."""
    if not values:
        return "-"
    return f"{format(statistics.median(values), fmt)} ({len(values)})"


def phase_table(rows, arms):
    """Per arm, the fraction of its plain read and the time ratio to the
    first arm in each phase of the host's memory, where the plain reads
    moved by more than memory_phases.PHASE_SPLIT (docs/semantics.md
    "Noise")."""
    reads = [r.get("pattern_read_gbps") for arm in arms for r in rows[arm]]
    if any(not isinstance(g, (int, float)) or g <= 0 for g in reads):
        return
    cut = phase_cut(reads)
    if cut is None:
        return
    print(f"\nby phase: plain read below / above {cut:.1f} GB/s (slow / "
          "fast); medians (rows or rounds)\n")
    print("| arm | of its plain read, slow | fast | time ratio, slow "
          "| fast |")
    print("|---|---|---|---|---|")
    first = rows[arms[0]]
    for arm in arms:
        fraction = {True: [], False: []}
        ratio = {True: [], False: []}
        for row, base in zip(rows[arm], first):
            slow = row["pattern_read_gbps"] < cut
            if isinstance(row.get("pct_pattern_bandwidth"), (int, float)):
                fraction[slow].append(row["pct_pattern_bandwidth"])
            if (base["pattern_read_gbps"] < cut) == slow:
                ratio[slow].append(row["median_s"] / base["median_s"])
        print(f"| {arm or '(none)'} | {median_cell(fraction[True], '.3f')} "
              f"| {median_cell(fraction[False], '.3f')} "
              f"| {median_cell(ratio[True], '.3f')} "
              f"| {median_cell(ratio[False], '.3f')} |")


def main():
    args = parse_args()
    rows = {arm: [] for arm in args.arms}
    out = args.out.open("w") if args.out else None
    for round_index in range(args.rounds):
        for arm in args.arms:
            row = run_arm(args.bin, args.config, arm)
            row["arm"], row["round"] = arm, round_index + 1
            rows[arm].append(row)
            if out:
                out.write(json.dumps(row) + "\n")
                out.flush()
        times = "  ".join(f"{rows[a][-1]['median_s'] * 1e3:.3f}"
                          for a in args.arms)
        print(f"round {round_index + 1}/{args.rounds} (ms): {times}",
              flush=True)
    first = rows[args.arms[0]]
    base = statistics.median(r["median_s"] for r in first)
    print(f"\n{args.rounds} interleaved rounds of: attnbench run "
          f"{args.config}\n")
    print("| arm | median ms | time ratio | ratio per round | GB/s "
          "| of its plain read | noisy | target | agrees |")
    print("|---|---|---|---|---|---|---|---|---|")
    all_agree = True
    for arm in args.arms:
        own = rows[arm]
        time = statistics.median(r["median_s"] for r in own)
        per_round = " ".join(f"{a['median_s'] / b['median_s']:.3f}"
                             for a, b in zip(own, first))
        agrees = all(r.get("agrees", True) is not False for r in own)
        all_agree = all_agree and agrees
        targets = ",".join(sorted({str(r.get("target")) for r in own}))
        noisy = sum(1 for r in own if r.get("noisy"))
        print(f"| {arm or '(none)'} | {time * 1e3:.3f} | {time / base:.3f} "
              f"| {per_round} | {number(median_of(own, 'gbps'), '.1f')} "
              f"| {number(median_of(own, 'pct_pattern_bandwidth'), '.3f')} "
              f"| {noisy} of {len(own)} | {targets} "
              f"| {'yes' if agrees else 'NO'} |")
    phase_table(rows, args.arms)
    hints = {r.get("prefetch_hint") for arm in args.arms for r in rows[arm]
             if r.get("pattern_read_gbps") is not None}
    if len(hints) > 1:
        print("\nnote: the arms ran with different prefetch hints, and the "
              "plain read fetches ahead only with t1 (docs/semantics.md "
              "\"Work accounting\"): compare their times, not their "
              "fractions of the plain read")
    if out:
        out.close()
        print(f"\nrows: {args.out}")
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
