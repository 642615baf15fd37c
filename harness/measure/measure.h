// Measuring one configuration: seeded inputs, warm-up and timed runs in a
// oneTBB arena, the workspace and peak memory, and the agreement with the
// oracle. Used by `attnbench run` and `attnbench sweep` alike.
#ifndef ATTNBENCH_HARNESS_MEASURE_MEASURE_H_
#define ATTNBENCH_HARNESS_MEASURE_MEASURE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/check/agreement.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/canary.h"
#include "harness/measure/interference.h"
#include "harness/measure/pass.h"
#include "harness/measure/timing.h"

namespace attnbench {

struct MeasureOptions {
  uint64_t seed = 1;
  Distribution dist = Distribution::kUniform;
  TimingPolicy timing;
  bool check = true;
  double oracle_budget = kDefaultOracleBudget;
  // Flush K and V from every cache before each run (WantsColdKv in
  // harness/measure/kv_cache.h: by default decode, chunked prefill and
  // memory-bound rows; GB/s then measures memory, not cache).
  bool cold_kv = false;
  // The inputs' precision: Q, K and V rounded to it before measuring
  // (harness/io/dtype.h); not f32: the row also reports the error against
  // the fp64 oracle on the unrounded inputs (precision cost).
  DType dtype = DType::kF32;
  // Which pass is timed (harness/measure/measure_backward.h for backward
  // and both); the row's effective FLOPs count its work.
  Pass pass = Pass::kForward;
};

struct Measurement {
  std::string target;  // Highway target that ran
  TimingStats timing;
  size_t workspace_bytes = 0;   // measured peak scratch
  int64_t tensor_bytes = 0;     // Q, K, V and O
  int64_t peak_rss_bytes = -1;  // process peak resident memory while measuring
  std::optional<Agreement> agreement;  // absent without the check
  bool cold_kv = false;  // K and V were flushed from the caches before runs
  // With cold_kv: a plain read of the same K and V rows, flushed the same
  // way, timed before each run (harness/measure/span_read.h).
  std::optional<TimingStats> pattern_read;
  // Against the fp64 oracle on the unrounded inputs (dtype not f32, with
  // the check): what the input precision costs.
  std::optional<Agreement> precision;
  // The element type the variant read Q, K and V in (Problem::storage).
  DType storage = DType::kF32;
  // The engine formed Q K^T with vdpbf16ps in the runs (kernels/
  // bf16_scores.h, Bf16DotUsed).
  bool bf16_dot = false;
  // What else used the CPU while the runs were timed.
  Interference interference;
  // The memory system just before (harness/measure/canary.h).
  CanaryReading canary;
};

// For a problem that RequireRunnable (harness/measure/execute.h) accepted
// once: checks that it fits in memory (InvalidArgument otherwise), then
// measures it on inputs generated from options.seed and options.dist and
// rounded to options.dtype.
Measurement Measure(const Variant& variant, const Problem& problem,
                    const MeasureOptions& options);
// The same on given inputs, already rounded to options.dtype (their shape
// must be the problem's; the caller checked the memory); `exact`, if
// given, holds them unrounded, for the precision cost. The output is left
// in data.o.
Measurement Measure(const Variant& variant, const Problem& problem,
                    const MeasureOptions& options, AttentionData& data,
                    const AttentionData* exact = nullptr);

// One configuration measured in rounds (sweep --rounds): adds `round` to
// `pooled` (empty at first): the timed runs pooled into one set of
// statistics, the largest interference and the lowest canary of any
// round, the agreement of the round that checked.
void PoolRound(Measurement& pooled, Measurement round);

// The fields that identify a configuration: status, variant, mask, B, H,
// Hkv, Nq, Nk, D, threads (the start of every stored row).
nlohmann::ordered_json ConfigRow(const Variant& variant, const Problem& problem,
                                 const std::string& status);

// What a result is divided by: the FMA peak (harness/measure/peak.h) and
// the read bandwidth (harness/measure/bandwidth.h), measured in the same
// process with the same target and thread count.
struct MachinePeaks {
  double gflops = 0.0;
  double read_gbps = 0.0;
  // How gflops was obtained (harness/measure/peak_store.h): this process's
  // probe and the machine's stored best (0 when none), and why the probe
  // makes the rows noisy ("" when it does not).
  double probe_gflops = 0.0;
  double stored_gflops = 0.0;
  std::string noise;
};

// Which limit a problem meets first on this machine: "memory" when its
// effective FLOPs per minimal K/V byte are below the machine's FLOPs per
// byte of read bandwidth, else "compute".
std::string BoundBy(const Problem& problem, const MachinePeaks& peaks);

// Decode's shape: at most this many new query rows against more keys
// (docs/semantics.md "Work accounting").
inline constexpr int64_t kDecodeMaxNewRows = 16;

// Whether a result row's rate reads as GB/s of minimal K/V bytes and the
// fraction of the read bandwidth: a row with a bandwidth figure that is
// labelled memory-bound, or is a forward pass of decode's shape (Nq <=
// kDecodeMaxNewRows and Nq < Nk). By shape as well as by label: near the
// machine's balance point the label follows the probes of the moment, and a
// decode family would otherwise switch units from one Nk to the next.
bool ShowsBandwidth(const nlohmann::json& row);

// A result row's rate in words: GB/s and the fraction of the read
// bandwidth where ShowsBandwidth, effective GFLOP/s and the fraction of
// the FMA peak otherwise; the row's bound named.
std::string RateText(const nlohmann::json& row);

// One result row (the fields README.md describes), in a fixed order.
nlohmann::ordered_json ResultRow(const Variant& variant, const Problem& problem,
                                 const MeasureOptions& options,
                                 const Measurement& m,
                                 const MachinePeaks& peaks);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_MEASURE_H_
