#include "kernels/read_sum.h"

#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/read_sum.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target helpers.
#include "kernels/half-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

float ReadSumImpl(const float* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  // Four accumulators: two loads a cycle against the adds' latency.
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  // One line of each 4 KiB page 64 KiB ahead, into the outer caches: the
  // hardware prefetcher stops at page boundaries and starts each page
  // anew; with the page fetched early the loop reads more (docs/semantics.md
  // "Work accounting").
  constexpr size_t kPage = 4096 / sizeof(float);
  const auto ahead = reinterpret_cast<uintptr_t>(x) + 16 * 4096;
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    if (i % kPage == 0) {
      PrefetchPages(reinterpret_cast<const void*>(ahead + i * sizeof(float)),
                    1);
    }
    a0 = hn::Add(a0, hn::LoadU(d, x + i));
    a1 = hn::Add(a1, hn::LoadU(d, x + i + N));
    a2 = hn::Add(a2, hn::LoadU(d, x + i + 2 * N));
    a3 = hn::Add(a3, hn::LoadU(d, x + i + 3 * N));
  }
  float rest = 0.0f;
  for (; i < n; ++i) rest += x[i];
  const auto sum = hn::Add(hn::Add(a0, a1), hn::Add(a2, a3));
  return hn::GetLane(hn::SumOfLanes(d, sum)) + rest;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(ReadSumImpl);

float ReadSum(const float* x, size_t n) {
  return HWY_DYNAMIC_DISPATCH(ReadSumImpl)(x, n);
}

}  // namespace attnbench
#endif  // HWY_ONCE
