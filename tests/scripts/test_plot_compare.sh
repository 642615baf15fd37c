#!/usr/bin/env bash
# Test scripts/plot.py and scripts/compare.py on synthetic run folders.
# Usage: tests/scripts/test_plot_compare.sh [REPO_ROOT]
# Writes only into a temporary folder (removed on exit); prints "ok" on success.
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap '[[ -n ${KEEP_TMP:-} ]] || rm -rf "$tmp"' EXIT
export PYTHONDONTWRITEBYTECODE=1 MPLCONFIGDIR=$tmp/mpl  # nothing into the repo

fail() { echo "FAIL: $*" >&2; exit 1; }

# make_run DIR TIME_SCALE EXTRA: a run folder with naive and flash causal
# (time ~ N^2), sliding_window window:256 (time ~ N), one skipped row, a
# truncated last line and, if EXTRA is 1, one configuration only this run has.
make_run() {
  mkdir -p "$1"
  "$py" - "$1" "$2" "$3" <<'PY'
import json, sys
out, scale, extra = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
series = [("naive", "causal", 2, 8e-9), ("flash", "causal", 2, 1.2e-9),
          ("sliding_window", "window:256", 1, 4e-6)]
noise = [1.0, 1.03, 0.98, 1.01]
rows = []
for variant, mask, power, c in series:
    for i, n in enumerate([512, 1024, 2048, 4096]):
        t = c * n ** power * noise[i] * scale
        flops = 4.0 * 64 * 8 * (n * n / 2 if mask == "causal" else n * 256)
        rows.append(dict(status="ok", variant=variant, mask=mask, B=1, H=8,
            Hkv=8, Nq=n, Nk=n, D=64, threads=2, target="AVX3", seed=1,
            repetitions=5, median_s=t, min_s=0.95 * t, max_s=1.1 * t,
            visible_pairs=1, effective_flops=flops, gflops=flops / t / 1e9,
            peak_gflops=1000.0, pct_peak=flops / t / 1e12,
            workspace_bytes=400000 if variant != "naive" else 4 * n * n,
            tensor_bytes=4 * 4 * 8 * n * 64, peak_rss_bytes=2**25 + 64 * n * n,
            max_abs_err=1e-7, rel_err=1e-7, err_bound=2e-5, rows_checked=8,
            rows_total=8 * n, agrees=True))
if extra:
    extra_row = dict(rows[0], D=128)
    rows.append(extra_row)
rows.append(dict(status="skipped", skip_reason="too much memory",
                 variant="naive", mask="causal", B=1, H=8, Hkv=8, Nq=65536,
                 Nk=65536, D=64, threads=2))
with open(f"{out}/rows.jsonl", "w") as f:
    for row in rows:
        f.write(json.dumps(row) + "\n")
    f.write('{"status":"ok","variant":"flash","mask":"cau')  # killed run
meta = {"run_id": out.rsplit("/", 1)[-1],
        "machine": {"cpu_model": "Synthetic CPU 9000", "cores": 2},
        "highway_target": "AVX3",
        "build": {"compiler": "clang 16", "git_revision": "abc1234"}}
with open(f"{out}/meta.json", "w") as f:
    json.dump(meta, f)
PY
}

# expect_figures DIR: the three figures exist there as PNG and SVG.
expect_figures() {
  for name in time_vs_n throughput_vs_n memory_vs_n; do
    for ext in png svg; do
      [[ -s $1/$name.$ext ]] || fail "missing $1/$name.$ext"
    done
  done
}

# exponent_near OUTPUT VARIANT WANT: the fitted exponent of the D=64 series
# of VARIANT is within 0.1 of WANT.
exponent_near() {
  awk -v v="$2" -v want="$3" '
    $1 == v && $3 == 64 { found = 1; e = $NF; if (e - want > 0.1 || want - e > 0.1) bad = 1 }
    END { exit !(found && !bad) }' <<<"$1" ||
    fail "exponent of $2 is not near $3"
}

make_run "$tmp/results/run-a" 1 1
make_run "$tmp/results/run-b" 0.5 0

echo "== plot.py with --figures-dir"
plot_out=$("$py" "$repo/scripts/plot.py" "$tmp/results/run-a" \
  --figures-dir "$tmp/figs" 2>"$tmp/plot.err")
echo "$plot_out"
grep -q "not valid JSON" "$tmp/plot.err" || fail "no warning for the truncated line"
expect_figures "$tmp/results/run-a/figures"
expect_figures "$tmp/figs"
grep -q "$tmp/figs/time_vs_n.png" <<<"$plot_out" || fail "paths written not printed"
exponent_near "$plot_out" naive 2
exponent_near "$plot_out" flash 2
exponent_near "$plot_out" sliding_window 1

