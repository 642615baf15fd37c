// dilated: a dilated sliding window (Longformer, Beltagy et al. 2020),
// causal: query p sees W keys spaced S apart, itself included:
// j = p - k S for k = 0 .. W - 1. Mask dilated:W:S.
//
// On positions regrouped by residue class mod S, this is a plain window of
// W in each class: the rule asks the engine for that one part, and the
// engine runs dense tiles (docs/adding-a-variant.md, "Regrouping").
// Queries and keys regroup alike, so that needs Nq = Nk; a decode step
// (Nq < Nk) reads the W keys of its Segments instead.
#include <fmt/format.h>

#include "harness/contract/mask.h"
#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class DilatedRule final : public MaskRule {
 public:
  DilatedRule(int64_t w, int64_t s) : w_(w), s_(s) {}
  std::string Params() const override { return fmt::format("{}:{}", w_, s_); }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && (p - j) % s_ == 0 && (p - j) / s_ < w_ ? 1.0 : 0.0;
  }
  KeyRange Bounds(int64_t, int64_t p, int64_t nk) const override {
    return {std::max<int64_t>(0, p - (w_ - 1) * s_), std::min(p + 1, nk)};
  }
  int64_t CountVisible(int64_t, int64_t p, int64_t nk) const override {
    return std::min(w_, std::min(p, nk - 1) / s_ + 1);
  }
  // W one-key segments, the farthest first: key p - k S for k = W - 1 .. 0
  // (empty before key 0). Used where the engine does not regroup: a decode
  // step (Nq < Nk) reads only these keys.
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    for (int64_t k = w_ - 1; k >= 0; --k) {
      const int64_t j = p - k * s_;
      out.push_back(j >= 0 ? KeySegment{j, j + 1} : KeySegment{j, j});
    }
    return true;
  }
  std::vector<ClassPart> Parts() const override {
    const Mask window = Mask::Window(w_);
    return {{s_, window.ToString(), window.rule}};
  }

 private:
  int64_t w_, s_;
};

ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(
    {
        "dilated",
        "dilated:W:S (W keys spaced S apart, the query's own included)",
        [](std::string_view params) -> std::shared_ptr<const MaskRule> {
          const auto v = ParseIntParams(params, {"W", "S"}, 1);
          return std::make_shared<DilatedRule>(v[0], v[1]);
        },
        [](const Shape&) -> std::vector<std::string> {
          return {"dilated:1:1", "dilated:5:3", "dilated:64:4"};
        },
        "dilated:64:4",
    },
    "blocked engine on positions regrouped by residue class mod S: a "
    "window of W in each class");

}  // namespace
}  // namespace attnbench
