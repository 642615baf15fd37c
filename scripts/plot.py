#!/usr/bin/python3
"""Draw the figures of one attnbench run from its stored rows.

Usage:
    scripts/plot.py results/<run-id> [--figures-dir DIR]

Reads RUN_DIR/rows.jsonl and RUN_DIR/meta.json (it never runs a benchmark)
and draws, one line per series (ok rows sharing variant, mask, D, H and
threads; x is N = Nk):
    time_vs_n        median time vs N, log-log, band from min to max time,
                     legend with the exponent e of time ~ N^e fitted over
                     each series' largest --fit-points sizes (default 4:
                     the asymptotic regime; a window of W keys is causal,
                     so quadratic, while N <= W);
    throughput_vs_n  effective GFLOP/s and percent of peak vs N;
    memory_vs_n      workspace bytes (solid) and peak RSS (dashed) vs N;
    bandwidth_vs_nk  only if some row reads in GB/s (runrows.shows_bandwidth:
                     memory-bound, or decode): GB/s of the minimal K/V
                     bytes vs Nk, one line per series that also shares
                     Hkv and Nq and has such a row (all of its rows),
                     with the measured read bandwidth of each thread
                     count dashed.
Each figure is saved as PNG and SVG into RUN_DIR/figures/, and also into
--figures-dir if given (results/figures holds the committed figures the
README shows: only an explicit --figures-dir results/figures changes them).
The paths written and a table of fitted exponents are printed on stdout.
Exits with status 1 if rows.jsonl holds no ok rows.
"""

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator  # noqa: E402

from runrows import (ok_rows, print_table, read_meta, read_rows,  # noqa: E402
                     shows_bandwidth, sort_key, warn)

SERIES_FIELDS = ("variant", "mask", "D", "H", "threads")
# Decode series of different shapes must not merge: Hkv and Nq join the key.
BANDWIDTH_FIELDS = ("variant", "mask", "D", "H", "Hkv", "Nq", "threads")
DPI = 120


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="results/<run-id> folder")
    parser.add_argument("--figures-dir", type=Path,
                        help="second output folder (default: none)")
    parser.add_argument("--fit-points", type=int, default=4,
                        help="fit the exponent over this many largest N "
                             "(0: all; default 4)")
    return parser.parse_args()


def group_series(rows, fields=SERIES_FIELDS):
    """Map each series key (the values of FIELDS) to its rows, sorted by N."""
    series = defaultdict(list)
    for row in rows:
        series[tuple(row.get(f) for f in fields)].append(row)
    for key, members in series.items():
        members.sort(key=lambda r: r["Nk"])
        ns = [r["Nk"] for r in members]
        if len(set(ns)) != len(ns):
            warn(f"series {key} has several rows at the same N")
    return dict(sorted(series.items(), key=lambda kv: sort_key(kv[0])))


def column(rows, field):
    """Values of FIELD as a float array (NaN where missing)."""
    return np.array([np.nan if r.get(field) is None else float(r[field])
                     for r in rows])


def fit_rows(rows, points):
    """The quiet rows (noisy ones are left out, docs/semantics.md "Noise")
    with the POINTS largest N (all of them when POINTS is 0)."""
    quiet = [r for r in rows if not r.get("noisy")]
    return quiet if points <= 0 else quiet[-points:]


def mark_noisy(ax, members, y, labelled):
    """Red rings on the noisy points of one series; True once labelled."""
    noisy = np.array([bool(r.get("noisy")) for r in members])
    if not noisy.any():
        return labelled
    ax.scatter(column(members, "Nk")[noisy], np.asarray(y)[noisy], s=140,
               facecolors="none", edgecolors="red", linewidths=1.2, zorder=5,
               label=None if labelled else "noisy (left out of fits)")
    return True


def fit_exponent(rows):
    """Least-squares slope of log(median_s) on log(N), or None."""
    n, t = column(rows, "Nk"), column(rows, "median_s")
    keep = (n > 0) & (t > 0)
    if len(set(n[keep])) < 2:
        return None
    return float(np.polyfit(np.log(n[keep]), np.log(t[keep]), 1)[0])


