#include "harness/sweep/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "harness/contract/mask_rule.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/pass.h"
#include "harness/sweep/shard.h"

namespace attnbench::sweep {

std::vector<std::string> DefaultSweepMasks() {
  std::vector<std::string> masks;
  for (const MaskKindInfo* kind : MaskKinds()) {
    if (!kind->sweep_example.empty()) masks.push_back(kind->sweep_example);
  }
  return masks;
}

// Every stored field of a spec, by its meta.json key, for ToJson and
// FromJson alike (one list, so that the two cannot drift apart).
template <class Spec, class Visit>
void VisitFields(Spec& s, const Visit& visit) {
  visit("variants", s.variants);
  visit("masks", s.masks);
  visit("head_dims", s.head_dims);
  visit("heads", s.heads);
  visit("kv_heads", s.kv_heads);
  visit("batch", s.batch);
  visit("n_min", s.n_min);
  visit("n_max", s.n_max);
  visit("new_tokens", s.new_tokens);
  visit("model", s.model);
  visit("dtype", s.dtype);
  visit("pass", s.pass);
  visit("threads", s.threads);
  visit("seed", s.seed);
  visit("dist", s.dist);
  visit("target", s.target);
  visit("shard_index", s.shard_index);
  visit("shard_count", s.shard_count);
  visit("bf16_dot", s.bf16_dot);
  visit("prefetch_hint", s.prefetch_hint);
  visit("kv_cache", s.kv_cache);
  visit("warmup", s.timing.warmup);
  visit("min_reps", s.timing.min_reps);
  visit("min_seconds", s.timing.min_seconds);
  visit("max_reps", s.timing.max_reps);
  visit("rounds", s.rounds);
  visit("oracle_budget", s.oracle_budget);
  visit("max_seconds_per_run", s.max_seconds_per_run);
  visit("baseline", s.baseline);
  visit("baseline_n_max", s.baseline_n_max);
}

nlohmann::ordered_json SweepSpec::ToJson() const {
  nlohmann::ordered_json j;
  VisitFields(*this,
              [&j](const char* key, const auto& value) { j[key] = value; });
  return j;
}

// A run stored before dist, baseline, new_tokens, model, dtype, bf16_dot,
// prefetch_hint, kv_cache, pass or the shard existed keeps their defaults
// (rounds: 1, the baseline's cap: none); any other missing field is an error
// naming it.
SweepSpec SweepSpec::FromJson(const nlohmann::json& j) {
  SweepSpec s;
  s.rounds = 1;          // a run from before rounds existed
  s.baseline_n_max = 0;  // or before the baseline's cap
  VisitFields(s, [&j](const char* key, auto& value) {
    const std::string_view name(key);
    if (j.contains(key)) {
      j.at(key).get_to(value);
    } else if (name != "dist" && name != "baseline" && name != "new_tokens" &&
               name != "model" && name != "dtype" && name != "rounds" &&
               name != "bf16_dot" && name != "prefetch_hint" &&
               name != "kv_cache" && name != "pass" && name != "shard_index" &&
               name != "shard_count" && name != "baseline_n_max") {
      throw InvalidArgument(fmt::format(
          "the stored sweep settings lack '{}'; allowed: a meta.json written "
          "by attnbench sweep",
          key));
    }
  });
  return s;
}

const std::vector<ModelShape>& ModelShapes() {
  static const std::vector<ModelShape> shapes = {
      {"llama3-8b", 32, 8, 128, "Llama-3-8B: 32 query heads, 8 K/V heads"},
      {"mha32-d128", 32, 32, 128, "32 heads, no grouping (multi-head)"},
      {"mqa8-d64", 8, 1, 64, "8 query heads sharing one K/V head"},
  };
  return shapes;
}

const ModelShape& FindModelShape(const std::string& name) {
  std::string names;
  for (const ModelShape& m : ModelShapes()) {
    if (m.name == name) return m;
    names += (names.empty() ? "" : ", ") + m.name;
  }
  throw InvalidArgument(
      fmt::format("model '{}' is not a preset; allowed: {}", name, names));
}

std::string BaselineCapSummary(const SweepSpec& spec, size_t capped) {
  if (capped == 0) return "";
  return fmt::format(
      "left out {} configuration(s) of the baseline {} with N > {} "
      "(--baseline-N-max; 0 runs it to --N-max)",
      capped, spec.baseline, spec.baseline_n_max);
}

std::string NotRunSummary(const std::vector<PairNotRun>& pairs) {
  if (pairs.empty()) return "";
  return fmt::format(
      "left out {} variant x mask pair(s) whose variant does not run that "
      "mask kind (e.g. {} x {}; `attnbench list` shows each variant's "
      "masks)",
      pairs.size(), pairs.front().variant, pairs.front().mask);
}

SweepPlan MakePlan(const SweepSpec& spec) {
  if (spec.n_min < 1 || spec.n_max < spec.n_min) {
    throw InvalidArgument(
        fmt::format("N range {}..{} is empty; allowed: 1 <= N-min <= N-max",
                    spec.n_min, spec.n_max));
  }
  if (spec.new_tokens < 0 || spec.new_tokens > spec.n_min) {
    throw InvalidArgument(fmt::format(
        "Nq = {} new tokens; allowed: 0 (Nq = N) or 1 <= Nq <= N-min = {}",
        spec.new_tokens, spec.n_min));
  }
  ParseDistribution(spec.dist);  // InvalidArgument naming the values
  const DType dtype = ParseDType(spec.dtype);
  const Pass pass = ParsePass(spec.pass);
  // The ranges the command line enforces, again: a resumed sweep's
  // settings come from a meta.json that may have been edited.
  const auto require = [](const char* name, double value, double lo,
                          double hi) {
    if (!(value >= lo && value <= hi)) {
      throw InvalidArgument(fmt::format(
          "{} = {} is out of range; allowed: {}..{}", name, value, lo, hi));
    }
  };
  require("warmup", spec.timing.warmup, 0, 1000);
  require("reps", spec.timing.min_reps, 1, 100000);
  require("max_reps", spec.timing.max_reps, 1, 100000);
  require("min-time", spec.timing.min_seconds, 0, 3600);
  require("rounds", spec.rounds, 1, 100);
  require("oracle-budget", spec.oracle_budget, 0, 1e13);
  require("max-seconds", spec.max_seconds_per_run, 0, 1e6);
  require("Nq", static_cast<double>(spec.new_tokens), 0, 1 << 30);
  require("shard count", spec.shard_count, 1, 1 << 20);
  require("shard index", spec.shard_index, 0, spec.shard_count - 1);
  require("baseline-N-max", static_cast<double>(spec.baseline_n_max), 0,
          1 << 30);
  if (spec.threads.empty() || spec.head_dims.empty() || spec.masks.empty()) {
    throw InvalidArgument(
        "the sweep has no thread count, head dimension or mask; allowed: at "
        "least one of each");
  }
  if (spec.threads.empty() || spec.head_dims.empty() || spec.masks.empty()) {
    throw InvalidArgument("threads, D and masks each need at least one value");
  }
  const std::vector<const Variant*> variants =
      Registry::Get().Resolve(spec.variants);

  SweepPlan plan;
  for (const std::string& mask_text : spec.masks) {
    const Mask mask = ParseMask(mask_text);
    for (const Variant* v : variants) {
      if (!v->RunsMaskKind(mask.kind)) {  // not planned: said in one line
        plan.not_run.push_back({std::string(v->Name()), mask.ToString()});
        continue;
      }
      bool family_skipped = false;
      for (int threads : spec.threads) {
        for (int64_t dim : spec.head_dims) {
          for (int64_t n = spec.n_min; n <= spec.n_max; n *= 2) {
            const int64_t nq = spec.new_tokens ? spec.new_tokens : n;
            Problem p{{spec.batch, spec.heads,
                       spec.kv_heads ? spec.kv_heads : spec.heads, nq, n, dim},
                      mask,
                      std::nullopt,
                      threads};
            Validate(p);
            if (v->Name() == spec.baseline && spec.baseline_n_max > 0 &&
                n > spec.baseline_n_max) {
              ++plan.baseline_capped;
              continue;
            }
            std::string why = v->WhyUnsupported(p);
            if (why.empty() && pass != Pass::kForward) {
              why = v->WhyNoBackward(StoredProblem(*v, p, dtype));
            }
            if (!why.empty()) {
              if (!family_skipped) {
                plan.skipped.push_back(
                    {std::string(v->Name()), mask.ToString(), why});
              }
              family_skipped = true;
              continue;
            }
            plan.configs.push_back({v, p});
          }
        }
      }
    }
  }
  // Smaller N first across all families, so an interrupted sweep has the
  // whole picture at small sizes; stable, so families keep their order.
  std::stable_sort(plan.configs.begin(), plan.configs.end(),
                   [](const SweepConfig& a, const SweepConfig& b) {
                     return std::tie(a.problem.threads, a.problem.shape.D,
                                     a.problem.shape.Nk) <
                            std::tie(b.problem.threads, b.problem.shape.D,
                                     b.problem.shape.Nk);
                   });
  plan.plan_id = PlanId(plan.configs);
  plan.plan_configs = plan.configs.size();
  if (spec.shard_count > 1) {  // keep this shard's, in plan order
    const std::vector<int> shard = AssignShards(plan.configs, spec.shard_count);
    std::vector<SweepConfig> mine;
    for (size_t i = 0; i < plan.configs.size(); ++i) {
      if (shard[i] == spec.shard_index) mine.push_back(plan.configs[i]);
    }
    plan.configs = std::move(mine);
  }
  return plan;
}

std::string FamilyKey(const std::string& variant, const std::string& mask,
                      int64_t dim, int threads) {
  return fmt::format("{} {} D={} threads={}", variant, mask, dim, threads);
}

std::string ConfigKey(const SweepConfig& c) {
  const Shape& s = c.problem.shape;
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", c.variant->Name(),
                     c.problem.mask.ToString(), s.B, s.H, s.Hkv, s.Nq, s.Nk,
                     s.D, c.problem.threads);
}

std::string RowKey(const nlohmann::json& r) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}",
                     r.at("variant").get<std::string>(),
                     r.at("mask").get<std::string>(), r.at("B").get<int64_t>(),
                     r.at("H").get<int64_t>(), r.at("Hkv").get<int64_t>(),
                     r.at("Nq").get<int64_t>(), r.at("Nk").get<int64_t>(),
                     r.at("D").get<int64_t>(), r.at("threads").get<int>());
}

}  // namespace attnbench::sweep
