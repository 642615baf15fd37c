// flash: blocked, online-softmax attention (FlashAttention-2 on the CPU) for
// masks none and causal. Causal tiles above the diagonal are never visited;
// only diagonal tiles apply a per-element mask. See variants/engine/.
#include "harness/variant.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/flash.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "variants/engine/blocked-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

void FlashAttention(const Problem& problem, const Tensors& t) {
  BlockedAttention(problem, t,
                   DefaultKeyBlock(static_cast<size_t>(problem.shape.D)));
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(FlashAttention);

class Flash final : public Variant {
 public:
  std::string_view Name() const override { return "flash"; }
  std::string_view Summary() const override {
    return "blocked online-softmax (FlashAttention-2 style); skips tiles "
           "above the causal diagonal";
  }
  std::vector<MaskKind> SupportedMasks() const override {
    return {MaskKind::kNone, MaskKind::kCausal};
  }
  void Run(const Problem& problem, const Tensors& tensors) const override {
    HWY_DYNAMIC_DISPATCH(FlashAttention)(problem, tensors);
  }
};

ATTNBENCH_REGISTER_VARIANT(Flash);

}  // namespace attnbench
#endif  // HWY_ONCE
