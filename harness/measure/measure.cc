#include "harness/measure/measure.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/workspace.h"
#include "harness/io/inputs.h"
#include "harness/measure/cache_flush.h"
#include "harness/measure/execute.h"
#include "harness/measure/measure_backward.h"
#include "harness/measure/memory.h"
#include "harness/measure/quick_probes.h"
#include "harness/measure/span_read.h"
#include "kernels/bf16_scores.h"
#include "kernels/prefetch_hint.h"
#include "kernels/target.h"

namespace attnbench {

namespace {

// The output in data.o against the fp64 oracle on the unrounded inputs.
Agreement PrecisionCost(const Variant& variant, const Problem& problem,
                        const MeasureOptions& options,
                        const AttentionData& exact, AttentionData& data) {
  const Tensors unrounded{exact.q.get(), exact.k.get(), exact.v.get(),
                          data.o.get()};
  return CompareWithOracle(problem, unrounded, variant.GetTolerance(),
                           RowsToCheck(problem, options.oracle_budget));
}

// The rows of K and V (at k and v, as stored) that the problem must read:
// each batch entry's key/value heads' KeysToRead.
std::vector<ByteSpan> KvRowsToRead(const Problem& problem, const void* k,
                                   const void* v) {
  const Shape& s = problem.shape;
  const auto row = static_cast<size_t>(s.D * ElementBytes(problem.storage));
  const std::vector<std::vector<KeyRange>> keys = KeysToRead(problem);
  std::vector<ByteSpan> spans;
  for (const void* tensor : {k, v}) {
    const auto* base = static_cast<const char*>(tensor);
    for (int64_t b = 0; b < s.B; ++b) {
      for (int64_t h = 0; h < s.Hkv; ++h) {
        const int64_t first = (b * s.Hkv + h) * s.Nk;
        for (const KeyRange& r : keys[static_cast<size_t>(h)]) {
          spans.push_back({base + static_cast<size_t>(first + r.begin) * row,
                           static_cast<size_t>(r.size()) * row});
        }
      }
    }
  }
  return spans;
}

}  // namespace

Measurement Measure(const Variant& variant, const Problem& problem,
                    const MeasureOptions& options) {
  const Problem stored = StoredProblem(variant, problem, options.dtype);
  const Shape& s = problem.shape;
  RequireMemory(
      s, options.pass == Pass::kForward
             ? static_cast<int64_t>(variant.EstimateWorkspaceBytes(stored))
             : TrainingMemoryEstimate(variant, stored));
  ResetPeakRss();
  AttentionData data = MakeInputs(problem.shape, options.seed, options.dist);
  if (options.pass != Pass::kForward) {  // fp32 only (WhyNoBackward)
    TrainingData training(problem.shape, WantsSpanGradient(variant, problem));
    FillGradOutput(training, problem.shape, options.seed, options.dist);
    return MeasureTraining(variant, problem, options, data, training);
  }
  RoundInputs(data, options.dtype);
  Measurement m = Measure(variant, problem, options, data);
  if (options.dtype != DType::kF32 && options.check) {
    // The unrounded inputs again (generation is deterministic), not kept
    // through the timing.
    const AttentionData exact =
        MakeInputs(problem.shape, options.seed, options.dist);
    m.precision = PrecisionCost(variant, problem, options, exact, data);
  }
  return m;
}

Measurement Measure(const Variant& variant, const Problem& problem,
                    const MeasureOptions& options, AttentionData& data,
                    const AttentionData* exact) {
  Measurement m;
  m.target = DispatchedTargetName();
  // Stored in half precision for a variant that reads it; the oracle and
  // the precision cost read the same values in fp32.
  const Problem stored = StoredProblem(variant, problem, options.dtype);
  m.storage = stored.storage;
  StoreHalf(data, stored.storage);
  const Tensors view = data.ViewAs(stored.storage);
  m.tensor_bytes = data.Bytes(stored.storage);
  ThreadArena arena(problem.threads);
  WorkspaceMeter::ResetPeak();
  const size_t live_before = WorkspaceMeter::Live();
  m.cold_kv = options.cold_kv && CanFlushCaches();
  const void* k = view.k16 ? static_cast<const void*>(view.k16) : view.k;
  const void* v = view.v16 ? static_cast<const void*>(view.v16) : view.v;
  // Only the rows the problem must read are flushed: flushing the rest as
  // well made a step slower by how much was flushed, not by what it read
  // (docs/semantics.md "Work accounting").
  const std::vector<ByteSpan> kv_rows =
      m.cold_kv ? KvRowsToRead(stored, k, v) : std::vector<ByteSpan>();
  const SpanTasks kv_tasks = CutIntoTasks(kv_rows);
  const auto flush = [&] {
    arena.Execute([&] { FlushFromCachesOnThreads(kv_tasks); });
  };
  // Before each run, the same rows read by a plain loop from the same
  // cold state, then flushed again: the pattern's own read bandwidth, in
  // the same seconds as the run.
  std::vector<double> pattern_s;
  const auto read_pattern_then_flush = [&] {
    flush();
    const auto start = std::chrono::steady_clock::now();
    arena.Execute([&] { (void)ReadSpansOnThreads(kv_tasks); });
    pattern_s.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
    flush();
  };
  m.canary = ReadCanary();
  const CpuSample before = SampleCpu();
  ResetBf16DotUsed();
  m.timing =
      TimeRepeated([&] { arena.Execute([&] { variant.Run(stored, view); }); },
                   options.timing,
                   m.cold_kv ? std::function<void()>(read_pattern_then_flush)
                             : std::function<void()>());
  if (m.cold_kv) {  // the warm-up runs' reads dropped, as their runs are
    pattern_s.erase(pattern_s.begin(),
                    pattern_s.begin() + std::max(0, options.timing.warmup));
    m.pattern_read = StatsOf(std::move(pattern_s));
  }
  m.interference = Between(before, SampleCpu());
  m.bf16_dot = Bf16DotUsed();
  m.workspace_bytes = WorkspaceMeter::Peak() - live_before;
  StoreHalf(data, DType::kF32);  // frees the half-precision copies
  m.peak_rss_bytes = PeakRssBytes();
  if (options.check) {
    m.agreement =
        CompareWithOracle(problem, data.View(), variant.GetTolerance(),
                          RowsToCheck(problem, options.oracle_budget));
    if (exact != nullptr) {
      m.precision = PrecisionCost(variant, problem, options, *exact, data);
    }
  }
  return m;
}

namespace {

// The statistics of a's samples and b's together.
TimingStats PooledStats(const TimingStats& a, const TimingStats& b) {
  std::vector<double> samples = a.samples;
  samples.insert(samples.end(), b.samples.begin(), b.samples.end());
  return StatsOf(std::move(samples));
}

}  // namespace

void PoolRound(Measurement& pooled, Measurement round) {
  if (pooled.timing.samples.empty()) {
    pooled = std::move(round);
    return;
  }
  pooled.timing = PooledStats(pooled.timing, round.timing);
  pooled.workspace_bytes =
      std::max(pooled.workspace_bytes, round.workspace_bytes);
  pooled.peak_rss_bytes = std::max(pooled.peak_rss_bytes, round.peak_rss_bytes);
  if (round.agreement) pooled.agreement = round.agreement;
  if (pooled.pattern_read && round.pattern_read) {
    pooled.pattern_read =
        PooledStats(*pooled.pattern_read, *round.pattern_read);
  }
  if (round.precision) pooled.precision = round.precision;
  pooled.bf16_dot = pooled.bf16_dot || round.bf16_dot;
  Interference& i = pooled.interference;
  const Interference& r = round.interference;
  i.known = i.known && r.known;
  i.other_cores = std::max(i.other_cores, r.other_cores);
  i.steal_cores = std::max(i.steal_cores, r.steal_cores);
  i.load_avg = std::max(i.load_avg, r.load_avg);
  if (round.canary.ratio < pooled.canary.ratio) pooled.canary = round.canary;
}

nlohmann::ordered_json ConfigRow(const Variant& variant, const Problem& problem,
                                 const std::string& status) {
  const Shape& s = problem.shape;
  nlohmann::ordered_json row;
  row["status"] = status;
  row["variant"] = variant.Name();
  row["mask"] = problem.mask.ToString();
  row["B"] = s.B;
  row["H"] = s.H;
  row["Hkv"] = s.Hkv;
  row["Nq"] = s.Nq;
  row["Nk"] = s.Nk;
  row["D"] = s.D;
  row["threads"] = problem.threads;
  return row;
}

std::string BoundBy(const Problem& problem, const MachinePeaks& peaks) {
  const int64_t kv_bytes = MinimalKvBytes(problem);
  if (kv_bytes == 0) return "compute";
  const double per_byte =
      EffectiveFlops(problem) / static_cast<double>(kv_bytes);
  return per_byte * peaks.read_gbps < peaks.gflops ? "memory" : "compute";
}

bool ShowsBandwidth(const nlohmann::json& row) {
  if (!row.contains("gbps") || !row["gbps"].is_number() ||
      !row.contains("pct_bandwidth") || !row["pct_bandwidth"].is_number()) {
    return false;
  }
  if (row.value("bound", "compute") == "memory") return true;
  // Decode's shape, of a forward pass (kv_bytes counts the forward's K and
  // V reads only).
  if (row.value("pass", "forward") != "forward") return false;
  const auto integer = [&](const char* name) {
    return row.contains(name) && row[name].is_number_integer();
  };
  if (!integer("Nq") || !integer("Nk")) return false;
  const auto nq = row["Nq"].get<int64_t>(), nk = row["Nk"].get<int64_t>();
  return nq <= kDecodeMaxNewRows && nq < nk;
}

std::string RateText(const nlohmann::json& row) {
  const bool memory = row.value("bound", "compute") == "memory";
  const std::string flops = fmt::format(
      "{:.2f} effective GFLOP/s = {:.1f}% of the {:.1f} GFLOP/s FMA peak",
      row["gflops"].get<double>(), 100 * row["pct_peak"].get<double>(),
      row["peak_gflops"].get<double>());
  if (!ShowsBandwidth(row)) return flops + " (compute-bound)";
  std::string pattern;
  if (row.contains("pct_pattern_bandwidth") &&
      row["pct_pattern_bandwidth"].is_number()) {
    pattern =
        fmt::format(", {:.1f}% of a plain read of the same rows ({:.2f} GB/s)",
                    100 * row["pct_pattern_bandwidth"].get<double>(),
                    row["pattern_read_gbps"].get<double>());
  }
  // A warm row (--kv-cache warm) read K and V from the caches: its GB/s
  // may pass the memory's.
  const bool warm = row.value("kv_cache", "cold") == "warm";
  // A decode step labelled compute-bound by this moment's probes still
  // reads as GB/s, beside its FLOP rate of the peak.
  return fmt::format(
      "{:.2f} GB/s = {:.1f}% of the {:.1f} GB/s read bandwidth{} ({}{}; {})",
      row["gbps"].get<double>(), 100 * row["pct_bandwidth"].get<double>(),
      row["read_gbps"].get<double>(), pattern,
      memory ? "memory-bound" : "decode, labelled compute-bound",
      warm ? ", K and V warm in the caches" : "",
      memory
          ? fmt::format("{:.2f} effective GFLOP/s", row["gflops"].get<double>())
          : flops);
}

nlohmann::ordered_json ResultRow(const Variant& variant, const Problem& problem,
                                 const MeasureOptions& options,
                                 const Measurement& m,
                                 const MachinePeaks& peaks) {
  const Shape& s = problem.shape;
  const double flops = EffectiveFlops(problem) * PassWorkFactor(options.pass);
  const double gflops = flops / m.timing.median_s * 1e-9;
  const Problem stored = StoredProblem(variant, problem, options.dtype);
  const int64_t kv_bytes = MinimalKvBytes(stored);
  const double gbps = static_cast<double>(kv_bytes) / m.timing.median_s * 1e-9;
  nlohmann::ordered_json row = ConfigRow(variant, problem, "ok");
  row["scale"] = problem.Scale();
  row["target"] = m.target;
  row["seed"] = options.seed;
  row["dist"] = DistributionName(options.dist);
  row["repetitions"] = m.timing.reps;
  row["median_s"] = m.timing.median_s;
  row["min_s"] = m.timing.min_s;
  row["max_s"] = m.timing.max_s;
  row["median_lo_s"] = m.timing.median_lo_s;  // ~95% interval of the median
  row["median_hi_s"] = m.timing.median_hi_s;
  row["visible_pairs"] = CountVisiblePairs(problem);
  row["effective_flops"] = flops;
  row["gflops"] = gflops;
  row["peak_gflops"] = peaks.gflops;
  row["peak_probe_gflops"] = peaks.probe_gflops;
  row["peak_stored_gflops"] = peaks.stored_gflops > 0.0
                                  ? nlohmann::ordered_json(peaks.stored_gflops)
                                  : nlohmann::ordered_json();
  row["pct_peak"] = gflops / peaks.gflops;
  row["kv_bytes"] = kv_bytes;
  row["gbps"] = gbps;
  row["read_gbps"] = peaks.read_gbps;
  row["pct_bandwidth"] = gbps / peaks.read_gbps;
  row["bound"] = BoundBy(stored, peaks);
  row["kv_cache"] = m.cold_kv ? "cold" : "warm";
  row["probes"] = ProbeDepthName();
  // Cold rows: the GB/s of a plain read of the same rows, and the row's
  // fraction of it (what the mask's pattern allows a loop to read).
  if (m.pattern_read) {
    const double pattern_gbps =
        static_cast<double>(kv_bytes) / m.pattern_read->median_s * 1e-9;
    row["pattern_read_gbps"] = pattern_gbps;
    row["pct_pattern_bandwidth"] = gbps / pattern_gbps;
  } else {
    row["pattern_read_gbps"] = nullptr;
    row["pct_pattern_bandwidth"] = nullptr;
  }
  row["dtype"] = DTypeName(options.dtype);
  row["storage"] = DTypeName(stored.storage);
  row["pass"] = PassName(options.pass);
  // Whether the engine's prefill or decode formed Q K^T with vdpbf16ps in
  // the timed runs (kernels/bf16_scores.h, bf16_decode_scores.h): bf16
  // storage, a CPU with AVX-512 BF16, an AVX3 target, not --no-bf16-dot,
  // and for decode D a multiple of 32 and a group's rows in fours, fewer
  // than 32 (DecodePlan::bf16_dot).
  row["bf16_dot"] = m.bf16_dot;
  // The hint of decode's software prefetches (kernels/prefetch_hint.h).
  row["prefetch_hint"] = PrefetchHintName(CurrentPrefetchHint());
  // Interference while the runs were timed (null where /proc is not
  // readable), and the verdict.
  const Interference& i = m.interference;
  row["other_cpu_cores"] = i.known ? nlohmann::ordered_json(i.other_cores)
                                   : nlohmann::ordered_json();
  row["steal_cores"] = i.known ? nlohmann::ordered_json(i.steal_cores)
                               : nlohmann::ordered_json();
  row["load_avg"] =
      i.known ? nlohmann::ordered_json(i.load_avg) : nlohmann::ordered_json();
  row["canary_gbps"] = m.canary.gbps;
  row["canary_ratio"] = m.canary.ratio;
  // The canary judges memory-bound rows only (docs/semantics.md "Noise"),
  // not every cold one: chunked prefill runs cold and is compute-bound.
  std::string noise =
      NoiseReason(i, m.timing, m.canary, m.cold_kv && row["bound"] == "memory");
  if (!peaks.noise.empty()) noise += (noise.empty() ? "" : "; ") + peaks.noise;
  row["noisy"] = !noise.empty();
  row["noise_reason"] = noise;
  row["workspace_bytes"] = m.workspace_bytes;
  row["tensor_bytes"] = m.tensor_bytes;
  row["peak_rss_bytes"] = m.peak_rss_bytes;
  if (m.agreement) {
    const Agreement& a = *m.agreement;
    row["max_abs_err"] = a.max_abs_err;
    row["rel_err"] = a.rel_err;
    row["err_bound"] = a.bound;
    row["rows_checked"] = a.rows_checked;
    row["rows_total"] = a.rows_total;
    row["agrees"] = a.pass;
  } else {
    row["max_abs_err"] = nullptr;
    row["rel_err"] = nullptr;
    row["err_bound"] = nullptr;
    row["rows_checked"] = 0;
    row["rows_total"] = s.B * s.H * s.Nq;
    row["agrees"] = nullptr;
  }
  // What the input precision costs: the same output against the oracle on
  // the unrounded inputs (null for f32 or without the check).
  row["precision_abs_err"] =
      m.precision ? nlohmann::json(m.precision->max_abs_err) : nullptr;
  row["precision_rel_err"] =
      m.precision ? nlohmann::json(m.precision->rel_err) : nullptr;
  return row;
}

}  // namespace attnbench
