#include "harness/contract/mask.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

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

std::vector<std::vector<KeyRange>> KeysToRead(const Problem& problem) {
  const Shape& s = problem.shape;
  const MaskRule& rule = problem.mask.Rule();
  const int64_t heads_per_kv = s.H / s.Hkv;
  std::vector<KeySegment> segs;
  std::vector<float> weights;
  std::vector<int32_t> cover(static_cast<size_t>(s.Nk) + 1);
  // A rule without RowKeys: every weight of its rows' Bounds where the
  // rows are few (decode), else the Bounds themselves (an upper bound).
  const bool exact_scan = s.Nq * heads_per_kv <= 256;
  std::vector<std::vector<KeyRange>> ranges(static_cast<size_t>(s.Hkv));
  for (int64_t kvh = 0; kvh < s.Hkv; ++kvh) {
    // +1 where a row's visible interval begins, -1 where it ends.
    std::fill(cover.begin(), cover.end(), 0);
    const auto add = [&](int64_t a, int64_t b) {
      a = std::clamp<int64_t>(a, 0, s.Nk);
      b = std::clamp<int64_t>(b, 0, s.Nk);
      if (a >= b) return;
      ++cover[static_cast<size_t>(a)];
      --cover[static_cast<size_t>(b)];
    };
    for (int64_t h = kvh * heads_per_kv; h < (kvh + 1) * heads_per_kv; ++h) {
      for (int64_t i = 0; i < s.Nq; ++i) {
        const int64_t p = s.Nk - s.Nq + i;
        segs.clear();
        if (rule.RowKeys(h, p, 0, s.Nk, segs)) {
          for (const KeySegment& seg : segs) add(seg.begin, seg.end);
          continue;
        }
        const KeyRange r = rule.Bounds(h, p, s.Nk);
        if (!exact_scan) {
          add(r.begin, r.end);
          continue;
        }
        weights.resize(static_cast<size_t>(r.size()));
        rule.WeightRow(h, p, r.begin, r.size(), weights.data());
        for (int64_t j = r.begin; j < r.end; ++j) {
          if (weights[static_cast<size_t>(j - r.begin)] > 0.0f) add(j, j + 1);
        }
      }
    }
    std::vector<KeyRange>& out = ranges[static_cast<size_t>(kvh)];
    int64_t depth = 0;
    for (int64_t j = 0; j < s.Nk; ++j) {
      const bool seen_before = depth > 0;
      depth += cover[static_cast<size_t>(j)];
      if (depth > 0 && !seen_before) out.push_back({j, j + 1});
      if (depth > 0) out.back().end = j + 1;
    }
  }
  return ranges;
}

int64_t MinimalKvBytes(const Problem& problem) {
  int64_t keys = 0;  // per batch entry
  for (const std::vector<KeyRange>& head : KeysToRead(problem)) {
    for (const KeyRange& r : head) keys += r.size();
  }
  const Shape& s = problem.shape;
  return keys * s.B * 2 * s.D * ElementBytes(problem.storage);
}

double EffectiveFlops(const Problem& problem) {
  return 4.0 * static_cast<double>(problem.shape.D) *
         static_cast<double>(CountVisiblePairs(problem));
}

}  // namespace attnbench
