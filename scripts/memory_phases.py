"""Splitting measured rows by the phase of a shared host's memory.

Other tenants move this host's read bandwidth between a slow and a fast
phase from one minute to the next (docs/semantics.md "Noise"; on an AMD
Zen 4 the probe moved between 34 and 62 GB/s within one run), and a
median over rounds mixes the two. scripts/decode_table.py and
scripts/run_ab.py give their fractions per phase, split here.
"""

# Read bandwidths that differ by more than this ratio over a run are split
# into two phases.
PHASE_SPLIT = 1.25


def phase_cut(reads):
    """The GB/s below which a row met the slow phase: the geometric mean of
    the lowest and highest of reads (positive numbers), where they differ
    by more than PHASE_SPLIT; None where they do not (one phase) or there
    are none."""
    if not reads or max(reads) <= PHASE_SPLIT * min(reads):
        return None
    return (min(reads) * max(reads)) ** 0.5
