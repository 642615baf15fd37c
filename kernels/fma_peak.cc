#include "kernels/fma_peak.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/fma_peak.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// 12 chains: at least pipes x latency (2 x 4 on current x86 cores, 3 x 4
// with room), while chains plus two constants fit the 16 registers of AVX2.
constexpr size_t kChains = 12;

// a_c = a_c * 0.999999 + 1e-6 per step: stays near 1, never denormal.
float FmaChains(int64_t iterations) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const V mul = hn::Set(d, 0.999999f);
  const V add = hn::Set(d, 1e-6f);
  V a[kChains];
  for (size_t c = 0; c < kChains; ++c) {
    a[c] = hn::Set(d, 1.0f + static_cast<float>(c) * 1e-3f);
  }
  for (int64_t i = 0; i < iterations; ++i) {
    for (size_t c = 0; c < kChains; ++c) a[c] = hn::MulAdd(a[c], mul, add);
  }
  V sum = a[0];
  for (size_t c = 1; c < kChains; ++c) sum = hn::Add(sum, a[c]);
  return hn::GetLane(hn::SumOfLanes(d, sum));
}

double FmaFlopsPerIteration() {
  const hn::ScalableTag<float> d;
  return 2.0 * static_cast<double>(kChains * hn::Lanes(d));
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(FmaChains);
HWY_EXPORT(FmaFlopsPerIteration);

float RunFmaChains(int64_t iterations) {
  return HWY_DYNAMIC_DISPATCH(FmaChains)(iterations);
}

double FmaChainFlops(int64_t iterations) {
  return HWY_DYNAMIC_DISPATCH(FmaFlopsPerIteration)() *
         static_cast<double>(iterations);
}

}  // namespace attnbench
#endif  // HWY_ONCE
