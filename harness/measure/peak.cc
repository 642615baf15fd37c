#include "harness/measure/peak.h"

#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "harness/measure/execute.h"
#include "kernels/fma_peak.h"
#include "kernels/target.h"

namespace attnbench {
namespace {

double Seconds(const std::function<void()>& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

PeakResult MeasureFmaPeak(int threads, int reps, double seconds_per_rep) {
  // Size one task at about 1 ms on one thread.
  int64_t iterations = 1 << 12;
  while (Seconds([&] { RunFmaChains(iterations); }) < 1e-3 &&
         iterations < (int64_t{1} << 40)) {
    iterations *= 2;
  }
  const int64_t tasks = std::max<int64_t>(
      static_cast<int64_t>(seconds_per_rep / 1e-3) * threads, 8 * threads);

  ThreadArena arena(threads);
  std::atomic<float> sink{0.0f};
  std::vector<double> gflops;
  for (int rep = 0; rep < std::max(1, reps); ++rep) {
    const double s = Seconds([&] {
      arena.Execute([&] {
        tbb::parallel_for(
            tbb::blocked_range<int64_t>(0, tasks, 1),
            [&](const tbb::blocked_range<int64_t>& r) {
              for (int64_t t = r.begin(); t != r.end(); ++t) {
                sink.store(RunFmaChains(iterations), std::memory_order_relaxed);
              }
            },
            tbb::simple_partitioner());
      });
    });
    gflops.push_back(FmaChainFlops(iterations) * tasks / s * 1e-9);
  }
  std::sort(gflops.begin(), gflops.end());
  PeakResult result;
  result.gflops = gflops.back();
  result.median_gflops = gflops[gflops.size() / 2];
  result.threads = threads;
  result.reps = static_cast<int>(gflops.size());
  result.target = DispatchedTargetName();
  return result;
}

}  // namespace attnbench
