// The built-in mask kinds as rules (docs/semantics.md "Masks"), registered
// like every other kind:
//   none     w = 1
//   causal   w = 1 iff j <= p
//   window:W w = 1 iff p - W < j <= p
//   span:Z   w = clamp((R + z_h - (p - j)) / R, 0, 1) for j <= p (adaptive
//            span, Sukhbaatar et al. 2019; one z for all heads or one per
//            head, ramp R, 32 by default)
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"

namespace attnbench {
namespace {

class NoneRule final : public MaskRule {
 public:
  std::string Params() const override { return ""; }
  bool SameWeightsForEveryHead() const override { return true; }
  double Weight(int64_t, int64_t, int64_t) const override { return 1.0; }
  bool Segments(int64_t, int64_t, int64_t, int64_t c1,
                std::vector<KeySegment>& out) const override {
    out.push_back({0, c1});
    return true;
  }
};

class CausalRule final : public MaskRule {
 public:
  std::string Params() const override { return ""; }
  bool SameWeightsForEveryHead() const override { return true; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p ? 1.0 : 0.0;
  }
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    out.push_back({0, p + 1});
    return true;
  }
};

class WindowRule final : public MaskRule {
 public:
  explicit WindowRule(int64_t w) : w_(w) {}
  std::string Params() const override { return fmt::format("{}", w_); }
  bool SameWeightsForEveryHead() const override { return true; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return p - w_ < j && j <= p ? 1.0 : 0.0;
  }
  bool Segments(int64_t, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    out.push_back({std::max<int64_t>(0, p - w_ + 1), p + 1});
    return true;
  }

 private:
  int64_t w_;
};

class SpanRule final : public MaskRule {
 public:
  SpanRule(std::vector<double> spans, double ramp)
      : spans_(std::move(spans)), ramp_(ramp) {}
  std::string Params() const override {
    return fmt::format("{}:{}", fmt::join(spans_, ","), ramp_);
  }
  void Check(const Shape& shape) const override {
    if (spans_.size() != 1 && spans_.size() != static_cast<size_t>(shape.H)) {
      throw InvalidArgument(fmt::format(
          "span list has {} values; allowed: 1 (all heads) or H = {}",
          spans_.size(), shape.H));
    }
  }
  // clamp((R + z - x) / R, 0, 1), evaluated as 1 + (z - x) / R: exactly 1
  // for every x <= z however narrow the ramp (R + z rounds to z when
  // R < ulp(z)).
  double Weight(int64_t h, int64_t p, int64_t j) const override {
    if (j > p) return 0.0;
    const double x = static_cast<double>(p - j);
    return std::clamp(1.0 + (Z(h) - x) / ramp_, 0.0, 1.0);
  }
  // One ramp segment: w > 0 iff x < z_h + R, so the first visible key is
  // p - ceil(z_h + R) + 1 (moved to where Weight itself turns > 0 when
  // rounding puts the edge one key off); w = (j - (p - z_h - R)) / R. A
  // ramp too narrow for that form (KeySegment::RampPrecise) is split into
  // its flat part x <= z_h, exact, and the rest, weighted by the rule.
  bool Segments(int64_t h, int64_t p, int64_t, int64_t,
                std::vector<KeySegment>& out) const override {
    const double z = Z(h);
    const double reach = z + ramp_;
    int64_t begin =
        reach > static_cast<double>(p)
            ? 0
            : std::max<int64_t>(0,
                                p - static_cast<int64_t>(std::ceil(reach)) + 1);
    while (begin > 0 && Weight(h, p, begin - 1) > 0.0) --begin;
    while (begin <= p && Weight(h, p, begin) == 0.0) ++begin;
    const KeySegment ramp{begin, p + 1, static_cast<double>(p) - z - ramp_,
                          ramp_};
    if (ramp.RampPrecise()) {
      out.push_back(ramp);
      return true;
    }
    const int64_t flat = z >= static_cast<double>(p)
                             ? 0
                             : p - static_cast<int64_t>(std::floor(z));
    if (begin < flat) out.push_back({begin, flat, ramp.ramp_zero, ramp_});
    if (flat <= p) out.push_back({std::max(flat, begin), p + 1, 0.0, 0.0});
    return true;
  }
  // The definition's own arithmetic, so that naive's weights are those of
  // the formula to the last bit.
  void WeightRow(int64_t h, int64_t p, int64_t c0, int64_t n,
                 float* w) const override {
    WeightRowByDefinition(h, p, c0, n, w);
  }
  std::optional<LearnableSpan> SpanOf(int64_t h) const override {
    return LearnableSpan{Z(h), ramp_};
  }

