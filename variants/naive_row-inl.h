// One query row of naive, forward and backward alike: the keys the mask
// lets through, gathered with their weights and biased scores, and their
// weighted exponentials. Compiled once per Highway target, inside naive's
// translation units.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_VARIANTS_NAIVE_ROW_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_VARIANTS_NAIVE_ROW_INL_H_
#undef ATTNBENCH_VARIANTS_NAIVE_ROW_INL_H_
#else
#define ATTNBENCH_VARIANTS_NAIVE_ROW_INL_H_
#endif

#include <cstdint>

#include "harness/contract/mask.h"
#include "hwy/highway.h"
#include "kernels/row_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The keys row p of head h sees (w > 0), in order: index[t], weights[t]
// and kept[t] = scores[j] - slope (p - j) for t < the count returned.
// weights, kept and index hold Nk entries each.
HWY_INLINE size_t GatherVisibleKeys(const Problem& problem, int64_t h,
                                    int64_t p, const float* scores,
                                    float* weights, float* kept,
                                    int64_t* index) {
  const MaskRule& rule = problem.mask.Rule();
  const KeyRange bounds = rule.Bounds(h, p, problem.shape.Nk);
  const double slope = rule.BiasSlope(h, problem.shape.H);
  rule.WeightRow(h, p, bounds.begin, bounds.size(), weights);
  size_t n = 0;
  for (int64_t j = bounds.begin; j < bounds.end; ++j) {
    const float weight = weights[j - bounds.begin];
    if (!(weight > 0.0f)) continue;
    index[n] = j;
    weights[n] = weight;  // n <= j - bounds.begin: never ahead of the read
    kept[n] =
        scores[j] + static_cast<float>(-slope * static_cast<double>(p - j));
    ++n;
  }
  return n;
}

// kept[t] = weights[t] exp(kept[t] - max kept) for t < n (n >= 1); returns
// their sum (0 only when every score is -inf: NaN follows, as the formula).
template <class D>
HWY_INLINE float WeightedExp(D d, const float* weights, float* kept, size_t n) {
  ExpShifted(d, kept, n, RowMax(d, kept, n));
  for (size_t t = 0; t < n; ++t) kept[t] *= weights[t];
  return RowSum(d, kept, n);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_VARIANTS_NAIVE_ROW_INL_H_
