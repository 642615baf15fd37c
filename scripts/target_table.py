#!/usr/bin/env python3
"""Per-target table (pct_peak and GFLOP/s) from rows of scripts/per_target.sh.

Prints a Markdown table: one line per variant and mask, one column per
Highway target, each cell the fraction of that target's own measured FMA
peak (and GFLOP/s). With --readme FILE it also replaces the text between
the markers <!-- per-target-table:begin --> and <!-- per-target-table:end -->.

  /usr/bin/python3 scripts/target_table.py ROWS.jsonl [--readme README.md]
"""
import argparse
import json
import sys

from runrows import replace_between_markers

BEGIN, END = "<!-- per-target-table:begin -->", "<!-- per-target-table:end -->"


def table(rows_path):
    rows = [json.loads(line) for line in open(rows_path) if line.strip()]
    if not rows:
        sys.exit(f"{rows_path}: no rows")
    targets, cases, cells = [], [], {}
    for r in rows:
        case = f"{r['variant']}, {r['mask']}"
        if r["target"] not in targets:
            targets.append(r["target"])
        if case not in cases:
            cases.append(case)
        cells[(case, r["target"])] = r
    first = rows[0]
    lines = [
        f"{first.get('cpu', 'CPU not recorded')}; rows: `{rows_path}` "
        f"(N={first['Nk']}, D={first['D']}, "
        f"H={first['H']}, {first['threads']} threads; each cell: fraction "
        "of that target's measured FMA peak, and GFLOP/s).",
        "",
        "| variant, mask | " + " | ".join(targets) + " |",
        "| --- |" + " --- |" * len(targets),
    ]
    for case in cases:
        cell = []
        for t in targets:
            r = cells.get((case, t))
            ok = r and r.get("agrees", True)
            cell.append(f"{r['pct_peak']:.2f} ({r['gflops']:.0f})" if ok
                        else ("disagrees" if r else "-"))
        lines.append(f"| {case} | " + " | ".join(cell) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows")
    ap.add_argument("--readme")
    args = ap.parse_args()
    text = table(args.rows)
    print(text)
    if args.readme:
        replace_between_markers(args.readme, BEGIN, END, text)


if __name__ == "__main__":
    main()