def series_names(keys):
    """'variant mask', plus D/H/threads where these differ between series."""
    varying = [i for i in range(2, len(SERIES_FIELDS))
               if len({k[i] for k in keys}) > 1]
    names = {}
    for key in keys:
        extra = " ".join(f"{SERIES_FIELDS[i]}={key[i]}" for i in varying)
        names[key] = f"{key[0]} {key[1]}" + (f" {extra}" if extra else "")
    return names


def subtitle(meta, rows):
    """One line naming the machine, Highway target, threads, pass and revision."""
    machine = meta.get("machine", {})
    pass_name = meta.get("sweep", {}).get("pass", "forward")
    build = meta.get("build", {})
    threads = ", ".join(str(t) for t in sorted({r.get("threads") for r in rows}))
    target = meta.get("highway_target") or ", ".join(
        sorted({str(r.get("target")) for r in rows}))
    return (f"{machine.get('cpu_model', 'unknown CPU')}, "
            f"{machine.get('cores', '?')} cores | Highway {target} | "
            f"threads {threads} | {pass_name} pass | "
            f"git {build.get('git_revision', '?')}")


def style_n_axis(ax):
    """Log2 x axis of N with plain integer tick labels."""
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.grid(True, which="major", alpha=0.3)


def byte_label(value, _pos=None):
    """1024 -> '1 KiB' for byte axes."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.4g} {unit}"
        value /= 1024


def styles(count):
    """A colour and marker per series (markers keep overlapping points apart)."""
    cmap = plt.get_cmap("tab10" if count <= 10 else "tab20")
    return [{"color": cmap(i % cmap.N), "marker": "osD^vPX*"[i % 8]}
            for i in range(count)]


def new_figure(title, meta, rows, panels=1):
    """A figure of PANELS stacked axes, titled with TITLE and the machine."""
    fig, axes = plt.subplots(panels, 1, sharex=True, squeeze=False,
                             figsize=(9, 4.5 + 2.5 * (panels - 1)))
    fig.suptitle(f"{title}\n{subtitle(meta, rows)}", fontsize=11)
    return fig, axes[:, 0]


def outside_legend(ax, **kwargs):
    """Legend to the right of the axes, so it never covers data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize="small", frameon=False, **kwargs)


def draw_time(series, names, exponents, meta, rows):
    """Median time vs N with min..max bands, exponents in the legend."""
    fig, (ax,) = new_figure("Median time vs sequence length", meta, rows)
    labelled = False
    for (key, members), style in zip(series.items(), styles(len(series))):
        n = column(members, "Nk")
        e = exponents[key]
        label = names[key] + ("" if e is None else f" ($N^{{{e:.2f}}}$)")
        ax.plot(n, column(members, "median_s"), label=label, **style)
        labelled = mark_noisy(ax, members, column(members, "median_s"),
                              labelled)
        lo, hi = column(members, "min_s"), column(members, "max_s")
        if not (np.isnan(lo).any() or np.isnan(hi).any()):
            ax.fill_between(n, lo, hi, color=style["color"], alpha=0.2,
                            linewidth=0)
    style_n_axis(ax)
    ax.set_yscale("log")
    ax.set_xlabel("N (keys = queries); exponents fitted over each series' "
                  "largest quiet sizes")
    ax.set_ylabel("median time (s), band: min..max")
    outside_legend(ax)
    return fig


