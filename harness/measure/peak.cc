#include "harness/measure/peak.h"

#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "harness/measure/execute.h"
#include "harness/measure/quick_probes.h"
#include "kernels/bf16_dot_peak.h"
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

// The best and median GFLOP/s of `reps` repetitions of chain tasks of
// about 1 ms each, every thread kept busy.
PeakResult MeasureChains(int threads, int reps, double seconds_per_rep,
                         float (*run)(int64_t), double (*flops)(int64_t)) {
  int64_t iterations = 1 << 12;
  while (Seconds([&] { run(iterations); }) < 1e-3 &&
         iterations < (int64_t{1} << 40)) {
    iterations *= 2;
  }
  // About seconds_per_rep a repetition whatever the thread count: tasks
  // for the threads that can run at once, at least one per thread (more
  // threads than hardware threads only share the cores).
  const int64_t running = std::min<int64_t>(
      threads, std::max(1u, std::thread::hardware_concurrency()));
  const int64_t tasks = std::max<int64_t>(
      static_cast<int64_t>(seconds_per_rep / 1e-3) * running, 8 * running);
  const int64_t all_tasks = std::max<int64_t>(tasks, threads);

  ThreadArena arena(threads);
  std::atomic<float> sink{0.0f};
  std::vector<double> gflops;
  for (int rep = 0; rep < std::max(1, reps); ++rep) {
    const double s = Seconds([&] {
      arena.Execute([&] {
        tbb::parallel_for(
            tbb::blocked_range<int64_t>(0, all_tasks, 1),
            [&](const tbb::blocked_range<int64_t>& r) {
              for (int64_t t = r.begin(); t != r.end(); ++t) {
                sink.store(run(iterations), std::memory_order_relaxed);
              }
            },
            tbb::simple_partitioner());
      });
    });
    gflops.push_back(flops(iterations) * static_cast<double>(tasks) / s * 1e-9);
  }
  std::sort(gflops.begin(), gflops.end());
  PeakResult result;
  result.gflops = gflops.back();
  result.median_gflops = gflops[gflops.size() / 2];
  result.threads = threads;
  result.reps = static_cast<int>(gflops.size());
  return result;
}

}  // namespace

PeakResult MeasureFmaPeak(int threads, int reps, double seconds_per_rep) {
  if (QuickProbes()) {
    reps = 1;
    seconds_per_rep = std::min(seconds_per_rep, 0.005);
  }
  PeakResult result = MeasureChains(threads, reps, seconds_per_rep,
                                    RunFmaChains, FmaChainFlops);
  result.target = DispatchedTargetName();
  return result;
}

std::optional<PeakResult> MeasureBf16DotPeak(int threads, int reps,
                                             double seconds_per_rep) {
  if (!HasBf16Dot()) return std::nullopt;
  PeakResult result = MeasureChains(threads, reps, seconds_per_rep,
                                    RunBf16DotChains, Bf16DotChainFlops);
  result.target = "AVX512_BF16";
  return result;
}

}  // namespace attnbench
