#!/usr/bin/env bash
# Usage: slurm_one_node.sh ATTNBENCH REPO_ROOT
# The Slurm path of docs/cluster.md on a one-node cluster that this test
# starts itself: munged, slurmctld and slurmd run as the current user from
# a private folder (configuration, key, sockets, state and logs written
# here, ports chosen per run), scripts/slurm/sweep_array.sbatch runs a
# 3-shard job array of a short sweep, scripts/slurm/merge.sh joins the
# shards, and the merged rows must be exactly the configurations of the
# same sweep run unsharded (and of its plan), all agreeing; shard 1, cut
# as a preempted task leaves it and submitted again, resumes without
# losing or repeating a row. Everything is torn down on exit; every wait
# is bounded. Prints "SKIP: <reason>" (exit 0) where Slurm or munge is not
# installed (README: how to install them).
set -euo pipefail
bin=$(readlink -f "$1")
repo=$(readlink -f "$2")
export PATH="$PATH:/usr/sbin:/sbin"

missing=()
for tool in munged mungekey slurmctld slurmd sbatch squeue sinfo scontrol; do
  command -v "$tool" > /dev/null || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "SKIP: the one-node Slurm test needs ${missing[*]}" \
    "(apt-get install slurmctld slurmd slurm-client munge)"
  exit 0
fi

dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT
# Shows a daemon's log and fails.
fail() {
  echo "FAIL: $1"
  for log in "$dir"/*.log; do echo "--- $log"; tail -n 20 "$log"; done
  exit 1
}
chmod 700 "$dir"
mkdir -p "$dir/state" "$dir/spool" "$dir/run"

# munge: a fresh key, its own socket.
mungekey --create --keyfile="$dir/munge.key" > /dev/null 2>&1 ||
  mungekey -c -k "$dir/munge.key"
chmod 600 "$dir/munge.key"
munged --foreground --force --key-file="$dir/munge.key" \
  --socket="$dir/run/munge.sock" --pid-file="$dir/run/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" \
  > /dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $dir/run/munge.sock ]] && break; sleep 0.1; done
[[ -S $dir/run/munge.sock ]] || fail "munged did not start"

# Ports from this process's id, so that two runs on one host do not meet.
port=$((20000 + ($$ % 5000) * 2))
user=$(id -un)
node=$(slurmd -C | head -n 1)      # NodeName=host CPUs=... RealMemory=...
host=${node%% *}
host=${host#NodeName=}
cat > "$dir/slurm.conf" << EOF
ClusterName=attnbench-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/run/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=10 State=UP
EOF
export SLURM_CONF=$dir/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$dir/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$host" -f "$SLURM_CONF" > "$dir/slurmd.out" 2>&1 &
pids+=($!)
state=
for _ in $(seq 100); do
  state=$(timeout 5 sinfo -h -N -o %T 2> /dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.3
done
[[ $state == idle ]] || fail "the node did not come up (state '$state')"
echo "one-node cluster up: $host, ports $port-$((port + 1))"

# The job array: 3 shards, one per task, nodes exclusive (the script's).
# args: the sweep's options, a small plan of 9 configurations.
args=(--variants naive,flash --masks 'causal;window:16'
      --N-min 32 --N-max 128 --H 2 --threads 2 --reps 1 --min-time 0
      --rounds 1)
cd "$repo"
export ATTNBENCH_BIN=$bin
# Submits the job array with the given --array and waits for it (polled:
# sbatch --wait backs off to half-minute sleeps); fails unless every task
# completed.
run_array() {
  local job states
  job=$(sbatch --parsable --array="$1" --chdir="$dir" --time=5 \
    "$repo/scripts/slurm/sweep_array.sbatch" "$dir/study" "${args[@]}") ||
    fail "sbatch refused the job array"
  for _ in $(seq 600); do
    [[ -z $(squeue -h -j "$job" 2> /dev/null) ]] && break
    sleep 0.5
  done
  [[ -z $(squeue -h -j "$job" 2> /dev/null) ]] ||
    fail "job array $job ran past 300 s"
  states=$(scontrol show job "$job" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c)
  echo "job array $job (--array=$1): $(echo $states)"
  if grep -v -q 'JobState=COMPLETED' <<< "$states"; then
    cat "$dir"/attnbench-sweep-*.out 2> /dev/null || true
    fail "a task of job array $job did not complete"
  fi
}
run_array 0-2
# Shard 1 as a preempted task leaves it: half its rows and a torn line.
# Its task, submitted again, resumes the folder and measures only the rest.
rows1=$(grep -c . "$dir/study/shard-1/rows.jsonl")
head -n $((rows1 / 2)) "$dir/study/shard-1/rows.jsonl" > "$dir/half"
printf '{"status":"ok","variant":"fla' >> "$dir/half"
mv "$dir/half" "$dir/study/shard-1/rows.jsonl"
run_array 1
[[ $(grep -c . "$dir/study/shard-1/rows.jsonl") -eq $rows1 ]] ||
  fail "the resubmitted shard lost or repeated rows"
for i in 0 1 2; do
  [[ -f $dir/study/shard-$i/rows.jsonl ]] || fail "shard $i left no rows"
done
scripts/slurm/merge.sh "$dir/study" > "$dir/merge.out" 2>&1 ||
  { cat "$dir/merge.out"; fail "merge.sh failed"; }

# The same sweep unsharded, run here (outside Slurm), and its plan.
"$bin" sweep "${args[@]}" --out "$dir/unsharded" > "$dir/unsharded.log"
"$bin" sweep "${args[@]}" --dry-run | grep -v configurations |
  grep -v '^left out' | sort > "$dir/plan"
# A run's configurations, one line each in the --dry-run plan's words.
configs() {
  /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("{variant} {mask} N={Nk} D={D} threads={threads}".format(**r))
' "$1" | sort
}
merged=$dir/study/merged/rows.jsonl
configs "$merged" > "$dir/merged-configs"
configs "$dir/unsharded/rows.jsonl" > "$dir/unsharded-configs"
echo "planned=$(grep -c . "$dir/plan") unsharded_rows=$(grep -c . \
  "$dir/unsharded-configs") merged_rows=$(grep -c . "$dir/merged-configs")"
cmp -s "$dir/unsharded-configs" "$dir/merged-configs" || {
  diff "$dir/unsharded-configs" "$dir/merged-configs" | head -n 10
  fail "the merged rows are not the unsharded run's configurations"
}
cmp -s "$dir/plan" "$dir/merged-configs" ||
  fail "the merged rows are not the plan's configurations"
if grep -q '"agrees":false' "$merged"; then fail "a merged row disagrees"; fi
ls "$dir/study/merged"/*.png > /dev/null 2>&1 ||
  ls "$dir/study/merged/figures" > /dev/null 2>&1 ||
  fail "merge.sh drew no figures"
echo PASS
