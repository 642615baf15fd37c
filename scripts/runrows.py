"""Read one attnbench run folder (results/<run-id>/): rows.jsonl and meta.json.

Shared by plot.py and compare.py (with two helpers for their output); not
meant to be called directly.
Rows that do not parse as JSON (for example the partial last line of a
killed run) are skipped with a warning on stderr.
"""

import json
import os
import re
import sys
from pathlib import Path


def warn(message):
    """Print one warning line on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def read_rows(run_dir):
    """Return every row object of RUN_DIR/rows.jsonl, skipping bad lines."""
    path = Path(run_dir) / "rows.jsonl"
    rows = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                warn(f"{path}:{number}: not valid JSON, skipped")
                continue
            if isinstance(row, dict):
                rows.append(row)
            else:
                warn(f"{path}:{number}: not a JSON object, skipped")
    return rows


def ok_rows(rows):
    """Keep the rows that were measured (status "ok", with a median time).

    Rows written before the "status" field existed count as ok.
    """
    return [r for r in rows
            if r.get("status", "ok") == "ok" and r.get("median_s") is not None]


# Decode's shape: at most this many new query rows against more keys
# (kDecodeMaxNewRows in harness/measure/measure.h).
DECODE_MAX_NEW_ROWS = 16


def shows_bandwidth(row):
    """Whether ROW's rate reads as GB/s and pct_bandwidth (as ShowsBandwidth
    in harness/measure/measure.h): with a bandwidth figure (older rows may
    have none), and labelled memory-bound, or a forward pass of decode's
    shape (Nq <= 16 and Nq < Nk) whatever its label (near the balance
    point the label follows the probes of its moment)."""
    def number(name):
        value = row.get(name)
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (number("gbps") and number("pct_bandwidth")):
        return False
    if row.get("bound") == "memory":
        return True
    if row.get("pass", "forward") != "forward":
        return False
    nq, nk = row.get("Nq"), row.get("Nk")
    return (isinstance(nq, int) and isinstance(nk, int)
            and not isinstance(nq, bool) and not isinstance(nk, bool)
            and nq <= DECODE_MAX_NEW_ROWS and nq < nk)


def read_meta(run_dir):
    """Return RUN_DIR/meta.json as a dict, or {} (with a warning) if absent."""
    path = Path(run_dir) / "meta.json"
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except FileNotFoundError:
        warn(f"{path} not found; machine and build details unknown")
        return {}
    except json.JSONDecodeError as error:
        warn(f"{path}: not valid JSON ({error}); ignored")
        return {}
    return meta if isinstance(meta, dict) else {}


def run_label(run_dir, meta):
    """Name a run by its run_id, or by its folder name."""
    return str(meta.get("run_id") or Path(run_dir).resolve().name)


def sort_key(key):
    """Order a tuple field by field, numbers numerically, others as text."""
    return tuple((0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v))
                 for v in key)


def print_table(table, left_columns=1):
    """Print rows of text cells in aligned columns; the first LEFT_COLUMNS
    are left-aligned, the others right-aligned (numbers)."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        cells = [cell.ljust(w) if i < left_columns else cell.rjust(w)
                 for i, (cell, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())


def replace_between_markers(path, begin, end, text):
    """Replace what lies between the lines BEGIN and END of file PATH with
    TEXT (written atomically); exit with a message if a marker is missing."""
    content = open(path).read()
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pattern.search(content):
        sys.exit(f"{path}: markers {begin} ... {end} not found")
    content = pattern.sub(lambda _: f"{begin}\n{text}\n{end}", content)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(content)
    os.replace(tmp, path)
