#!/usr/bin/env python3
"""What input precision costs, from stored sweep runs (`sweep --dtype`).

Prints a Markdown table: one line per variant and mask, one column per
dtype, each cell the median over the run's N of precision_rel_err (the
error against the fp64 oracle on the unrounded fp32 inputs, relative to
max |oracle|), next to the kernel's own rel_err (against the oracle on the
rounded inputs). With --readme FILE it also replaces the text between the
markers <!-- precision-table:begin --> and <!-- precision-table:end -->.

  /usr/bin/python3 scripts/precision_table.py results/<bf16-run> \\
      results/<f16-run> [--readme README.md]
"""
import argparse
import statistics
from pathlib import Path

from runrows import ok_rows, read_meta, read_rows, replace_between_markers

BEGIN = "<!-- precision-table:begin -->"
END = "<!-- precision-table:end -->"


def table(run_dirs):
    dtypes, cases, cells = [], [], {}
    described = None
    for run_dir in run_dirs:
        rows = [r for r in ok_rows(read_rows(run_dir))
                if r.get("precision_rel_err") is not None]
        for r in rows:
            dtype = r["dtype"]
            case = f"{r['variant']}, {r['mask']}"
            if dtype not in dtypes:
                dtypes.append(dtype)
            if case not in cases:
                cases.append(case)
            cells.setdefault((case, dtype), []).append(r)
        if rows and described is None:
            meta = read_meta(run_dir)
            cpu = meta.get("machine", {}).get("cpu_model", "unknown CPU")
            described = (f"{cpu}; inputs uniform in [-1, 1), D={rows[0]['D']}, "
                         f"H={rows[0]['H']}, N={sorted({r['Nk'] for r in rows})}")
    if not cells:
        raise SystemExit("no rows with precision_rel_err (sweep --dtype bf16)")
    runs = ", ".join(f"`{Path(d).as_posix()}`" for d in run_dirs)
    lines = [
        f"{described}; runs: {runs}. Each cell: the error against the fp64 "
        "oracle on the unrounded inputs, relative to max |oracle| (what the "
        "precision costs), and in brackets the kernel's own error on the "
        "rounded inputs; medians over N.",
        "",
        "| variant, mask | " + " | ".join(dtypes) + " |",
        "| --- |" + " --- |" * len(dtypes),
    ]
    for case in cases:
        out = []
        for dtype in dtypes:
            rs = cells.get((case, dtype))
            if not rs:
                out.append("")
                continue
            cost = statistics.median(r["precision_rel_err"] for r in rs)
            own = statistics.median(r["rel_err"] for r in rs)
            out.append(f"{cost:.1e} ({own:.0e})")
        lines.append(f"| {case} | " + " | ".join(out) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--readme")
    args = ap.parse_args()
    text = table(args.runs)
    print(text)
    if args.readme:
        replace_between_markers(args.readme, BEGIN, END, text)


if __name__ == "__main__":
    main()
