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

namespace attnbench::bench {

struct SweepSpec {
  std::vector<std::string> variants;  // empty: every registered variant
  std::vector<std::string> masks = {"causal"};
  std::vector<int64_t> head_dims = {64};
  int64_t heads = 8;
  int64_t n_min = 256;
  int64_t n_max = 4096;
  std::vector<int> threads = {1};
  // Peak GFLOP/s per thread count, measured before registration.
  std::map<int, double> peak_gflops;
  // Also register the key-block study of the blocked engine.
  bool key_block_study = false;
  // Distribution of the generated inputs (harness/inputs.h).
  std::string dist = "uniform";
};

// Registers the families; returns how many. Throws InvalidArgument for a
// bad variant or mask.
int RegisterFamilies(const SweepSpec& spec);

// The blocked engine at each key block size (harness/bench/key_block_study.cc).
int RegisterKeyBlockStudy(const SweepSpec& spec);

}  // namespace attnbench::bench

#endif  // ATTNBENCH_HARNESS_BENCH_FAMILIES_H_
