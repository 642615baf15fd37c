#include "harness/bench/families.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <memory>

#include "harness/bench/family_runner.h"
#include "harness/check/agreement.h"
#include "harness/contract/mask.h"
#include "harness/contract/variant.h"
#include "harness/contract/workspace.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"

namespace attnbench::bench {

void RunBenchmark(benchmark::State& state, Problem problem,
                  const Tolerance& tolerance, double peak_gflops,
                  const InputSpec& inputs, const Body& body) {
  problem.shape.Nq = problem.shape.Nk = state.range(0);
  AttentionData data = MakeInputs(problem.shape, 1, inputs.dist);
  RoundInputs(data, inputs.dtype);
  StoreHalf(data, problem.storage);  // the family's problem says how
  const Tensors view = data.ViewAs(problem.storage);
  ThreadArena arena(problem.threads);
  const auto run = [&] { arena.Execute([&] { body(problem, view); }); };
  const size_t workspace = TimeIterations(state, run);
  const Agreement a =
      CompareWithOracle(problem, data.View(), tolerance,
                        RowsToCheck(problem, kDefaultOracleBudget));
  if (!a.pass) {
    state.SkipWithError(
        fmt::format("disagrees with the oracle: max abs err {:.3e} > {:.1e}",
                    a.max_abs_err, a.bound)
            .c_str());
    return;
  }
  SetRateCounters(state, EffectiveFlops(problem), peak_gflops);
  state.counters["max_abs_err"] = a.max_abs_err;
  state.counters["workspace_bytes"] = static_cast<double>(workspace);
}

size_t TimeIterations(benchmark::State& state,
                      const std::function<void()>& run) {
  run();  // warm-up
  WorkspaceMeter::ResetPeak();
  const size_t live = WorkspaceMeter::Live();
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  return WorkspaceMeter::Peak() - live;
}

void SetRateCounters(benchmark::State& state, double flops,
                     double peak_gflops) {
  using benchmark::Counter;
  state.SetComplexityN(state.range(0));
  state.counters["GFLOPs"] =
      Counter(flops * 1e-9, Counter::kIsIterationInvariantRate);
  state.counters["pct_peak"] =
      Counter(flops * 1e-9 / peak_gflops, Counter::kIsIterationInvariantRate);
}

benchmark::internal::Benchmark* Family(
    const std::string& name, const SweepSpec& spec,
    std::function<void(benchmark::State&)> fn) {
  return benchmark::RegisterBenchmark(name.c_str(), std::move(fn))
      ->RangeMultiplier(2)
      ->Range(spec.n_min, spec.n_max)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond)
      ->Complexity();
}

Problem FamilyProblem(const SweepSpec& spec, const Mask& mask, int64_t dim,
                      int threads) {
  Problem problem{{1, spec.heads, spec.heads, spec.n_max, spec.n_max, dim},
                  mask,
                  std::nullopt,
                  threads};
  Validate(problem);
  return problem;
}

int RegisterFamilies(const BenchOptions& options) {
  const SweepSpec& spec = options.spec;
  const std::vector<const Variant*> variants =
      Registry::Get().Resolve(spec.variants);
  const InputSpec inputs = InputSpec::FromSweep(spec);
  const Pass pass = ParsePass(spec.pass);

  int families = 0;
  for (const Variant* v : variants) {
    for (const std::string& mask_text : spec.masks) {
      const Mask mask = ParseMask(mask_text);
      for (int64_t dim : spec.head_dims) {
        for (int threads : spec.threads) {
          const Problem problem = StoredProblem(
              *v, FamilyProblem(spec, mask, dim, threads), inputs.dtype);
          if (!v->WhyUnsupported(problem).empty()) continue;
          const double peak = options.peak_gflops.at(threads);
          if (pass != Pass::kForward) {
            if (!v->WhyNoBackward(problem).empty()) continue;
            Family(fmt::format("{}/{}/{}/D:{}/threads:{}", v->Name(),
                               PassName(pass), mask.ToString(), dim, threads),
                   spec, [=](benchmark::State& state) {
                     RunTrainingBenchmark(state, problem, *v, peak, inputs,
                                          pass);
                   });
            ++families;
            continue;
          }
          Family(fmt::format("{}/{}/D:{}/threads:{}", v->Name(),
                             mask.ToString(), dim, threads),
                 spec, [=](benchmark::State& state) {
                   RunBenchmark(state, problem, v->GetTolerance(), peak, inputs,
                                [v](const Problem& p, const Tensors& t) {
                                  v->Run(p, t);
                                });
                 });
          ++families;
        }
      }
    }
  }

  if (options.engine_study) families += RegisterEngineStudy(options);
  return families;
}

}  // namespace attnbench::bench
