#include "harness/measure/span_read.h"

#include <atomic>
#include <cstdint>

#include "harness/measure/piece_fetcher.h"
#include "kernels/prefetch_hint.h"
#include "kernels/read_sum.h"

namespace attnbench {
namespace {

// Into the outer caches: the hint T1.
struct PrefetchToOuterCaches {
  static void Line(const void* p) { __builtin_prefetch(p, 0, 2); }
};

}  // namespace

float ReadSpansOnThreads(const SpanTasks& tasks) {
  // The pieces ahead are fetched where decode fetches with T1
  // (span_read.h says why not with T0).
  const bool fetch = CurrentPrefetchHint() == PrefetchHint::kT1;
  std::atomic<float> total{0.0f};
  RunTasksOnThreads(tasks, [&](size_t t) {
    float sum = 0.0f;
    PieceFetcher<PrefetchToOuterCaches> fetcher(tasks, tasks.begin[t],
                                                tasks.begin[t + 1]);
    for (size_t i = tasks.begin[t]; i < tasks.begin[t + 1]; ++i) {
      if (fetch) fetcher.FetchAheadOf(i);
      // The whole 4-byte words of the piece (a half-precision row of odd
      // D may start between two).
      const auto begin = reinterpret_cast<uintptr_t>(tasks.pieces[i].p);
      const uintptr_t first = (begin + 3) & ~uintptr_t{3};
      const uintptr_t end = (begin + tasks.pieces[i].bytes) & ~uintptr_t{3};
      if (end <= first) continue;
      sum += ReadSum(reinterpret_cast<const float*>(first),
                     (end - first) / sizeof(float));
    }
    total.fetch_add(sum, std::memory_order_relaxed);
  });
  return total.load();
}

}  // namespace attnbench
