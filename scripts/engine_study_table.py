#!/usr/bin/env python3
"""The engine study's table (docs/flash.md "Key block and group size").

Reads Google Benchmark JSON files written by scripts/engine_study.sh and
prints, per target and configuration, the median pct_peak at each key block
Bc (rows) and group-rows cap (columns) as Markdown, the best cell in bold.

  /usr/bin/python3 scripts/engine_study_table.py results/engine-study/*.json
"""
import json
import re
import sys

NAME = re.compile(r"engine/(?P<mask>[^/]+)/D:(?P<d>\d+)/Bc:(?P<bc>\d+)/"
                  r"group_rows:(?P<rows>\w+)/threads:(?P<threads>\d+)/")


def medians(paths):
    """{(target, mask, D, threads): {(Bc, rows): median pct_peak}}"""
    cells = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        target = data["context"].get("highway_target", "?")
        for b in data["benchmarks"]:
            if b.get("aggregate_name") != "median":
                continue
            m = NAME.match(b["name"])
            if not m:
                continue
            key = (target, m["mask"], int(m["d"]), int(m["threads"]))
            cell = (int(m["bc"]), m["rows"])
            cells.setdefault(key, {})[cell] = b["pct_peak"]
    return cells


def rows_order(rows):
    return (rows == "default", int(rows) if rows.isdigit() else 0)


def main(paths):
    if not paths:
        sys.exit("usage: engine_study_table.py FILE.json...")
    order = ["AVX3", "AVX2", "SSE4", "SSSE3", "SCALAR"]
    cells = medians(paths)
    for key in sorted(cells, key=lambda k: (order.index(k[0]) if k[0] in order
                                            else 99, k[1], k[2], -k[3])):
        target, mask, d, threads = key
        table = cells[key]
        blocks = sorted({bc for bc, _ in table})
        caps = sorted({rows for _, rows in table}, key=rows_order)
        best = max(table.values())
        print(f"\n{target}, {mask}, D={d}, {threads} thread"
              f"{'s' if threads > 1 else ''}: median pct_peak, "
              "Bc (rows) x group rows cap (columns; 1 = one block)\n")
        print("| Bc | " + " | ".join(caps) + " |")
        print("|---" * (len(caps) + 1) + "|")
        for bc in blocks:
            line = []
            for rows in caps:
                v = table.get((bc, rows))
                text = "" if v is None else f"{v:.3f}"
                line.append(f"**{text}**" if v == best else text)
            print(f"| {bc} | " + " | ".join(line) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
