// What every benchmark family shares: the problem of a family, its
// registration with Google Benchmark, and the timed body that checks its
// answer against the oracle before it reports a rate.
#ifndef ATTNBENCH_HARNESS_BENCH_FAMILY_RUNNER_H_
#define ATTNBENCH_HARNESS_BENCH_FAMILY_RUNNER_H_

#include <benchmark/benchmark.h>

#include <functional>
#include <string>

#include "harness/bench/families.h"
#include "harness/contract/variant.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/pass.h"

namespace attnbench::bench {

using Body = std::function<void(const Problem&, const Tensors&)>;

// How a family's inputs are made: the distribution, and the precision Q, K
// and V are rounded to (harness/io/dtype.h).
struct InputSpec {
  Distribution dist = Distribution::kUniform;
  DType dtype = DType::kF32;
  static InputSpec FromSweep(const SweepSpec& spec) {
    return {ParseDistribution(spec.dist), ParseDType(spec.dtype)};
  }
};

// The family's problem at its largest N (RunBenchmark sets each N).
Problem FamilyProblem(const SweepSpec& spec, const Mask& mask, int64_t dim,
                      int threads);

// Times `body` on the problem of this N, then checks the output against the
// oracle: a rate is only reported for a right answer.
void RunBenchmark(benchmark::State& state, Problem problem,
                  const Tolerance& tolerance, double peak_gflops,
                  const InputSpec& inputs, const Body& body);

// The same for a backward pass (harness/bench/training_runner.cc): the
// variant's backward (after an untimed forward) or both passes timed, the
// gradients checked where the oracle's budget allows.
void RunTrainingBenchmark(benchmark::State& state, Problem problem,
                          const Variant& variant, double peak_gflops,
                          const InputSpec& inputs, Pass pass);

// One warm-up run, then the timed iterations of `run`; returns the scratch
// bytes the timed runs took at most.
size_t TimeIterations(benchmark::State& state,
                      const std::function<void()>& run);

// The rate counters every family reports for `flops` effective FLOPs per
// iteration: GFLOPs and pct_peak (of peak_gflops), with N for the fit.
void SetRateCounters(benchmark::State& state, double flops, double peak_gflops);

// Registers a family over N = spec.n_min ... spec.n_max (powers of two).
benchmark::internal::Benchmark* Family(
    const std::string& name, const SweepSpec& spec,
    std::function<void(benchmark::State&)> fn);

}  // namespace attnbench::bench

#endif  // ATTNBENCH_HARNESS_BENCH_FAMILY_RUNNER_H_
