// document: packed sequences. The keys hold documents of lengths L0, L1, ...
// (repeating); each query sees the keys of its own document up to itself,
// causal, and nothing of the others. Mask document:L0,L1,... The blocked engine
// never visits another document's tiles.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <numeric>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class DocumentRule final : public MaskRule {
 public:
  explicit DocumentRule(std::vector<int64_t> lengths)
      : lengths_(std::move(lengths)),
        period_(std::accumulate(lengths_.begin(), lengths_.end(), int64_t{0})) {
  }
  std::string Params() const override {
    return fmt::format("{}", fmt::join(lengths_, ","));
  }
  bool SameWeightsForEveryHead() const override { return true; }
  // The first key of the document holding position p.
  int64_t DocStart(int64_t p) const {
    int64_t start = p / period_ * period_;
    for (int64_t len : lengths_) {
      if (p < start + len) break;
      start += len;
    }
    return start;
  }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && j >= DocStart(p) ? 1.0 : 0.0;
  }
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    out.push_back({DocStart(p), p + 1});
    return true;
  }

 private:
  std::vector<int64_t> lengths_;
  int64_t period_;
};

std::shared_ptr<const MaskRule> MakeDocumentRule(std::string_view params) {
  std::vector<int64_t> lengths;
  size_t start = 0;
  while (start <= params.size()) {
    const size_t comma = params.find(',', start);
    const std::string_view one = params.substr(start, comma - start);
    lengths.push_back(ParseIntParams(one, {"document length"}, 1)[0]);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return std::make_shared<DocumentRule>(std::move(lengths));
}

ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(
    {
        "document",
        "document:L0,L1,... (packed documents of these lengths, repeating; "
        "causal within each)",
        MakeDocumentRule,
        [](const Shape& s) -> std::vector<std::string> {
          return {"document:7", "document:20,3,45",
                  fmt::format("document:{}", s.Nk)};
        },
        "document:512,1024,256",
    },
    "blocked engine: packed documents, causal within each");

}  // namespace
}  // namespace attnbench
