"""compare.py --machines: configurations measured on several machines, as
fractions of each machine's own limits, in a table and (--plot) a figure.

Imported by compare.py; not meant to be called directly.
"""

import csv

from machine_view import (CONFIG_FIELDS, FAMILY_FIELDS, field, fraction,
                          load_machines, shared_configs, shared_families)
from runrows import print_table, sort_key, warn

MAX_PANELS = 12


def describe_config(key):
    """'flash causal forward f32 B=1 H=8 Hkv=8 Nq=4096 Nk=4096 D=64 t=2'."""
    v = dict(zip(CONFIG_FIELDS, key))
    return (f"{v['variant']} {v['mask']} {v['pass']} {v['dtype']} "
            f"B={v['B']} H={v['H']} Hkv={v['Hkv']} Nq={v['Nq']} Nk={v['Nk']} "
            f"D={v['D']} t={v['threads']}")


def describe_family(key):
    v = dict(zip(FAMILY_FIELDS, key))
    return (f"{v['variant']} {v['mask']} {v['pass']} {v['dtype']}\n"
            f"D={v['D']} H={v['H']}/{v['Hkv']} {v['threads']} thr")


def cell(row):
    """'0.812' (of peak) or '0.671 bw' (of bandwidth); '*' marks noisy."""
    value, kind = fraction(row)
    if value is None:
        return "-"
    text = f"{value:.3f}" + (" bw" if kind == "bw" else "")
    return text + ("*" if row.get("noisy") else "")


def print_machines(machines):
    for i, m in enumerate(machines, start=1):
        runs = ", ".join(str(run_dir.name) for _, run_dir, _ in m.runs)
        print(f"M{i}: {m.name}  ({len(m.rows)} configurations; runs: {runs})")


def write_csv(machines, keys, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(list(CONFIG_FIELDS) + ["machine", "target", "fraction",
                                               "of", "gflops", "gbps",
                                               "median_s", "noisy"])
        for key in keys:
            for m in machines:
                row = m.rows[key]
                value, kind = fraction(row)
                writer.writerow(list(key) + [
                    m.label, m.target, value,
                    "bandwidth" if kind == "bw" else "peak", row.get("gflops"),
                    row.get("gbps"), row.get("median_s"),
                    bool(row.get("noisy"))])
    print(f"\nwrote {path}")


def plot(machines, path):
    """One panel per series measured on every machine (in key order, at
    most MAX_PANELS), fraction of the limit against N."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = shared_families(machines)
    if not families:
        warn("no series with two or more sizes on every machine; no figure")
        return False
    chosen = sorted(families, key=sort_key)[:MAX_PANELS]
    if len(families) > MAX_PANELS:
        warn(f"{len(families)} shared series; drawing the first {MAX_PANELS}")
    cols = min(3, len(chosen))
    rows = (len(chosen) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows),
                             squeeze=False)
    for ax, family in zip(axes.flat, chosen):
        keys = families[family]
        kinds = set()
        for m in machines:
            xs, ys = [], []
            for key in keys:
                value, kind = fraction(m.rows[key])
                if value is None:
                    continue
                kinds.add(kind)
                xs.append(field(m.rows[key], "Nk"))
                ys.append(value)
            ax.plot(xs, ys, marker="o", label=m.name)
        ax.set_xscale("log", base=2)
        ax.set_title(describe_family(family), fontsize=8)
        ax.set_xlabel("N (keys)", fontsize=8)
        ax.set_ylabel("fraction of " + ("read bandwidth" if kinds == {"bw"}
                                        else "FMA peak"), fontsize=8)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(chosen):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=1, fontsize=8,
               frameon=False)
    fig.tight_layout(rect=(0, 0.04 + 0.03 * len(machines), 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")
    return True


def compare_machines(run_dirs, plot_path=None, csv_path=None, variants=None,
                     masks=None):
    """Exit status: 0, or 1 when fewer than two machines or nothing shared.
    variants, masks: lists to keep only those rows (None: all)."""
    machines = load_machines(run_dirs)
    for m in machines:
        m.rows = {k: r for k, r in m.rows.items()
                  if (variants is None or field(r, "variant") in variants)
                  and (masks is None or field(r, "mask") in masks)}
    if len(machines) < 2:
        names = ", ".join(m.name for m in machines) or "none"
        print(f"compare.py --machines: runs from one machine only ({names}); "
              "give runs from two or more machines (or targets)")
        return 1
    print_machines(machines)
    keys = sorted(shared_configs(machines), key=sort_key)
    print(f"\n{len(keys)} configuration(s) measured on every machine; the "
          "fraction of each machine's own FMA peak (bw: of its read "
          "bandwidth, for memory-bound and decode rows); * noisy\n")
    table = [("configuration",) + tuple(f"M{i}" for i in
                                        range(1, len(machines) + 1))]
    for key in keys:
        table.append((describe_config(key),) +
                     tuple(cell(m.rows[key]) for m in machines))
    print_table(table)
    for m in machines:
        only = len(set(m.rows) - set(keys))
        if only:
            print(f"\n{only} configuration(s) of {m.name} not on every machine")
    if csv_path:
        write_csv(machines, keys, csv_path)
    drawn = plot(machines, plot_path) if plot_path else True
    return 0 if keys and drawn else 1
