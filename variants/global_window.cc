// global_window: a sliding window plus global tokens, after Longformer
// (Beltagy et al. 2020) and BigBird (Zaheer et al. 2020), causal: query p
// sees the first G keys (the global tokens) and the last W keys up to
// itself. Mask global_window:G:W. One file: the rule (which the oracle
// evaluates in double) and a variant on the blocked engine, which skips
// everything else.
#include <fmt/format.h>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class GlobalWindowRule final : public MaskRule {
 public:
  GlobalWindowRule(int64_t g, int64_t w) : g_(g), w_(w) {}
  std::string Params() const override { return fmt::format("{}:{}", g_, w_); }
  bool SameWeightsForEveryHead() const override { return true; }

  // w = 1 iff j <= p and (j < G or p - j < W).
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && (j < g_ || p - j < w_) ? 1.0 : 0.0;
  }
  // The global keys up to p, and the window right of them.
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    const int64_t window_begin = std::max(g_, p - w_ + 1);
    out.push_back({0, std::min(g_, p + 1)});
    out.push_back({window_begin, std::max(window_begin, p + 1)});
    return true;
  }

 private:
  int64_t g_, w_;
};

ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(
    {
        "global_window",
        "global_window:G:W (the first G keys and the last W, causal)",
        [](std::string_view params) -> std::shared_ptr<const MaskRule> {
          const auto v = ParseIntParams(params, {"G", "W"}, 0);
          if (v[1] < 1) throw InvalidArgument("W = 0 is not an integer >= 1");
          return std::make_shared<GlobalWindowRule>(v[0], v[1]);
        },
        [](const Shape& s) -> std::vector<std::string> {
          return {"global_window:3:8",
                  fmt::format("global_window:{}:1", s.Nk / 2),
                  "global_window:0:5"};
        },
        "global_window:64:256",
    },
    "blocked engine: G global keys plus a window of W (Longformer, "
    "BigBird)");

}  // namespace
}  // namespace attnbench
