#!/usr/bin/python3
"""Compare the timings of two attnbench runs, configuration by configuration.

Usage:
    scripts/compare.py results/<run-a> results/<run-b> [--csv FILE]

Matches the ok rows of the two runs' rows.jsonl by (variant, mask, B, H,
Hkv, Nq, Nk, D, threads) and prints, per configuration, the median time of
A and B, the ratio B/A of median times (below 1: B is faster) and the
effective GFLOP/s of A and B. Then lists the configurations found in only
one run. --csv FILE also writes the matched table as CSV. Exits 0.
"""

import argparse
import csv
import sys
from pathlib import Path

from runrows import (ok_rows, print_table, read_meta, read_rows, run_label,
                     sort_key, warn)

KEY_FIELDS = ("variant", "mask", "B", "H", "Hkv", "Nq", "Nk", "D", "threads")
CSV_FIELDS = KEY_FIELDS + ("median_s_a", "median_s_b", "ratio_b_over_a",
                           "gflops_a", "gflops_b")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_a", type=Path, help="results/<run-id> folder A")
    parser.add_argument("run_b", type=Path, help="results/<run-id> folder B")
    parser.add_argument("--csv", type=Path, metavar="FILE",
                        help="also write the matched table as CSV")
    return parser.parse_args()


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
    try:
        index_a, index_b = index_rows(args.run_a), index_rows(args.run_b)
    except FileNotFoundError as error:
        sys.exit(f"compare.py: cannot read rows: {error}")
    label_a = run_label(args.run_a, read_meta(args.run_a))
    label_b = run_label(args.run_b, read_meta(args.run_b))
    records = matched_records(index_a, index_b)
    print_comparison(records, label_a, label_b)
    print_unmatched(index_a, index_b, label_a, label_b)
    if args.csv:
        write_csv(records, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
