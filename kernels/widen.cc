#include "kernels/widen.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/widen.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target kernels.
#include "kernels/half-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

void WidenBf16Impl(const uint16_t* src, size_t n, float* dst) {
  WidenRow(reinterpret_cast<const Bf16*>(src), n, dst);
}

void WidenF16Impl(const uint16_t* src, size_t n, float* dst) {
  WidenRow(reinterpret_cast<const F16*>(src), n, dst);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(WidenBf16Impl);
HWY_EXPORT(WidenF16Impl);

void WidenBf16(const uint16_t* src, size_t n, float* dst) {
  HWY_DYNAMIC_DISPATCH(WidenBf16Impl)(src, n, dst);
}

void WidenF16(const uint16_t* src, size_t n, float* dst) {
  HWY_DYNAMIC_DISPATCH(WidenF16Impl)(src, n, dst);
}

}  // namespace attnbench
#endif  // HWY_ONCE
