// sliding_window: each query sees the last W keys, its own included
// (mask window:W; flash-attn's window_size = (W - 1, 0)). On the blocked
// engine, tiles outside the band are never visited, tiles inside it run
// with no per-element mask, and only the band's two edges are partial, so
// the cost is O(N * W) rather than O(N^2). W >= Nk is plain causal.
#include "harness/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class SlidingWindow final : public Variant {
 public:
  std::string_view Name() const override { return "sliding_window"; }
  std::string_view Summary() const override {
    return "blocked engine over the band of the last W keys: O(N W) work";
  }
  std::vector<std::string> SupportedMasks() const override {
    return {"window"};
  }
  size_t EstimateWorkspaceBytes(const Problem& problem) const override {
    return BlockedWorkspaceBound(problem);
  }
  void Run(const Problem& problem, const Tensors& tensors) const override {
    RunBlocked(problem, tensors);
  }
};

ATTNBENCH_REGISTER_VARIANT(SlidingWindow);

}  // namespace
}  // namespace attnbench
