#include "harness/measure/bandwidth.h"

#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "harness/io/huge_pages.h"
#include "harness/measure/execute.h"
#include "harness/measure/quick_probes.h"
#include "kernels/read_sum.h"

namespace attnbench {
namespace {

// Floats per task: 1 MiB, many tasks per thread.
constexpr int64_t kTaskFloats = int64_t{1} << 18;

}  // namespace

int64_t BandwidthBufferBytes() {
  if (QuickProbes()) return int64_t{8} << 20;
  const long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  const int64_t eight = 8 * static_cast<int64_t>(std::max(llc, 0L));
  return std::clamp<int64_t>(eight, int64_t{256} << 20, int64_t{1} << 30);
}

BandwidthResult MeasureReadBandwidth(int threads, int reps, int passes,
                                     ReadPattern pattern) {
  if (QuickProbes()) reps = passes = 1;
  const int64_t floats = BandwidthBufferBytes() / 4 / kTaskFloats * kTaskFloats;
  const int64_t tasks = floats / kTaskFloats;
  // Per task (its floats [t0, t0 + kTaskFloats)): the runs that start in
  // it, each read whole; all of it without a pattern.
  const int64_t period = pattern.period_bytes / 4, run = pattern.run_bytes / 4;
  int64_t read_floats = floats;
  if (period > 0) {
    read_floats = 0;
    for (int64_t at = 0; at < floats; at += period) {
      read_floats += std::min(run, floats - at);
    }
    passes = std::max(1, passes) *
             static_cast<int>(std::min<int64_t>(16, floats / read_floats));
  }
  const auto read_task = [&](const float* buffer_start, int64_t t) {
    const int64_t t0 = t * kTaskFloats;
    if (period == 0) return ReadSum(buffer_start + t0, kTaskFloats);
    float sum = 0.0f;
    for (int64_t at = (t0 + period - 1) / period * period;
         at < t0 + kTaskFloats && at < floats; at += period) {
      sum += ReadSum(buffer_start + at,
                     static_cast<size_t>(std::min(run, floats - at)));
    }
    return sum;
  };
  auto buffer = AllocateOnHugePages<float>(static_cast<size_t>(floats));
  ThreadArena arena(threads);
  const auto each_task = [&](auto&& fn) {
    arena.Execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<int64_t>(0, tasks, 1),
          [&](const tbb::blocked_range<int64_t>& r) {
            for (int64_t t = r.begin(); t != r.end(); ++t) fn(t);
          },
          tbb::simple_partitioner());
    });
  };
  each_task([&](int64_t t) {
    float* x = buffer.get() + t * kTaskFloats;
    std::fill(x, x + kTaskFloats, 1.0f);
  });
  std::atomic<float> sink{0.0f};
  std::vector<double> gbps;
  for (int rep = 0; rep < std::max(1, reps); ++rep) {
    const auto start = std::chrono::steady_clock::now();
    for (int pass = 0; pass < std::max(1, passes); ++pass) {
      each_task([&](int64_t t) {
        sink.store(read_task(buffer.get(), t), std::memory_order_relaxed);
      });
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    gbps.push_back(static_cast<double>(read_floats) * 4 * std::max(1, passes) /
                   s * 1e-9);
  }
  std::sort(gbps.begin(), gbps.end());
  BandwidthResult result;
  result.gbps = gbps.back();
  result.median_gbps = gbps[gbps.size() / 2];
  result.buffer_bytes = floats * 4;
  result.threads = threads;
  result.reps = static_cast<int>(gbps.size());
  return result;
}

}  // namespace attnbench
