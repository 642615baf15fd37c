// prefix_lm: prefix-LM attention (as in UniLM and T5's prefix LM): the first
// P keys form a prefix that every query sees, bidirectionally, and the rest
// is causal. Mask prefix_lm:P. On the blocked engine: one interval per row,
// [0, max(P, p + 1)).
#include <fmt/format.h>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class PrefixRule final : public MaskRule {
 public:
  explicit PrefixRule(int64_t prefix) : prefix_(prefix) {}
  std::string Params() const override { return fmt::format("{}", prefix_); }
  bool SameWeightsForEveryHead() const override { return true; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j < prefix_ || j <= p ? 1.0 : 0.0;
  }
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    out.push_back({0, std::max(prefix_, p + 1)});
    return true;
  }

 private:
  int64_t prefix_;
};

ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(
    {
        "prefix_lm",
        "prefix_lm:P (the first P keys seen by every query, causal after)",
        [](std::string_view params) -> std::shared_ptr<const MaskRule> {
          return std::make_shared<PrefixRule>(
              ParseIntParams(params, {"P"}, 0)[0]);
        },
        [](const Shape& s) -> std::vector<std::string> {
          return {"prefix_lm:5", fmt::format("prefix_lm:{}", s.Nk / 2),
                  fmt::format("prefix_lm:{}", s.Nk + 3)};
        },
        "prefix_lm:1024",
    },
    "blocked engine: bidirectional prefix of P keys, causal after");

}  // namespace
}  // namespace attnbench
