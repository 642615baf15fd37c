// flash: blocked, online-softmax attention (FlashAttention-2 on the CPU) for
// masks none and causal. Causal tiles above the diagonal are never visited;
// only tiles on the diagonal apply a per-element mask. The engine, shared
// with the sparse variants, is variants/engine/blocked.cc.
#include "harness/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class Flash final : public Variant {
 public:
  std::string_view Name() const override { return "flash"; }
  std::string_view Summary() const override {
    return "blocked online-softmax (FlashAttention-2 style); skips tiles "
           "above the causal diagonal";
  }
  std::vector<std::string> SupportedMasks() const override {
    return {"none", "causal"};
  }
  size_t EstimateWorkspaceBytes(const Problem& problem) const override {
    return BlockedWorkspaceBound(problem);
  }
  void Run(const Problem& problem, const Tensors& tensors) const override {
    RunBlocked(problem, tensors);
  }
};

ATTNBENCH_REGISTER_VARIANT(Flash);

}  // namespace
}  // namespace attnbench
