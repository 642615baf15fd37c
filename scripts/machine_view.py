"""Runs from several machines, side by side (docs/cluster.md).

Shared by compare.py (--machines) and machine_table.py; not meant to be
called directly. A machine is its meta.json machine key (CPU model name,
family and model numbers, cores: harness/measure/machine_info.h) with the
Highway target the run used: rates from two CPU models or two targets are
two machines here. Absolute GFLOP/s do not compare across machines; the
fraction of each machine's own limit does: pct_peak (of its measured FMA
peak) for compute-bound rows, pct_bandwidth (of its measured read
bandwidth) for memory-bound and decode ones (runrows.shows_bandwidth).
"""

from pathlib import Path

from runrows import ok_rows, read_meta, read_rows, shows_bandwidth, warn

# A configuration, whatever machine ran it.
CONFIG_FIELDS = ("variant", "mask", "pass", "dtype", "B", "H", "Hkv", "Nq",
                 "Nk", "D", "threads")
# A series of a figure: a configuration without its size.
FAMILY_FIELDS = ("variant", "mask", "pass", "dtype", "B", "H", "Hkv", "D",
                 "threads")
DEFAULTS = {"pass": "forward", "dtype": "f32"}


def field(row, name):
    """A row's field, with the defaults of rows older than the field."""
    return row.get(name, DEFAULTS.get(name))


def machine_label(meta):
    """'AMD EPYC (family 26, model 2), 2 cores', or for a run older than the
    machine key, the model name, cores and widest vector flags, marked."""
    m = meta.get("machine") or {}
    if m.get("machine_key"):
        return m["machine_key"]
    flags = set((m.get("cpu_flags") or "").split())
    isa = ("AVX-512" if "avx512f" in flags else
           "AVX2" if "avx2" in flags else "no AVX2")
    return (f"{m.get('cpu_model') or 'unknown CPU'}, {m.get('cores', '?')} "
            f"cores, {isa} flags (family not recorded)")


def run_target(meta, rows):
    """The Highway target of a run: meta.json's, else its rows'."""
    if meta.get("highway_target"):
        return meta["highway_target"]
    targets = sorted({str(r.get("target")) for r in rows if r.get("target")})
    return "/".join(targets) or "unknown target"


def config_key(row):
    return tuple(field(row, f) for f in CONFIG_FIELDS)


def family_key(row):
    return tuple(field(row, f) for f in FAMILY_FIELDS)


def fraction(row):
    """(value, 'bw' or 'peak'): the fraction of the machine's own limit."""
    if shows_bandwidth(row):
        return row["pct_bandwidth"], "bw"
    return row.get("pct_peak"), "peak"


class Machine:
    """The runs of one machine (label and target) and their ok rows by
    configuration; where two runs hold one configuration, the newer run's
    row is kept."""

    def __init__(self, label, target):
        self.label, self.target = label, target
        self.runs = []  # (created_utc, run folder, meta)
        self.rows = {}  # config key -> row

    @property
    def name(self):
        return f"{self.label} · {self.target}"

    def add(self, run_dir, meta, rows):
        self.runs.append((meta.get("created_utc", ""), run_dir, meta))
        replaced = 0
        for row in rows:
            key = config_key(row)
            replaced += key in self.rows
            self.rows[key] = row
        return replaced


def load_machines(run_dirs):
    """Read the runs and group them by machine. Within a machine the runs
    are taken oldest first, so the newest row of a configuration wins.
    Returns the machines in the order the run folders first name them."""
    loaded = []
    for position, run_dir in enumerate(run_dirs):
        meta = read_meta(run_dir)
        rows = ok_rows(read_rows(run_dir))
        if not rows:
            warn(f"{run_dir}: no measured rows; left out")
            continue
        key = (machine_label(meta), run_target(meta, rows))
        loaded.append((meta.get("created_utc", ""), position, key, run_dir,
                       meta, rows))
    machines, first_seen = {}, {}
    for _, position, key, run_dir, meta, rows in sorted(
            loaded, key=lambda x: (x[0], x[1])):
        machine = machines.setdefault(key, Machine(*key))
        first_seen[key] = min(first_seen.get(key, position), position)
        replaced = machine.add(Path(run_dir), meta, rows)
        if replaced:
            warn(f"{run_dir}: {replaced} configuration(s) also in an older "
                 f"run of {machine.name}; the newer rows are used")
    return sorted(machines.values(),
                  key=lambda m: first_seen[(m.label, m.target)])


def shared_configs(machines):
    """The configurations measured on every one of the machines."""
    keys = set(machines[0].rows)
    for machine in machines[1:]:
        keys &= set(machine.rows)
    return keys


def shared_families(machines, min_points=2):
    """Families (series) with at least MIN_POINTS sizes on every machine:
    {family key: its configuration keys measured on all of them, by Nk
    then Nq}."""
    families = {}
    for key in shared_configs(machines):
        families.setdefault(family_key(machines[0].rows[key]), []).append(key)
    nk, nq = CONFIG_FIELDS.index("Nk"), CONFIG_FIELDS.index("Nq")
    return {f: sorted(keys, key=lambda k: (k[nk], k[nq]))
            for f, keys in families.items() if len(keys) >= min_points}
