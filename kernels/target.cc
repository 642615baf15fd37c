#include "kernels/target.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/target.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

int64_t CompiledTarget() { return HWY_TARGET; }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "hwy/targets.h"

namespace attnbench {

HWY_EXPORT(CompiledTarget);

int64_t DispatchedTarget() { return HWY_DYNAMIC_DISPATCH(CompiledTarget)(); }

std::string DispatchedTargetName() {
  return hwy::TargetName(DispatchedTarget());
}

std::vector<int64_t> RunnableTargets() {
  std::vector<int64_t> targets;
  const int64_t runnable = hwy::SupportedTargets() & HWY_TARGETS;
  for (int64_t bit = 1; bit != 0 && bit <= runnable; bit <<= 1) {
    if (runnable & bit) targets.push_back(bit);
  }
  return targets;  // Lower bits are better targets in Highway.
}

std::string TargetNameOf(int64_t target) { return hwy::TargetName(target); }

bool TryPinTarget(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  hwy::SetSupportedTargetsForTest(0);
  if (upper == "BEST") return true;
  for (int64_t t : RunnableTargets()) {
    if (upper == hwy::TargetName(t)) {
      hwy::SetSupportedTargetsForTest(t);
      return true;
    }
  }
  return false;
}

}  // namespace attnbench
#endif  // HWY_ONCE
