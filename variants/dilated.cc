// dilated: a dilated sliding window (Longformer, Beltagy et al. 2020),
// causal: query p sees W keys spaced S apart, itself included:
// j = p - k S for k = 0 .. W - 1. Mask dilated:W:S.
//
// On positions regrouped by residue class mod S, this is a plain window of
// W in each class: the rule asks the engine for that one part, and the
// engine runs dense tiles (docs/adding-a-variant.md, "Regrouping").
// Queries and keys regroup alike, so that needs Nq = Nk; a decode step
// (Nq < Nk) reads the W keys of its RowKeys instead.
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
  bool SameWeightsForEveryHead() const override { return true; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && (p - j) % s_ == 0 && (p - j) / s_ < w_ ? 1.0 : 0.0;
  }
  KeyRange Bounds(int64_t, int64_t p, int64_t nk) const override {
    return {std::max<int64_t>(0, p - (w_ - 1) * s_), std::min(p + 1, nk)};
  }
  int64_t CountVisible(int64_t, int64_t p, int64_t nk) const override {
    return std::min(w_, std::min(p, nk - 1) / s_ + 1);
  }
  // Row p's keys p - k S in [c0, c1), in increasing order (adjacent ones
  // joined when S = 1): only those, so that a row costs its keys in range
  // and not W. Used where the engine does not regroup: a decode step (Nq <
  // Nk) reads only these keys. No Segments: rows of one block would need
  // all W keys listed to pair them up, and W may be up to 2^40.
  bool RowKeys(int64_t, int64_t p, int64_t c0, int64_t c1,
               std::vector<KeySegment>& out) const override {
    const int64_t hi = std::min(c1 - 1, p);  // keys j <= hi, j >= c0, j >= 0
    if (hi < std::max<int64_t>(c0, 0)) return true;
    const int64_t k_min = (p - hi + s_ - 1) / s_;  // j = p - k S <= hi
    const int64_t k_max = std::min(w_ - 1, (p - std::max<int64_t>(c0, 0)) / s_);
    const size_t first = out.size();
    for (int64_t k = k_max; k >= k_min; --k) {
      const int64_t j = p - k * s_;
      if (out.size() > first && out.back().end == j) {
        ++out.back().end;
      } else {
        out.push_back({j, j + 1});
      }
    }
    return true;
  }
  void WeightRow(int64_t h, int64_t p, int64_t c0, int64_t n,
                 float* w) const override {
    WeightRowByDefinition(h, p, c0, n, w);
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
          // A row reaches back (W - 1) S keys: bounded like a parameter.
          if (v[0] - 1 > kMaxMaskParam / v[1]) {
            throw InvalidArgument(fmt::format(
                "W = {}, S = {}: a row reaches (W - 1) * S keys back, more "
                "than 2^40; allowed: (W - 1) * S <= {}",
                v[0], v[1], kMaxMaskParam));
          }
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
