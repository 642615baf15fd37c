#include "harness/mask.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <string>

namespace attnbench {
namespace {

std::string MaskForms() {
  std::string forms =
      "allowed: none, causal, window:W (W >= 1), span:Z[:R] or "
      "span:Z0,Z1,...[:R] (Z >= 0, R > 0)";
  for (const MaskKindInfo* k : MaskKinds()) forms += ", " + k->usage;
  return forms;
}

[[noreturn]] void BadMask(std::string_view text, std::string_view why) {
  throw InvalidArgument(
      fmt::format("mask '{}' is invalid: {}; {}", text, why, MaskForms()));
}

int64_t ParseInt(std::string_view full, std::string_view s,
                 std::string_view what) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    BadMask(full, fmt::format("{} '{}' is not an integer", what, s));
  }
  return value;
}

double ParseDouble(std::string_view full, std::string_view s,
                   std::string_view what) {
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    BadMask(full, fmt::format("{} '{}' is not a number", what, s));
  }
  return value;
}

}  // namespace

Mask Mask::None() { return Mask{MaskKind::kNone, 0, {}, 32.0, {}, {}}; }
Mask Mask::Causal() { return Mask{MaskKind::kCausal, 0, {}, 32.0, {}, {}}; }
Mask Mask::Window(int64_t w) {
  return Mask{MaskKind::kWindow, w, {}, 32.0, {}, {}};
}
Mask Mask::Span(std::vector<double> spans, double ramp) {
  return Mask{MaskKind::kSpan, 0, std::move(spans), ramp, {}, {}};
}
Mask Mask::Custom(std::string name, std::shared_ptr<const MaskRule> rule) {
  return Mask{MaskKind::kCustom, 0, {}, 32.0, std::move(name), std::move(rule)};
}

std::string Mask::KindName() const {
  return kind == MaskKind::kCustom ? custom_name
                                   : std::string(MaskKindName(kind));
}

std::string Mask::ToString() const {
  switch (kind) {
    case MaskKind::kNone:
    case MaskKind::kCausal:
      return std::string(MaskKindName(kind));
    case MaskKind::kWindow:
      return fmt::format("window:{}", window);
    case MaskKind::kSpan:
      return fmt::format("span:{:g}:{:g}", fmt::join(spans, ","), ramp);
    case MaskKind::kCustom: {
      const std::string params = rule->Params();
      return params.empty() ? custom_name : custom_name + ":" + params;
    }
  }
  return "?";
}

Mask ParseMask(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  const std::string_view rest = colon == std::string_view::npos
                                    ? std::string_view()
                                    : text.substr(colon + 1);
  if (kind == "none" || kind == "causal") {
    if (colon != std::string_view::npos) BadMask(text, "takes no parameter");
    return kind == "none" ? Mask::None() : Mask::Causal();
  }
  if (kind == "window") {
    if (colon == std::string_view::npos) BadMask(text, "W is missing");
    const int64_t w = ParseInt(text, rest, "W");
    if (w < 1) BadMask(text, fmt::format("W = {} is below 1", w));
    return Mask::Window(w);
  }
  if (kind == "span") {
    if (colon == std::string_view::npos) BadMask(text, "Z is missing");
    const size_t ramp_colon = rest.find(':');
    const std::string_view list = rest.substr(0, ramp_colon);
    double ramp = 32.0;
    if (ramp_colon != std::string_view::npos) {
      ramp = ParseDouble(text, rest.substr(ramp_colon + 1), "R");
      if (!std::isfinite(ramp) || ramp <= 0) {
        BadMask(text, fmt::format("R = {} is not > 0", ramp));
      }
    }
    std::vector<double> spans;
    size_t start = 0;
    while (true) {
      const size_t comma = list.find(',', start);
      const double z =
          ParseDouble(text, list.substr(start, comma - start), "Z");
      if (!std::isfinite(z) || z < 0) {
        BadMask(text, fmt::format("Z = {} is not a finite number >= 0", z));
      }
      spans.push_back(z);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return Mask::Span(std::move(spans), ramp);
  }
  if (const MaskKindInfo* custom = FindMaskKind(kind)) {
    try {
      return Mask::Custom(custom->name, custom->make(rest));
    } catch (const InvalidArgument& e) {
      BadMask(text, e.what());
    }
  }
  BadMask(text, fmt::format("unknown mask kind '{}'", kind));
}

int64_t CountVisiblePairs(const Problem& problem) {
  const Shape& s = problem.shape;
  int64_t per_batch = 0;
  for (int64_t h = 0; h < s.H; ++h) {
    for (int64_t i = 0; i < s.Nq; ++i) {
      const int64_t p = s.Nk - s.Nq + i;
      per_batch += problem.mask.kind == MaskKind::kCustom
                       ? problem.mask.rule->CountVisible(h, p, s.Nk)
                       : VisibleKeys(problem.mask, h, p, s.Nk).size();
    }
  }
  return per_batch * s.B;
}

}  // namespace attnbench
