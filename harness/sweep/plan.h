// What a sweep measures: every selected variant x mask x head dimension x
// thread count x N (powers of two). Families a variant does not support are
// left out with the reason.
#ifndef ATTNBENCH_HARNESS_SWEEP_PLAN_H_
#define ATTNBENCH_HARNESS_SWEEP_PLAN_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/check/agreement.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "harness/measure/timing.h"

namespace attnbench::sweep {

// Each registered mask kind's sweep example, the built-in ones first
// (causal, window:256, span:256), so that a new variant's mask is swept
// with no other file naming it.
std::vector<std::string> DefaultSweepMasks();

// A model's attention shape, for decode sweeps (`sweep --model NAME`).
struct ModelShape {
  std::string name;
  int64_t heads, kv_heads, dim;
  std::string about;
};

// The presets: llama3-8b (H=32, Hkv=8, D=128), mha32-d128 (H=Hkv=32,
// D=128), mqa8-d64 (H=8, Hkv=1, D=64).
const std::vector<ModelShape>& ModelShapes();

// The preset named; InvalidArgument listing the allowed names otherwise.
const ModelShape& FindModelShape(const std::string& name);

struct SweepSpec {
  std::vector<std::string> variants;  // empty: every registered variant
  std::vector<std::string> masks = DefaultSweepMasks();
  std::vector<int64_t> head_dims = {64};
  int64_t heads = 8;
  int64_t kv_heads = 0;  // 0: the same as heads
  int64_t batch = 1;
  int64_t n_min = 256;  // N = Nk, powers of two from n_min to n_max
  int64_t n_max = 16384;
  // New tokens per step: Nq; 0 for Nq = N (prefill). A decode sweep keeps
  // Nq fixed and sweeps Nk.
  int64_t new_tokens = 0;
  std::string model;          // the preset that set H, Hkv and D, if any
  std::string dtype = "f32";  // input precision (harness/io/dtype.h)
  // forward | backward | both (harness/measure/pass.h): one pass per sweep;
  // variants without a backward for a configuration skip its family.
  std::string pass = "forward";
  std::vector<int> threads = {2};
  uint64_t seed = 1;
  std::string dist = "uniform";
  std::string target = "best";
  // --shard I/N: this run holds shard I of N of the plan
  // (harness/sweep/shard.h); 0 of 1 is the whole plan.
  int shard_index = 0;
  int shard_count = 1;
  // bf16 inputs on AVX-512 BF16: Q K^T through vdpbf16ps (kernels/
  // bf16_scores.h); false widens Q and K to fp32 as on other CPUs.
  bool bf16_dot = true;
  // Decode's prefetch hint: auto | t0 | t1 (kernels/prefetch_hint.h).
  std::string prefetch_hint = "auto";
  // K and V before each timed run: auto | cold | warm
  // (harness/measure/kv_cache.h).
  std::string kv_cache = "auto";
  // 6 runs at least: a 95% interval of the median for every row
  // (docs/semantics.md "Noise"), 2 in each of the default 3 rounds.
  TimingPolicy timing{1, 6, 0.2, 50};
  // Rounds: the plan is walked this many times, each configuration timed
  // for its share of the runs and seconds in each (and warmed up in each,
  // but for runs over 0.25 s after the first round),
  // so that its runs are spread over the whole sweep instead of back to
  // back; its row pools them (docs/semantics.md "Noise"). 1 in runs stored
  // before rounds existed.
  int rounds = 3;
  // Oracle work per configuration (double multiply-adds): every row below
  // it, evenly spaced rows of every head above it.
  double oracle_budget = kDefaultOracleBudget;
  // A configuration predicted (from its family's smaller N) to take longer
  // than this per run is skipped, with the prediction as the reason.
  double max_seconds_per_run = 30.0;
  // The variant every other one's speed-up is quoted against (summary).
  std::string baseline = "naive";
  // The baseline runs only up to this N (0: to n_max): its dense N^2 rows
  // at N = 16384 took two thirds of the default sweep (docs/semantics.md
  // "Noise"); the summary quotes speed-ups at the largest N both ran.
  int64_t baseline_n_max = 8192;

  nlohmann::ordered_json ToJson() const;
  static SweepSpec FromJson(const nlohmann::json& j);
};

struct SweepConfig {
  const Variant* variant = nullptr;
  Problem problem;
};

struct SkippedFamily {
  std::string variant;
  std::string mask;
  std::string reason;
};

// A variant and a mask of a kind it does not run (not planned at all).
struct PairNotRun {
  std::string variant, mask;
};

struct SweepPlan {
  std::vector<SweepConfig> configs;    // smaller N first, across families
                                       // (the shard's, with --shard)
  std::string plan_id;                 // the whole plan's (PlanId)
  size_t plan_configs = 0;             // configurations of the whole plan
  std::vector<SkippedFamily> skipped;  // supported kinds the shape rules out
  std::vector<PairNotRun> not_run;     // mask kinds the variant does not run
  size_t baseline_capped = 0;  // baseline configurations past baseline_n_max
};

// One line for the pairs not run ("" if none): how many, and an example.
std::string NotRunSummary(const std::vector<PairNotRun>& pairs);

// One line for the baseline's configurations past --baseline-N-max ("" if
// none).
std::string BaselineCapSummary(const SweepSpec& spec, size_t capped);

// Validates the spec (InvalidArgument naming the bad option) and lists the
// configurations.
SweepPlan MakePlan(const SweepSpec& spec);

// Identity of a configuration in the stored rows; equal for a config and
// the row it produced.
std::string ConfigKey(const SweepConfig& config);
std::string RowKey(const nlohmann::json& row);

// The family a configuration belongs to (everything but N).
std::string FamilyKey(const std::string& variant, const std::string& mask,
                      int64_t dim, int threads);

}  // namespace attnbench::sweep

#endif  // ATTNBENCH_HARNESS_SWEEP_PLAN_H_
