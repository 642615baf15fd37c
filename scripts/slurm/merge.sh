#!/usr/bin/env bash
# Joins the shard folders a job array of scripts/slurm/sweep_array.sbatch
# left in RUN_DIR into RUN_DIR/merged (attnbench merge: refuses shards of
# different plans, settings or revisions, names missing shards and exits 1),
# then draws its figures.
#   scripts/slurm/merge.sh RUN_DIR
set -euo pipefail
run_dir=${1:?usage: merge.sh RUN_DIR}
bin=${ATTNBENCH_BIN:-build/release/attnbench}
shopt -s nullglob
shards=("$run_dir"/shard-*)
[[ ${#shards[@]} -gt 0 ]] || { echo "no shard-* folders in $run_dir" >&2; exit 2; }
"$bin" merge --out "$run_dir/merged" "${shards[@]}"
/usr/bin/python3 "$(dirname "$0")/../plot.py" "$run_dir/merged"
