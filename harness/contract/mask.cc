#include "harness/contract/mask.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/contract/problem.h"

namespace attnbench {
namespace {

std::string MaskForms() {
  std::string forms = "allowed: ";
  bool first = true;
  for (const MaskKindInfo* k : MaskKinds()) {
    forms += (first ? "" : ", ") + k->usage;
    first = false;
  }
  return forms;
}

[[noreturn]] void BadMask(std::string_view text, std::string_view why) {
  throw InvalidArgument(
      fmt::format("mask '{}' is invalid: {}; {}", text, why, MaskForms()));
}

}  // namespace

Mask::Mask() : Mask(Causal()) {}

Mask Mask::None() { return ParseMask("none"); }
Mask Mask::Causal() { return ParseMask("causal"); }
Mask Mask::Window(int64_t w) { return ParseMask(fmt::format("window:{}", w)); }
Mask Mask::Span(std::vector<double> spans, double ramp) {
  return ParseMask(
      fmt::format("span:{:.17g}:{:.17g}", fmt::join(spans, ","), ramp));
}

std::string Mask::ToString() const {
  const std::string params = rule->Params();
  return params.empty() ? kind : kind + ":" + params;
}

Mask ParseMask(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  const MaskKindInfo* info = FindMaskKind(kind);
  if (info == nullptr) {
    BadMask(text, fmt::format("unknown mask kind '{}'", kind));
  }
  if (colon != std::string_view::npos && colon + 1 == text.size()) {
    BadMask(text, "nothing after ':'");
  }
  const std::string_view params = colon == std::string_view::npos
                                      ? std::string_view()
                                      : text.substr(colon + 1);
  try {
    return Mask(info->name, info->make(params));
  } catch (const InvalidArgument& e) {
    BadMask(text, e.what());
  }
}

int64_t CountVisiblePairs(const Problem& problem) {
  const Shape& s = problem.shape;
  const MaskRule& rule = problem.mask.Rule();
  int64_t per_batch = 0;
  for (int64_t h = 0; h < s.H; ++h) {
    for (int64_t i = 0; i < s.Nq; ++i) {
      per_batch += rule.CountVisible(h, s.Nk - s.Nq + i, s.Nk);
    }
  }
  return per_batch * s.B;
}

double EffectiveFlops(const Problem& problem) {
  return 4.0 * static_cast<double>(problem.shape.D) *
         static_cast<double>(CountVisiblePairs(problem));
}

}  // namespace attnbench
