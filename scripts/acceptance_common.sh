# Sourced by the acceptance scripts: the release binary, the Highway target
# (`--target NAME` as the first arguments; default: the best this CPU runs)
# and the rows file results/<folder>/<run-id>[-<target>].jsonl.
#   source scripts/acceptance_common.sh FOLDER "$@"
# defines: bin, target, out, attn_run ARGS... (= attnbench run
# --target TARGET ARGS...) and tag CASE (adds "case": CASE to the JSON row
# on stdin). A caller with other options of its own parses
# them first and may set `usage` for the error line.

# Quick probes (docs/semantics.md, "Quick probes") read an 8 MiB buffer
# the caches hold: the read bandwidth, and every pct_bandwidth beside it,
# means nothing.
if [[ ${ATTNBENCH_QUICK_PROBES:-} == 1 ]]; then
  echo "ATTNBENCH_QUICK_PROBES=1 is set: acceptance figures need the full probes; unset it" >&2
  exit 2
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=build/release/attnbench
[[ -x $bin ]] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
folder=$1
shift
target=best
if [[ ${1:-} == --target ]]; then
  target=${2:?--target needs a target name (see attnbench list)}
  shift 2
fi
[[ $# -eq 0 ]] || { echo "usage: $0 ${usage:-[--target NAME]}" >&2; exit 2; }
run_id=$(date -u +%Y%m%dT%H%M%SZ)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
[[ $target == best ]] || run_id+=-$target
out=results/$folder/$run_id.jsonl
mkdir -p "$(dirname "$out")"
attn_run() { "$bin" run --target "$target" "$@"; }
tag() {
  /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); r["case"]=sys.argv[1]; print(json.dumps(r))' "$1"
}