echo "== plot.py with the default figures folder: the run's only"
"$py" "$repo/scripts/plot.py" "$tmp/results/run-b" >/dev/null 2>&1
expect_figures "$tmp/results/run-b/figures"
# The committed figures next to the runs change only when asked.
[[ ! -e "$tmp/results/figures" ]] || fail "plot.py wrote results/figures unasked"

echo "== plot.py on a run whose every row is noisy (no point to fit)"
mkdir -p "$tmp/results/noisy"
cp "$tmp/results/run-b/meta.json" "$tmp/results/noisy/"
sed 's/"agrees": true}/"agrees": true, "noisy": true}/' \
  "$tmp/results/run-b/rows.jsonl" >"$tmp/results/noisy/rows.jsonl"
grep -q '"noisy": true' "$tmp/results/noisy/rows.jsonl" || fail "could not mark rows noisy"
noisy_out=$("$py" "$repo/scripts/plot.py" "$tmp/results/noisy" 2>&1) ||
  fail "plot.py failed on an all-noisy run: $noisy_out"
grep -q "all noisy" <<<"$noisy_out" || fail "no word that every point was noisy"

echo "== plot.py on a run without ok rows"
mkdir -p "$tmp/results/empty"
grep '"skipped"' "$tmp/results/run-a/rows.jsonl" >"$tmp/results/empty/rows.jsonl"
if "$py" "$repo/scripts/plot.py" "$tmp/results/empty" 2>"$tmp/empty.err"; then
  fail "plot.py succeeded without ok rows"
fi
grep -q "no ok rows" "$tmp/empty.err" || fail "unclear message without ok rows"

echo "== plot.py on a decode run: a series with a memory-bound row is drawn whole"
mkdir -p "$tmp/results/decode"
cp "$tmp/results/run-b/meta.json" "$tmp/results/decode/"
"$py" - "$tmp/results/decode" "$repo/scripts" <<'PY' || fail "decode rows"
import json, sys
out, scripts = sys.argv[1], sys.argv[2]
sys.path.insert(0, scripts)
import plot  # noqa: E402
rows = []
for nq, bounds in ((1, ["memory", "memory", "compute"]),
                   (256, ["compute", "compute", "compute"])):
    for nk, bound, pct in zip([1024, 4096, 16384], bounds, [0.5, 0.6, 0.7]):
        t = 1e-9 * nk * nq
        rows.append(dict(status="ok", variant="flash", mask="causal", B=1,
            H=32, Hkv=8, Nq=nq, Nk=nk, D=128, threads=2, target="AVX3",
            median_s=t, min_s=t, max_s=t, effective_flops=16384.0 * nk * nq,
            gflops=16.384 * nk * nq / t / 1e9, pct_peak=0.1,
            kv_bytes=8192 * nk, gbps=8192e-9 * nk / t, read_gbps=40.0,
            pct_bandwidth=pct, bound=bound, workspace_bytes=1000, peak_rss_bytes=2**25,
            agrees=True))
chosen = plot.memory_bound(rows)
assert [(r["Nq"], r["Nk"]) for r in chosen] == \
    [(1, 1024), (1, 4096), (1, 16384)], chosen
with open(f"{out}/rows.jsonl", "w") as f:
    for row in rows:
        f.write(json.dumps(row) + "\n")
PY
"$py" "$repo/scripts/plot.py" "$tmp/results/decode" >"$tmp/decode.out" 2>&1 ||
  fail "plot.py failed on decode rows: $(cat "$tmp/decode.out")"
[[ -s $tmp/results/decode/figures/bandwidth_vs_nk.png ]] ||
  fail "no bandwidth_vs_nk figure for decode rows"
# The machine table's decode headline: the largest Nk of Nq <= 16 and Nq < Nk,
# labelled compute or not; no prefill headline from Nq=256 rows.
decode_table=$("$py" "$repo/scripts/machine_table.py" "$tmp/results/decode" 2>&1)
grep -q "| - | 0.70 (Nk=16384, 2 thr) |$" <<<"$decode_table" ||
  fail "machine table decode headline: $decode_table"

# Across machines a decode row is a fraction of the read bandwidth on both,
# whatever each machine's probes labelled it (decode-c: every row compute).
mkdir -p "$tmp/results/decode-c"
"$py" - "$tmp/results/decode" "$tmp/results/decode-c" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
with open(f"{out}/rows.jsonl", "w") as f:
    for line in open(f"{src}/rows.jsonl"):
        row = json.loads(line)
        row["bound"] = "compute"
        f.write(json.dumps(row) + "\n")
meta = json.load(open(f"{src}/meta.json"))
meta["machine"] = {"cpu_model": "Other CPU", "cores": 2,
                   "machine_key": "Other CPU (family 25, model 1), 2 cores"}
