// alibi: causal attention with ALiBi's linear bias (Press et al. 2022), a
// score modifier: s_pj += -m_h (p - j), with the paper's head slopes m_h
// (a geometric sequence starting at 2^(-8/n) for n heads, n a power of two;
// other head counts interleave the sequences of the nearest powers of two).
// Mask alibi. The blocked engine adds the bias to each score tile.
#include <fmt/format.h>

#include <cmath>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

// The slope of head h (0-based) of `heads` heads, as in the ALiBi paper's
// reference implementation (get_slopes).
double AlibiSlope(int64_t h, int64_t heads) {
  const auto power_of_two_slopes = [](int64_t n, int64_t i) {
    return std::pow(2.0, -8.0 * static_cast<double>(i + 1) / n);
  };
  int64_t n = 1;
  while (n * 2 <= heads) n *= 2;
  if (h < n) return power_of_two_slopes(n, h);
  return power_of_two_slopes(2 * n, 2 * (h - n));  // every other of 2n
}

class AlibiRule final : public MaskRule {
 public:
  std::string Params() const override { return ""; }
  bool SameWeightsForEveryHead() const override { return true; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p ? 1.0 : 0.0;
  }
  double BiasSlope(int64_t h, int64_t heads) const override {
    return AlibiSlope(h, heads);
  }
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    out.push_back({0, p + 1});
    return true;
  }
};

ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(
    {
        "alibi",
        "alibi (causal, ALiBi linear bias -m_h (p - j))",
        [](std::string_view params) -> std::shared_ptr<const MaskRule> {
          if (!params.empty())
            throw InvalidArgument("alibi takes no parameter");
          return std::make_shared<AlibiRule>();
        },
        [](const Shape&) -> std::vector<std::string> { return {"alibi"}; },
        "alibi",
    },
    "blocked engine: causal with ALiBi's per-head linear score bias");

}  // namespace
}  // namespace attnbench
