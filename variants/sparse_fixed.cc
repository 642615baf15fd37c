// sparse_fixed: the Sparse Transformer's "fixed" pattern (Child et al.
// 2019), causal. Keys come in blocks of L; query p sees the keys of its own
// block up to itself, plus the last C keys ("summary" keys) of every earlier
// block. Mask sparse_fixed:L:C. The blocked engine skips the rest of each
// earlier block and runs the summary keys as unmasked pieces.
#include <fmt/format.h>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class FixedRule final : public MaskRule {
 public:
  FixedRule(int64_t l, int64_t c) : l_(l), c_(c) {}
  std::string Params() const override { return fmt::format("{}:{}", l_, c_); }
  bool SameWeightsForEveryHead() const override { return true; }

  // w = 1 iff j <= p and (j in p's block, or j mod L >= L - C).
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && (j / l_ == p / l_ || j % l_ >= l_ - c_) ? 1.0 : 0.0;
  }
  // Own block up to p, plus C summary keys per earlier block.
  int64_t CountVisible(int64_t, int64_t p, int64_t nk) const override {
    const int64_t q = std::min(p, nk - 1);
    return q - q / l_ * l_ + 1 + q / l_ * c_;
  }
  // The own block up to p, and the summary keys of each block between c0
  // and c1 (empty while p is still in or before that block).
  bool Segments(int64_t, int64_t p, int64_t c0, int64_t c1,
                std::vector<KeySegment>& out) const override {
    out.push_back({p / l_ * l_, p + 1});
    for (int64_t k = c0 / l_; k * l_ < c1; ++k) {
      const int64_t begin = k * l_ + l_ - c_;
      out.push_back({begin, k < p / l_ ? (k + 1) * l_ : begin});
    }
    return true;
  }

 private:
  int64_t l_, c_;
};

ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(
    {
        "sparse_fixed",
        "sparse_fixed:L:C (Sparse Transformer: own block of L keys + last C "
        "of each earlier block, C <= L)",
        [](std::string_view params) -> std::shared_ptr<const MaskRule> {
          const auto v = ParseIntParams(params, {"L", "C"}, 1);
          if (v[1] > v[0]) {
            throw InvalidArgument(fmt::format(
                "C = {} is above L = {}; allowed: 1..L", v[1], v[0]));
          }
          return std::make_shared<FixedRule>(v[0], v[1]);
        },
        [](const Shape&) -> std::vector<std::string> {
          return {"sparse_fixed:8:2", "sparse_fixed:33:7", "sparse_fixed:5:5"};
        },
        "sparse_fixed:128:32",
    },
    "blocked engine: Sparse Transformer fixed pattern (own block + "
    "summary keys)");

}  // namespace
}  // namespace attnbench
