// The benchmark body of a backward pass (`attnbench_bench --pass backward |
// both`): dO from the seed's own stream, the forward that the backward
// follows (untimed for backward, timed with it for both), and the
// gradients checked against the oracle within its budget before a rate is
// reported.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>

#include "harness/bench/family_runner.h"
#include "harness/check/agreement.h"
#include "harness/contract/mask.h"
#include "harness/contract/workspace.h"
#include "harness/measure/execute.h"
#include "harness/measure/measure_backward.h"

namespace attnbench::bench {

void RunTrainingBenchmark(benchmark::State& state, Problem problem,
                          const Variant& variant, double peak_gflops,
                          const InputSpec& inputs, Pass pass) {
  problem.shape.Nq = problem.shape.Nk = state.range(0);
  const Shape& s = problem.shape;
  AttentionData data = MakeInputs(s, 1, inputs.dist);
  TrainingData training(s, WantsSpanGradient(variant, problem));
  FillGradOutput(training, s, 1, inputs.dist);
  const Tensors view = data.View();
  const Gradients grads = training.View();
  const bool both = pass == Pass::kBoth;
  ThreadArena arena(problem.threads);
  const auto run = [&] {
    arena.Execute([&] {
      if (both) variant.RunForwardForBackward(problem, view, grads);
      variant.RunBackward(problem, view, grads);
    });
  };
  arena.Execute([&] { variant.RunForwardForBackward(problem, view, grads); });
  const size_t workspace = TimeIterations(state, run);
  const std::optional<Agreement> a = CheckGradients(
      variant, problem, view, training, both, kDefaultOracleBudget);
  if (a && !a->pass) {
    state.SkipWithError(fmt::format("gradients disagree with the oracle: max "
                                    "abs err {:.3e} > {:.1e}",
                                    a->max_abs_err, a->bound)
                            .c_str());
    return;
  }
  SetRateCounters(state, EffectiveFlops(problem) * PassWorkFactor(pass),
                  peak_gflops);
  // 0: the gradients' oracle was beyond its budget at this N (the smaller
  // N of the family were checked).
  state.counters["checked"] = a ? 1 : 0;
  state.counters["max_abs_err"] = a ? a->max_abs_err : 0.0;
  state.counters["workspace_bytes"] = static_cast<double>(workspace);
}

}  // namespace attnbench::bench
