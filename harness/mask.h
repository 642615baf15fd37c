// The mask semantics of DESIGN.md as two functions every variant and the
// oracle share: which keys a query position may see, and with what weight.
// Every mask of the suite sees a contiguous range of keys ending at the
// query's own position (or at Nk - 1 for kNone), so a range says it all.
#ifndef ATTNBENCH_HARNESS_MASK_H_
#define ATTNBENCH_HARNESS_MASK_H_

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "harness/mask_rule.h"
#include "harness/problem.h"

namespace attnbench {

// Keys with weight > 0 for head h and query position p (0 <= p < nk): all
// of them for the built-in masks; for a custom rule a range that holds them
// (its Bounds), with masked keys possibly inside.
inline KeyRange VisibleKeys(const Mask& mask, int64_t h, int64_t p,
                            int64_t nk) {
  switch (mask.kind) {
    case MaskKind::kCustom:
      return mask.rule->Bounds(h, p, nk);
    case MaskKind::kNone:
      return {0, nk};
    case MaskKind::kCausal:
      return {0, p + 1};
    case MaskKind::kWindow:
      // p - W < j <= p.
      return {std::max<int64_t>(0, p - mask.window + 1), p + 1};
    case MaskKind::kSpan: {
      // w > 0 iff the distance x = p - j satisfies x < z_h + R, so the
      // smallest visible j is p - ceil(z_h + R) + 1.
      const double reach = mask.SpanOf(h) + mask.ramp;
      if (reach > static_cast<double>(p)) return {0, p + 1};
      const int64_t begin = p - static_cast<int64_t>(std::ceil(reach)) + 1;
      return {std::max<int64_t>(0, begin), p + 1};
    }
  }
  return {0, 0};
}

// The first key of VisibleKeys(...) from which on every weight is exactly 1
// (the flat part of an adaptive span: x <= z_h; all keys for other masks).
inline int64_t FlatBegin(const Mask& mask, int64_t h, int64_t p, int64_t nk) {
  const KeyRange r = VisibleKeys(mask, h, p, nk);
  if (mask.kind == MaskKind::kCustom) return r.end;  // the rule's Pieces say
  if (mask.kind != MaskKind::kSpan) return r.begin;
  const double z = mask.SpanOf(h);
  if (z >= static_cast<double>(p)) return r.begin;
  return std::max(r.begin, p - static_cast<int64_t>(std::floor(z)));
}

// Adaptive-span weight at distance x = p - j >= 0 for span z and ramp R:
// clamp((R + z - x) / R, 0, 1).
inline double SpanWeight(double z, double ramp, int64_t x) {
  const double w = (ramp + z - static_cast<double>(x)) / ramp;
  return std::clamp(w, 0.0, 1.0);
}

// The weight w in [0, 1] of key j for head h and query position p.
inline double MaskWeight(const Mask& mask, int64_t h, int64_t p, int64_t j) {
  if (mask.kind == MaskKind::kCustom) return mask.rule->Weight(h, p, j);
  const KeyRange r = VisibleKeys(mask, h, p, /*nk=*/INT64_MAX);
  if (j < r.begin || j >= r.end) return 0.0;
  if (mask.kind != MaskKind::kSpan) return 1.0;
  return SpanWeight(mask.SpanOf(h), mask.ramp, p - j);
}

// The slope of the mask's score bias s += -slope * (p - j) for head h of
// `heads` (0 without a bias).
inline double BiasSlope(const Mask& mask, int64_t h, int64_t heads) {
  return mask.kind == MaskKind::kCustom ? mask.rule->BiasSlope(h, heads) : 0.0;
}

// P of DESIGN.md: the number of (query, key) pairs with w > 0, summed over
// batch and heads.
int64_t CountVisiblePairs(const Problem& problem);

// Effective FLOPs = 4 * D * P (2D for q.k, 2D for the weighted v).
inline double EffectiveFlops(const Problem& problem) {
  return 4.0 * static_cast<double>(problem.shape.D) *
         static_cast<double>(CountVisiblePairs(problem));
}

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MASK_H_
