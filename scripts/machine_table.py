#!/usr/bin/python3
"""The machines behind the stored runs, one line each, as a Markdown table.

Usage:
    scripts/machine_table.py RUN... [--readme README.md]

Groups the run folders by machine (CPU model, family, model, cores) and
Highway target (machine_view.py) and prints, per machine: its runs and
configurations, the FMA peak and read bandwidth its rows were measured
against (medians over its rows at the largest thread count), and two
headline fractions of those limits: flash causal forward (f32, D=64) at the
largest N, and decode (flash causal, Nq <= 16 and Nq < Nk, or memory-bound) at
the largest Nk, of the read bandwidth.
--readme FILE replaces the lines between <!-- machines:begin --> and
<!-- machines:end --> in FILE with the table. Exits 1 if no run has rows.
"""

import argparse
import statistics
import sys
from pathlib import Path

from machine_view import field, fraction, load_machines
from runrows import replace_between_markers, shows_bandwidth

BEGIN, END = "<!-- machines:begin -->", "<!-- machines:end -->"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+",
                        help="results/<run-id> folders")
    parser.add_argument("--readme", type=Path,
                        help="write the table between the machines markers")
    return parser.parse_args()


def median_of(rows, name):
    values = [r[name] for r in rows if isinstance(r.get(name), (int, float))]
    return statistics.median(values) if values else None


def headline(rows, memory):
    """The fraction at the largest size of flash causal forward f32: D=64
    compute-bound prefill rows (Nq = Nk) of the FMA peak, or decode rows of
    the read bandwidth."""
    chosen = [r for r in rows
              if field(r, "variant") == "flash" and field(r, "mask") == "causal"
              and field(r, "pass") == "forward" and field(r, "dtype") == "f32"
              and shows_bandwidth(r) == memory
              and (memory or (field(r, "D") == 64
                              and field(r, "Nq") == field(r, "Nk")))]
    if not chosen:
        return "-"
    top = max(chosen, key=lambda r: (field(r, "Nk"), field(r, "threads")))
    value = top.get("pct_bandwidth") if memory else fraction(top)[0]
    if value is None:
        return "-"
    size = f"Nk={top['Nk']}" if memory else f"N={top['Nk']}"
    return f"{value:.2f} ({size}, {top['threads']} thr)"


def number(value, fmt):
    return "-" if value is None else format(value, fmt)


def table(machines):
    lines = ["| Machine | Target | Runs | Configurations | FMA peak, GFLOP/s "
             "| Read bandwidth, GB/s | flash causal prefill, of peak "
             "| decode, of bandwidth |",
             "|---|---|---|---|---|---|---|---|"]
    for m in machines:
        rows = list(m.rows.values())
        threads = max(field(r, "threads") for r in rows)
        at_threads = [r for r in rows if field(r, "threads") == threads]
        newest = max(m.runs, key=lambda run: run[0])[1].name
        runs = f"{len(m.runs)} (newest `{newest}`)"
        lines.append(
            f"| {m.label} | {m.target} | {runs} | {len(rows)} "
            f"| {number(median_of(at_threads, 'peak_gflops'), '.0f')} "
            f"({threads} thr) "
            f"| {number(median_of(at_threads, 'read_gbps'), '.1f')} "
            f"| {headline(rows, memory=False)} "
            f"| {headline(rows, memory=True)} |")
    return "\n".join(lines)


def main():
    args = parse_args()
    machines = load_machines([r for r in args.runs
                              if (r / "rows.jsonl").is_file()])
    if not machines:
        print("machine_table.py: no run with measured rows", file=sys.stderr)
        return 1
    text = table(machines)
    print(text)
    if args.readme:
        replace_between_markers(str(args.readme), BEGIN, END, text)
        print(f"\nwrote the table into {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
