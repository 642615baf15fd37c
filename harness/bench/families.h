// Google Benchmark families registered from the variant registry: one family
// per (variant, D, mask, threads), N varied inside it, so that Complexity()
// fits each family on its own.
#ifndef ATTNBENCH_HARNESS_BENCH_FAMILIES_H_
#define ATTNBENCH_HARNESS_BENCH_FAMILIES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/contract/problem.h"
#include "harness/sweep/plan.h"

namespace attnbench::bench {

using sweep::SweepSpec;

// The benchmark's options: the sweep's own spec type (variants, masks, D,
// H, N range, threads, dist; harness/sweep/plan.h) and what only the
// benchmark has.
struct BenchOptions {
  sweep::SweepSpec spec;
  // Peak GFLOP/s per thread count, measured before registration.
  std::map<int, double> peak_gflops;
  // Also register the engine study: the blocked engine at each key block
  // size and each cap on a group's query rows (0: the default cap).
  bool engine_study = false;
  std::vector<size_t> study_key_blocks = {32, 64, 128, 256, 512, 1024};
  std::vector<size_t> study_group_rows = {0};
};

// Registers the families; returns how many. Throws InvalidArgument for a
// bad variant or mask.
int RegisterFamilies(const BenchOptions& options);

// The blocked engine at each key block size and group cap
// (harness/bench/engine_study.cc).
int RegisterEngineStudy(const BenchOptions& options);

}  // namespace attnbench::bench

#endif  // ATTNBENCH_HARNESS_BENCH_FAMILIES_H_