def draw_throughput(series, names, meta, rows):
    """GFLOP/s (top) and percent of peak (bottom) vs N."""
    fig, (top, bottom) = new_figure("Throughput vs sequence length",
                                    meta, rows, panels=2)
    for (key, members), style in zip(series.items(), styles(len(series))):
        n = column(members, "Nk")
        top.plot(n, column(members, "gflops"), label=names[key], **style)
        mark_noisy(top, members, column(members, "gflops"), True)
        bottom.plot(n, 100 * column(members, "pct_peak"), **style)
    for ax in (top, bottom):
        style_n_axis(ax)
        ax.set_ylim(bottom=0)
    top.set_ylabel("effective GFLOP/s")
    bottom.set_ylabel("% of peak")
    bottom.set_xlabel("N (keys = queries)")
    outside_legend(top)
    return fig


def draw_memory(series, names, meta, rows):
    """Workspace (solid) and peak RSS (dashed) bytes vs N."""
    fig, (ax,) = new_figure("Memory vs sequence length", meta, rows)
    handles = []
    for (key, members), style in zip(series.items(), styles(len(series))):
        n = column(members, "Nk")
        for field, dashes in (("workspace_bytes", "-"), ("peak_rss_bytes", "--")):
            y = column(members, field)
            keep = y > 0  # also drops NaN; log axes cannot show 0
            if keep.any():
                ax.plot(n[keep], y[keep], linestyle=dashes, **style)
        handles.append(Line2D([], [], label=names[key], **style))
    handles += [Line2D([], [], color="black", label="workspace"),
                Line2D([], [], color="black", linestyle="--", label="peak RSS")]
    style_n_axis(ax)
    ax.set_yscale("log", base=2)
    ax.yaxis.set_major_locator(LogLocator(base=2, numticks=12))
    ax.yaxis.set_major_formatter(FuncFormatter(byte_label))
    ax.set_xlabel("N (keys = queries)")
    ax.set_ylabel("bytes (binary units)")
    outside_legend(ax, handles=handles)
    return fig


def memory_bound(rows):
    """The rows of every series (BANDWIDTH_FIELDS) with a row that reads in
    GB/s (runrows.shows_bandwidth: memory-bound, or decode's shape): all of
    its rows, since a row's label follows the probes of its moment and one
    near the balance point may read "compute" between two "memory"
    neighbours; older runs have none."""
    keys = {tuple(r.get(f) for f in BANDWIDTH_FIELDS) for r in rows
            if shows_bandwidth(r)}
    return [r for r in rows
            if tuple(r.get(f) for f in BANDWIDTH_FIELDS) in keys]


def bandwidth_name(key):
    """'flash causal D=128 H=32/8 Nq=1 2T' for a BANDWIDTH_FIELDS key."""
    variant, mask, d, h, hkv, nq, threads = key
    heads = h if hkv in (None, h) else f"{h}/{hkv}"
    return f"{variant} {mask} D={d} H={heads} Nq={nq} {threads}T"


def session_read_gbps(meta, threads):
    """Read GB/s for THREADS from the last meta session that has it, or None."""
    sessions = meta.get("sessions")
    for session in reversed(sessions if isinstance(sessions, list) else []):
        if not isinstance(session, dict):
            continue
        per_threads = session.get("read_gbps")
        if isinstance(per_threads, dict) and per_threads.get(str(threads)):
            return float(per_threads[str(threads)])
    return None


def read_bandwidth(meta, rows):
    """Measured read GB/s per thread count of ROWS: from meta.json, else the
    median of the rows' read_gbps; thread counts with neither are left out."""
    bandwidth = {}
    for threads in sorted({r.get("threads") for r in rows},
                          key=lambda t: sort_key((t,))):
        gbps = session_read_gbps(meta, threads)
        if gbps is None:
            values = column([r for r in rows if r.get("threads") == threads],
                            "read_gbps")
            values = values[values > 0]  # also drops NaN
            gbps = float(np.median(values)) if values.size else None
        if gbps is not None:
            bandwidth[threads] = gbps
    return bandwidth


