#!/usr/bin/python3
"""Compare the timings of two attnbench runs, configuration by configuration.

Usage:
    scripts/compare.py results/<run-a> results/<run-b> [--csv FILE]
    scripts/compare.py --machines RUN... [--plot FILE] [--csv FILE]

Matches the ok rows of the two runs' rows.jsonl by (variant, mask, B, H,
Hkv, Nq, Nk, D, threads) and prints, per configuration, the median time of
A and B, the ratio B/A of median times (below 1: B is faster) and the
effective GFLOP/s of A and B. Then lists the configurations found in only
one run. --csv FILE also writes the matched table as CSV. Exits 0.

--machines puts runs from several machines side by side (machine_view.py):
runs are grouped by machine (CPU model, family, model, cores) and target,
and each configuration measured on every machine is shown as the fraction
of that machine's own limit (pct_peak; pct_bandwidth for memory-bound
and decode rows), since absolute rates do not compare across CPUs.
--plot FILE draws those fractions against N, one panel per series, one
line per machine.
"""

import argparse
import csv
import sys
from pathlib import Path

from compare_machines import compare_machines
from runrows import (ok_rows, print_table, read_meta, read_rows, run_label,
                     sort_key, warn)

KEY_FIELDS = ("variant", "mask", "B", "H", "Hkv", "Nq", "Nk", "D", "threads")
CSV_FIELDS = KEY_FIELDS + ("median_s_a", "median_s_b", "ratio_b_over_a",
                           "gflops_a", "gflops_b")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+",
                        help="results/<run-id> folders: A and B, or with "
                             "--machines any number")
    parser.add_argument("--machines", action="store_true",
                        help="side by side by machine, as fractions of each "
                             "machine's limits")
    parser.add_argument("--plot", type=Path, metavar="FILE",
                        help="with --machines: draw the fractions (PNG)")
    parser.add_argument("--variants", metavar="V1,V2",
                        help="with --machines: only these variants")
    parser.add_argument("--masks", metavar="M1;M2",
                        help="with --machines: only these masks (as rows name "
                             "them, ';'-separated)")
    parser.add_argument("--csv", type=Path, metavar="FILE",
                        help="also write the matched table as CSV")
    args = parser.parse_args()
    if not args.machines and len(args.runs) != 2:
        parser.error("two run folders (A and B), or --machines with any "
                     "number")
    if (args.plot or args.variants or args.masks) and not args.machines:
        parser.error("--plot, --variants and --masks need --machines")
    return args


def index_rows(run_dir):
    """Map configuration key -> ok row; a later duplicate replaces an earlier."""
    index = {}
    for row in ok_rows(read_rows(run_dir)):
        key = tuple(row.get(f) for f in KEY_FIELDS)
        if key in index:
            warn(f"{run_dir}: configuration {describe(key)} appears twice; "
                 "using the last row")
        index[key] = row
    return index


def describe(key):
    """'flash causal B=1 H=8 Hkv=8 Nq=4096 Nk=4096 D=64 threads=2'."""
    values = dict(zip(KEY_FIELDS, key))
    sizes = " ".join(f"{f}={values[f]}" for f in KEY_FIELDS[2:])
    return f"{values['variant']} {values['mask']} {sizes}"


def ratio(a, b):
    return b / a if a else float("nan")


def matched_records(index_a, index_b):
    """One dict (CSV_FIELDS) per configuration present in both runs."""
    records = []
    for key in sorted(index_a.keys() & index_b.keys(), key=sort_key):
        a, b = index_a[key], index_b[key]
        record = dict(zip(KEY_FIELDS, key))
        record.update(median_s_a=a["median_s"], median_s_b=b["median_s"],
                      ratio_b_over_a=ratio(a["median_s"], b["median_s"]),
                      gflops_a=a.get("gflops"), gflops_b=b.get("gflops"))
        records.append(record)
    return records


def number(value, fmt):
    return "-" if value is None else format(value, fmt)


def print_comparison(records, label_a, label_b):
    header = ("configuration", "A ms", "B ms", "B/A", "A GFLOP/s", "B GFLOP/s")
    table = [header]
    for r in records:
        table.append((describe(tuple(r[f] for f in KEY_FIELDS)),
                      number(r["median_s_a"] * 1e3, ".4g"),
                      number(r["median_s_b"] * 1e3, ".4g"),
                      number(r["ratio_b_over_a"], ".3f"),
                      number(r["gflops_a"], ".1f"),
                      number(r["gflops_b"], ".1f")))
    print(f"A: {label_a}\nB: {label_b}\n"
          "median times; B/A below 1 means B is faster\n")
    print_table(table)
    if len(table) == 1:
        print("(no configuration is present in both runs)")


def print_unmatched(index_a, index_b, label_a, label_b):
    for label, own, other in ((label_a, index_a, index_b),
                              (label_b, index_b, index_a)):
        only = sorted(own.keys() - other.keys(), key=sort_key)
        if only:
            print(f"\nonly in {label} ({len(only)}):")
            for key in only:
                print(f"  {describe(key)}")


def write_csv(records, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(records)
    print(f"\nwrote {path}")


def main():
    args = parse_args()
    if args.machines:
        try:
            return compare_machines(
                args.runs, args.plot, args.csv,
                variants=args.variants.split(",") if args.variants else None,
                masks=args.masks.split(";") if args.masks else None)
        except FileNotFoundError as error:
            sys.exit(f"compare.py: cannot read rows: {error}")
    run_a, run_b = args.runs
    try:
        index_a, index_b = index_rows(run_a), index_rows(run_b)
    except FileNotFoundError as error:
        sys.exit(f"compare.py: cannot read rows: {error}")
    label_a = run_label(run_a, read_meta(run_a))
    label_b = run_label(run_b, read_meta(run_b))
    records = matched_records(index_a, index_b)
    print_comparison(records, label_a, label_b)
    print_unmatched(index_a, index_b, label_a, label_b)
    if args.csv:
        write_csv(records, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
