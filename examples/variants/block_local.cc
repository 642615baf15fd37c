// block_local: block-local attention (as in the Image Transformer's local
// 1D attention): keys come in blocks of C; query p sees its own block up to
// itself and the whole previous block. Mask block_local:C.
//
// The worked example of docs/adding-a-variant.md: a rule (the definition,
// which the oracle evaluates in double precision), its registration as a
// mask kind, and a variant on the blocked engine. Build it in with
//   cmake --preset release -DATTNBENCH_EXTRA_VARIANTS=$PWD/examples/variants
// or copy it into variants/.
#include <fmt/format.h>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class BlockLocalRule final : public MaskRule {
 public:
  explicit BlockLocalRule(int64_t c) : c_(c) {}
  std::string Params() const override { return fmt::format("{}", c_); }

  // The first key query p may see: the start of the previous block.
  int64_t First(int64_t p) const {
    return std::max<int64_t>(0, (p / c_ - 1) * c_);
  }
  // The definition: w = 1 iff First(p) <= j <= p.
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j >= First(p) && j <= p ? 1.0 : 0.0;
  }
  // The fast description: row p's visible keys are one segment of weight
  // 1 whose ends never decrease with p. The engine derives its tiles
  // (empty, full, partial) from it; bounds and counts come with it.
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    out.push_back({First(p), p + 1});
    return true;
  }

 private:
  int64_t c_;
};

// The mask kind block_local and the variant block_local (the blocked
// engine over it), registered together: `--mask block_local:C` makes the
// rule; check and the tests run the examples, the default sweep the last
// field; then the variant's one-line summary.
ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(
    {
        "block_local",
        "block_local:C (own block of C keys up to p, and the previous block)",
        [](std::string_view params) -> std::shared_ptr<const MaskRule> {
          return std::make_shared<BlockLocalRule>(
              ParseIntParams(params, {"C"}, 1)[0]);
        },
        [](const Shape&) -> std::vector<std::string> {
          return {"block_local:1", "block_local:6", "block_local:64"};
        },
        "block_local:256",
    },
    "blocked engine: own block of C keys and the previous block");

}  // namespace
}  // namespace attnbench
