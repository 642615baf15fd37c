#include "harness/measure/bandwidth.h"

#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "harness/measure/execute.h"
#include "hwy/aligned_allocator.h"
#include "kernels/read_sum.h"

namespace attnbench {
namespace {

// Floats per task: 1 MiB, many tasks per thread.
constexpr int64_t kTaskFloats = int64_t{1} << 18;

}  // namespace

int64_t BandwidthBufferBytes() {
  const long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  const int64_t eight = 8 * static_cast<int64_t>(std::max(llc, 0L));
  return std::clamp<int64_t>(eight, int64_t{256} << 20, int64_t{1} << 30);
}

BandwidthResult MeasureReadBandwidth(int threads, int reps, int passes) {
  const int64_t floats = BandwidthBufferBytes() / 4 / kTaskFloats * kTaskFloats;
  const int64_t tasks = floats / kTaskFloats;
  auto buffer = hwy::AllocateAligned<float>(static_cast<size_t>(floats));
  ThreadArena arena(threads);
  const auto each_task = [&](auto&& fn) {
    arena.Execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<int64_t>(0, tasks, 1),
          [&](const tbb::blocked_range<int64_t>& r) {
            for (int64_t t = r.begin(); t != r.end(); ++t) {
              fn(buffer.get() + t * kTaskFloats);
            }
          },
          tbb::simple_partitioner());
    });
  };
  each_task([](float* x) { std::fill(x, x + kTaskFloats, 1.0f); });
  std::atomic<float> sink{0.0f};
  std::vector<double> gbps;
  for (int rep = 0; rep < std::max(1, reps); ++rep) {
    const auto start = std::chrono::steady_clock::now();
    for (int pass = 0; pass < std::max(1, passes); ++pass) {
      each_task([&](const float* x) {
        sink.store(ReadSum(x, kTaskFloats), std::memory_order_relaxed);
      });
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    gbps.push_back(static_cast<double>(floats) * 4 * std::max(1, passes) / s *
                   1e-9);
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