def draw_bandwidth(series, meta, rows):
    """GB/s of the minimal K/V bytes vs Nk, read bandwidth lines dashed; a
    series timed cold also gets, dotted in its colour, the GB/s of a plain
    read of the same rows timed beside its runs (pattern_read_gbps)."""
    fig, (ax,) = new_figure("GB/s of minimal K/V bytes vs Nk "
                            "(decode series)", meta, rows)
    for (key, members), style in zip(series.items(), styles(len(series))):
        nk = column(members, "Nk")
        ax.plot(nk, column(members, "gbps"), label=bandwidth_name(key),
                **style)
        pattern = column(members, "pattern_read_gbps")
        if np.isfinite(pattern).any():
            ax.plot(nk, pattern, color=style["color"], linestyle=":",
                    linewidth=1,
                    label=f"plain read of its rows ({bandwidth_name(key)})")
    dash_styles = [(0, (6, 3)), (0, (2, 2)), (0, (8, 3, 2, 3)), (0, (4, 1))]
    for i, (threads, gbps) in enumerate(read_bandwidth(meta, rows).items()):
        unit = "thread" if threads == 1 else "threads"
        ax.axhline(gbps, color="black", linewidth=1,
                   linestyle=dash_styles[i % len(dash_styles)],
                   label=f"read bandwidth, {threads} {unit}: {gbps:.1f} GB/s")
    style_n_axis(ax)
    ax.set_ylim(0, 1.1 * ax.get_ylim()[1])  # room above the top dashed line
    ax.set_xlabel("Nk (keys; queries per step: Nq in the legend)")
    ax.set_ylabel("GB/s (minimal K/V bytes / median time)")
    outside_legend(ax)
    return fig


def save(fig, name, folders):
    """Write NAME.png and NAME.svg into every folder; return the paths."""
    paths = []
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        for ext in ("png", "svg"):
            path = folder / f"{name}.{ext}"
            fig.savefig(path, dpi=DPI, bbox_inches="tight",
                        metadata={"Date": None} if ext == "svg" else None)
            paths.append(path)
    plt.close(fig)
    return paths


def print_exponents(series, exponents, fit_points):
    """Table of the fitted exponent of each series on stdout."""
    header = ("variant", "mask", "D", "H", "threads", "points", "fit N range",
              "exponent")
    table = [header]
    for key, members in series.items():
        e = exponents[key]
        ns = [r["Nk"] for r in fit_rows(members, fit_points)]
        span = f"{min(ns)}..{max(ns)}" if ns else "- (all noisy)"
        table.append(tuple(map(str, key)) + (
            str(len(members)), span, "-" if e is None else f"{e:.2f}"))
    print("fitted exponents (median time ~ N^e):")
    print_table(table, left_columns=len(header))


def main():
    args = parse_args()
    run_dir = args.run_dir
    try:
        rows = ok_rows(read_rows(run_dir))
    except FileNotFoundError as error:
        sys.exit(f"plot.py: cannot read rows: {error}")
    if not rows:
        sys.exit(f"plot.py: no ok rows in {run_dir / 'rows.jsonl'}; nothing to plot")
    meta = read_meta(run_dir)
    plt.rcParams["svg.hashsalt"] = "attnbench"  # stable SVG ids between runs

    series = group_series(rows)
    names = series_names(list(series))
    exponents = {key: fit_exponent(fit_rows(members, args.fit_points))
                 for key, members in series.items()}
    folders = [run_dir / "figures"]
    if args.figures_dir and (args.figures_dir.resolve()
                             != folders[0].resolve()):
        folders.append(args.figures_dir)

    written = (
        save(draw_time(series, names, exponents, meta, rows), "time_vs_n", folders)
        + save(draw_throughput(series, names, meta, rows), "throughput_vs_n", folders)
        + save(draw_memory(series, names, meta, rows), "memory_vs_n", folders))
    decode = memory_bound(rows)
    if decode:
        written += save(draw_bandwidth(group_series(decode, BANDWIDTH_FIELDS),
                                       meta, decode), "bandwidth_vs_nk", folders)
    print_exponents(series, exponents, args.fit_points)
    print("wrote:")
    for path in written:
        print(f"  {path}")


if __name__ == "__main__":
    main()