 private:
  double Z(int64_t h) const {
    return spans_.size() == 1 ? spans_[0] : spans_[static_cast<size_t>(h)];
  }
  std::vector<double> spans_;
  double ramp_;
};

template <class T>
T ParseNumber(std::string_view s, std::string_view what,
              std::string_view kind_of_number) {
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    throw InvalidArgument(
        fmt::format("{} '{}' is not {}", what, s, kind_of_number));
  }
  return value;
}

std::shared_ptr<const MaskRule> MakeSpan(std::string_view params) {
  if (params.empty()) throw InvalidArgument("Z is missing");
  const size_t ramp_colon = params.find(':');
  const std::string_view list = params.substr(0, ramp_colon);
  double ramp = 32.0;
  if (ramp_colon != std::string_view::npos) {
    ramp = ParseNumber<double>(params.substr(ramp_colon + 1), "R", "a number");
    if (!std::isfinite(ramp) || ramp <= 0) {
      throw InvalidArgument(fmt::format("R = {} is not > 0", ramp));
    }
  }
  std::vector<double> spans;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const double z =
        ParseNumber<double>(list.substr(start, comma - start), "Z", "a number");
    if (!std::isfinite(z) || z < 0) {
      throw InvalidArgument(
          fmt::format("Z = {} is not a finite number >= 0", z));
    }
    spans.push_back(z);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return std::make_shared<SpanRule>(std::move(spans), ramp);
}

std::vector<std::string> SpanExamples(const Shape& shape) {
  std::vector<double> per_head;
  for (int64_t h = 0; h < shape.H; ++h) per_head.push_back(2.5 * h + 1.0);
  const double nk = static_cast<double>(shape.Nk);
  return {"span:0:4",
          "span:3.5:8",
          fmt::format("span:{}:3", fmt::join(per_head, ",")),
          fmt::format("span:{}:8", std::max(0.0, nk - 8.0)),  // z + R = Nk
          fmt::format("span:{}:8", nk),                       // z = Nk
          "span:1000:32"};                                    // beyond Nk
}

template <class Rule>
std::function<std::shared_ptr<const MaskRule>(std::string_view)> NoParams() {
  return [](std::string_view params) -> std::shared_ptr<const MaskRule> {
    if (!params.empty()) throw InvalidArgument("takes no parameter");
    return std::make_shared<Rule>();
  };
}

}  // namespace

// The registry's first entries (harness/contract/mask_rule.cc).
std::vector<MaskKindInfo> BuiltinMaskKinds() {
  return {
      {"none", "none", NoParams<NoneRule>(),
       [](const Shape&) -> std::vector<std::string> { return {"none"}; }, ""},
      {"causal", "causal", NoParams<CausalRule>(),
       [](const Shape&) -> std::vector<std::string> { return {"causal"}; },
       "causal"},
      {"window", "window:W (W >= 1)",
       [](std::string_view params) -> std::shared_ptr<const MaskRule> {
         if (params.empty()) throw InvalidArgument("W is missing");
         const auto w = ParseNumber<int64_t>(params, "W", "an integer");
         if (w < 1) throw InvalidArgument(fmt::format("W = {} is below 1", w));
         return std::make_shared<WindowRule>(w);
       },
       [](const Shape& s) -> std::vector<std::string> {
         return {"window:1", "window:7", "window:64",
                 fmt::format("window:{}", s.Nk),  // every key: causal
                 fmt::format("window:{}", s.Nk + 5)};
       },
       "window:256"},
      {"span", "span:Z[:R] or span:Z0,Z1,...[:R] (Z >= 0, R > 0)", MakeSpan,
       SpanExamples, "span:256"},
  };
}

}  // namespace attnbench