json.dump(meta, open(f"{out}/meta.json", "w"))
PY
"$py" "$repo/scripts/compare.py" --machines "$tmp/results/decode" \
  "$tmp/results/decode-c" --csv "$tmp/decode-machines.csv" >/dev/null 2>&1 ||
  fail "compare.py --machines on decode rows"
[[ $(grep -c ',bandwidth,' "$tmp/decode-machines.csv") -eq 6 &&
   $(grep -c ',peak,' "$tmp/decode-machines.csv") -eq 6 ]] ||
  fail "decode rows not of the bandwidth on both machines: $(cat "$tmp/decode-machines.csv")"

echo "== compare.py"
cmp_out=$("$py" "$repo/scripts/compare.py" "$tmp/results/run-a" \
  "$tmp/results/run-b" --csv "$tmp/cmp.csv" 2>/dev/null)
echo "$cmp_out"
[[ $(grep -c ' 0\.500 ' <<<"$cmp_out") -eq 12 ]] || fail "ratio 0.500 not on 12 rows"
grep -q "^only in run-a (1):" <<<"$cmp_out" || fail "unmatched row not listed"
[[ $(grep -c ',0\.5,' "$tmp/cmp.csv") -eq 12 ]] || fail "CSV lacks 12 ratios of 0.5"

echo "== compare.py --machines and machine_table.py"
# run-c: run-b's configurations measured on another machine (its meta.json
# names a machine key), every row at half of that machine's peak.
mkdir -p "$tmp/results/run-c"
"$py" - "$tmp/results/run-b" "$tmp/results/run-c" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
with open(f"{out}/rows.jsonl", "w") as f:
    for line in open(f"{src}/rows.jsonl"):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        row["pct_peak"] = 0.5
        f.write(json.dumps(row) + "\n")
meta = json.load(open(f"{src}/meta.json"))
meta["machine"] = {"cpu_model": "Other CPU", "cores": 2,
                   "machine_key": "Other CPU (family 25, model 1), 2 cores"}
meta["highway_target"] = "AVX2"
json.dump(meta, open(f"{out}/meta.json", "w"))
PY
if "$py" "$repo/scripts/compare.py" --machines "$tmp/results/run-a" \
  "$tmp/results/run-b" >"$tmp/one.out" 2>/dev/null; then
  fail "compare.py --machines succeeded with one machine"
fi
grep -q "runs from one machine only" "$tmp/one.out" || fail "no message for one machine"
machines_out=$("$py" "$repo/scripts/compare.py" --machines "$tmp/results/run-a" \
  "$tmp/results/run-c" --plot "$tmp/machines.png" --csv "$tmp/machines.csv" 2>/dev/null)
echo "$machines_out"
grep -q "^M2: Other CPU (family 25, model 1), 2 cores · AVX2" <<<"$machines_out" ||
  fail "machine 2 not named by its key and target"
grep -q "^M1: Synthetic CPU 9000, 2 cores, no AVX2 flags (family not recorded) · AVX3" \
  <<<"$machines_out" || fail "a run without a machine key not marked"
[[ $(grep -c ' 0\.500$' <<<"$machines_out") -eq 12 ]] || fail "M2's fractions not on 12 rows"
[[ -s $tmp/machines.png ]] || fail "no machine figure"
[[ $(grep -c '"Other CPU (family 25, model 1), 2 cores",AVX2,0.5,peak,' "$tmp/machines.csv") -eq 12 ]] ||
  fail "CSV lacks M2's 12 fractions"
table_out=$("$py" "$repo/scripts/machine_table.py" "$tmp/results/run-a" \
  "$tmp/results/run-b" "$tmp/results/run-c" 2>/dev/null)
echo "$table_out"
[[ $(grep -c '^| ' <<<"$table_out") -eq 3 ]] || fail "machine table: not a header and two machines"
grep -q "^| Other CPU (family 25, model 1), 2 cores | AVX2 | 1 (newest \`run-c\`) | 12 |" \
  <<<"$table_out" || fail "machine table: run-c's machine line"
grep -q "^| Synthetic CPU 9000, .* | AVX3 | 2 " <<<"$table_out" ||
  fail "machine table: run-a and run-b not one machine"
printf 'x\n<!-- machines:begin -->\nold\n<!-- machines:end -->\ny\n' >"$tmp/README.md"
"$py" "$repo/scripts/machine_table.py" "$tmp/results/run-a" "$tmp/results/run-c" \
  --readme "$tmp/README.md" >/dev/null 2>&1
grep -q "^| Other CPU" "$tmp/README.md" && ! grep -q "^old" "$tmp/README.md" ||
  fail "machine table not written between the markers"

echo ok
