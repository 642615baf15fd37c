// sparse_strided: the Sparse Transformer's "strided" pattern (Child et al.
// 2019), causal: query p sees the band of the last L keys (itself included)
// and every L-th key before it: j <= p and (p - j < L or (p - j) mod L = 0).
// Mask sparse_strided:L.
//
// Tiled as is, a block of consecutive queries would scatter its strided keys
// over every tile (each row a different residue mod L). So, as the paper's
// kernels do, the rule asks the engine for two parts: the band, window:L in
// the original order; and, regrouped by residue class mod L, the earlier
// members of the query's own class (a causal run). The engine merges them
// through the softmax state. Needs Nq = Nk (queries and keys regroup alike).
#include <fmt/format.h>

#include "harness/contract/mask.h"
#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

// Within a class: the strictly earlier members, j < p.
class StrictlyEarlierRule final : public MaskRule {
 public:
  std::string Params() const override { return ""; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j < p ? 1.0 : 0.0;
  }
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    out.push_back({0, p});
    return true;
  }
};

class StridedRule final : public MaskRule {
 public:
  explicit StridedRule(int64_t l) : l_(l) {}
  std::string Params() const override { return fmt::format("{}", l_); }
  bool SameWeightsForEveryHead() const override { return true; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && (p - j < l_ || (p - j) % l_ == 0) ? 1.0 : 0.0;
  }
  int64_t CountVisible(int64_t, int64_t p, int64_t nk) const override {
    const int64_t q = std::min(p, nk - 1);
    return std::min(l_, q + 1) + q / l_;
  }
  // Row p alone (its strided keys wrap around the residue classes, so no
  // Segments): keys p - k L for k >= 1, one segment each, then the band
  // [p - L + 1, p]. The decode path reads only these.
  bool RowKeys(int64_t, int64_t p, int64_t c0, int64_t c1,
               std::vector<KeySegment>& out) const override {
    const size_t first = out.size();
    const auto joins = [&](int64_t j) {  // L = 1: every key, one segment
      return out.size() > first && out.back().end == j;
    };
    const int64_t band = std::max<int64_t>(0, p - l_ + 1);
    const int64_t residue = p % l_;
    if (band > residue) {  // keys residue + k L < band, k = 0 .. last
      const int64_t last = (band - 1 - residue) / l_;
      const int64_t gap = std::max<int64_t>(0, c0 - residue);
      for (int64_t k = gap / l_ + (gap % l_ != 0); k <= last; ++k) {
        const int64_t j = residue + k * l_;
        if (j >= c1) break;
        if (joins(j)) {
          ++out.back().end;
        } else {
          out.push_back({j, j + 1});
        }
      }
    }
    const int64_t a = std::max(band, c0), b = std::min(p + 1, c1);
    if (a < b && joins(a)) {
      out.back().end = b;
    } else if (a < b) {
      out.push_back({a, b});
    }
    return true;
  }
  std::vector<ClassPart> Parts() const override {
    const Mask band = Mask::Window(l_);
    return {{1, band.ToString(), band.rule},
            {l_, "strictly_earlier", std::make_shared<StrictlyEarlierRule>()}};
  }

 private:
  int64_t l_;
};

ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(
    {
        "sparse_strided",
        "sparse_strided:L (Sparse Transformer: the last L keys + every L-th "
        "before)",
        [](std::string_view params) -> std::shared_ptr<const MaskRule> {
          return std::make_shared<StridedRule>(
              ParseIntParams(params, {"L"}, 1)[0]);
        },
        [](const Shape&) -> std::vector<std::string> {
          return {"sparse_strided:1", "sparse_strided:4", "sparse_strided:9"};
        },
        "sparse_strided:128",
    },
    "blocked engine twice: the band, and queries/keys regrouped by residue "
    "class mod L; softmax states merged");

}  // namespace
}  // namespace attnbench
