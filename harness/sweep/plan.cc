#include "harness/sweep/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "harness/contract/mask_rule.h"
#include "harness/io/inputs.h"

namespace attnbench::sweep {

std::vector<std::string> DefaultSweepMasks() {
  std::vector<std::string> masks;
  for (const MaskKindInfo* kind : MaskKinds()) {
    if (!kind->sweep_example.empty()) masks.push_back(kind->sweep_example);
  }
  return masks;
}

nlohmann::ordered_json SweepSpec::ToJson() const {
  nlohmann::ordered_json j;
  j["variants"] = variants;
  j["masks"] = masks;
  j["head_dims"] = head_dims;
  j["heads"] = heads;
  j["kv_heads"] = kv_heads;
  j["batch"] = batch;
  j["n_min"] = n_min;
  j["n_max"] = n_max;
  j["threads"] = threads;
  j["seed"] = seed;
  j["dist"] = dist;
  j["target"] = target;
  j["warmup"] = timing.warmup;
  j["min_reps"] = timing.min_reps;
  j["min_seconds"] = timing.min_seconds;
  j["max_reps"] = timing.max_reps;
  j["oracle_budget"] = oracle_budget;
  j["max_seconds_per_run"] = max_seconds_per_run;
  j["baseline"] = baseline;
  return j;
}

SweepSpec SweepSpec::FromJson(const nlohmann::json& j) {
  SweepSpec s;
  j.at("variants").get_to(s.variants);
  j.at("masks").get_to(s.masks);
  j.at("head_dims").get_to(s.head_dims);
  j.at("heads").get_to(s.heads);
  j.at("kv_heads").get_to(s.kv_heads);
  j.at("batch").get_to(s.batch);
  j.at("n_min").get_to(s.n_min);
  j.at("n_max").get_to(s.n_max);
  j.at("threads").get_to(s.threads);
  j.at("seed").get_to(s.seed);
  s.dist = j.value("dist", std::string("uniform"));
  j.at("target").get_to(s.target);
  j.at("warmup").get_to(s.timing.warmup);
  j.at("min_reps").get_to(s.timing.min_reps);
  j.at("min_seconds").get_to(s.timing.min_seconds);
  j.at("max_reps").get_to(s.timing.max_reps);
  j.at("oracle_budget").get_to(s.oracle_budget);
  j.at("max_seconds_per_run").get_to(s.max_seconds_per_run);
  s.baseline = j.value("baseline", std::string("naive"));
  return s;
}

SweepPlan MakePlan(const SweepSpec& spec) {
  if (spec.n_min < 1 || spec.n_max < spec.n_min) {
    throw InvalidArgument(
        fmt::format("N range {}..{} is empty; allowed: 1 <= N-min <= N-max",
                    spec.n_min, spec.n_max));
  }
  ParseDistribution(spec.dist);  // InvalidArgument naming the values
  if (spec.threads.empty() || spec.head_dims.empty() || spec.masks.empty()) {
    throw InvalidArgument("threads, D and masks each need at least one value");
  }
  const std::vector<const Variant*> variants =
      Registry::Get().Resolve(spec.variants);

  SweepPlan plan;
  for (const std::string& mask_text : spec.masks) {
    const Mask mask = ParseMask(mask_text);
    for (const Variant* v : variants) {
      bool family_skipped = false;
      for (int threads : spec.threads) {
        for (int64_t dim : spec.head_dims) {
          for (int64_t n = spec.n_min; n <= spec.n_max; n *= 2) {
            Problem p{{spec.batch, spec.heads,
                       spec.kv_heads ? spec.kv_heads : spec.heads, n, n, dim},
                      mask,
                      std::nullopt,
                      threads};
            Validate(p);
            const std::string why = v->WhyUnsupported(p);
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
