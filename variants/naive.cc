// naive: the dense baseline. For each query row it materialises the full row
// of scores against every key, masks it, takes the softmax and multiplies by
// V. Cost: Nq * Nk dot products whatever the mask (what the sparse variants
// exist to avoid); O(Nk) scratch per thread. P.V runs over visible keys only,
// so a masked key never reaches the output, not even as 0 * NaN.
//
// Per row (b, h, i) at position p = Nk - Nq + i, with kv head h / (H / Hkv):
//   s[j] = scale * q . k_j                  for every j in [0, Nk)
//   e[j] = w_pj * exp(s[j] - m)             m = max s[j] over visible keys
//   o    = sum_j e[j] v_j / sum_j e[j]      (zeros when no key is visible)
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "harness/mask.h"
#include "harness/mask_rule.h"
#include "harness/variant.h"
#include "harness/workspace.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/naive.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target kernels.
#include "hwy/contrib/dot/dot-inl.h"
#include "kernels/row_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Per-thread scratch: the row of scores; for custom rules also the row's
// weights and the scores and indices of its visible keys.
struct NaiveScratch {
  explicit NaiveScratch(const Problem& p)
      : scores(static_cast<size_t>(p.shape.Nk)),
        weights(p.mask.kind == MaskKind::kCustom ? scores.size() : 0),
        kept(weights.size()),
        index(weights.size()) {}
  ScratchBuffer<float> scores, weights, kept;
  ScratchBuffer<int64_t> index;
};

// Softmax and P.V over the keys of a custom rule that are visible (w > 0),
// gathered first so that masked keys enter neither max, sum nor output.
// Scores get the rule's bias -slope * (p - j).
void CustomRuleRow(const Problem& problem, int64_t h, int64_t p,
                   const float* HWY_RESTRICT v, NaiveScratch& w,
                   float* HWY_RESTRICT o) {
  const hn::ScalableTag<float> df;
  const Shape& s = problem.shape;
  const size_t d = static_cast<size_t>(s.D);
  const KeyRange bounds = VisibleKeys(problem.mask, h, p, s.Nk);
  const double slope = BiasSlope(problem.mask, h, s.H);
  float* weights = w.weights.data();
  float* kept = w.kept.data();
  int64_t* index = w.index.data();
  problem.mask.rule->WeightRow(h, p, bounds.begin, bounds.size(), weights);
  size_t n = 0;
  for (int64_t j = bounds.begin; j < bounds.end; ++j) {
    const float weight = weights[j - bounds.begin];
    if (!(weight > 0.0f)) continue;
    index[n] = j;
    weights[n] = weight;  // n <= j - bounds.begin: never ahead of the read
    kept[n] = w.scores.data()[j] +
              static_cast<float>(-slope * static_cast<double>(p - j));
    ++n;
  }
  std::fill(o, o + d, 0.0f);
  if (n == 0) return;
  ExpShifted(df, kept, n, RowMax(df, kept, n));
  for (size_t t = 0; t < n; ++t) kept[t] *= weights[t];
  const float sum = RowSum(df, kept, n);
  for (size_t t = 0; t < n; ++t)
    MulAddRow(df, kept[t], v + index[t] * s.D, o, d);
  ScaleRow(df, 1.0f / sum, o, d);
}

void NaiveRow(const Problem& problem, const Tensors& t, int64_t row,
              NaiveScratch& scratch) {
  float* HWY_RESTRICT scores = scratch.scores.data();
  const hn::ScalableTag<float> df;
  const Shape& s = problem.shape;
  const int64_t i = row % s.Nq;
  const int64_t h = (row / s.Nq) % s.H;
  const int64_t b = row / (s.Nq * s.H);
  const int64_t kv = b * s.Hkv + h / (s.H / s.Hkv);
  const size_t d = static_cast<size_t>(s.D);
  const float* HWY_RESTRICT q = t.q + row * s.D;
  const float* HWY_RESTRICT k = t.k + kv * s.Nk * s.D;
  const float* HWY_RESTRICT v = t.v + kv * s.Nk * s.D;
  float* HWY_RESTRICT o = t.o + row * s.D;
  const float scale = static_cast<float>(problem.Scale());

  // The materialised row of scores, every key.
  for (int64_t j = 0; j < s.Nk; ++j) {
    scores[j] = scale * hn::Dot::Compute<0>(df, q, k + j * s.D, d);
  }

  const int64_t p = s.Nk - s.Nq + i;
  if (problem.mask.kind == MaskKind::kCustom) {
    return CustomRuleRow(problem, h, p, v, scratch, o);
  }
  const KeyRange visible = VisibleKeys(problem.mask, h, p, s.Nk);
  std::fill(o, o + d, 0.0f);
  if (visible.size() == 0) return;
  float* HWY_RESTRICT e = scores + visible.begin;
  const size_t n = static_cast<size_t>(visible.size());

  ExpShifted(df, e, n, RowMax(df, e, n));
  if (problem.mask.kind == MaskKind::kSpan) {
    const double z = problem.mask.SpanOf(h);
    for (int64_t j = visible.begin; j < visible.end; ++j) {
      scores[j] *= static_cast<float>(SpanWeight(z, problem.mask.ramp, p - j));
    }
  }
  const float sum = RowSum(df, e, n);
  for (int64_t j = visible.begin; j < visible.end; ++j) {
    MulAddRow(df, scores[j], v + j * s.D, o, d);
  }
  // sum is 0 only when every visible score is -inf: NaN, as the formula.
  ScaleRow(df, 1.0f / sum, o, d);
}

void NaiveAttention(const Problem& problem, const Tensors& t) {
  const Shape& s = problem.shape;
  tbb::enumerable_thread_specific<NaiveScratch> scratch(
      [&] { return NaiveScratch(problem); });
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, s.B * s.H * s.Nq),
                    [&](const tbb::blocked_range<int64_t>& rows) HWY_ATTR {
                      NaiveScratch& w = scratch.local();
                      for (int64_t r = rows.begin(); r != rows.end(); ++r) {
                        NaiveRow(problem, t, r, w);
                      }
                    });
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(NaiveAttention);

class Naive final : public Variant {
 public:
  std::string_view Name() const override { return "naive"; }
  std::string_view Summary() const override {
    return "dense baseline: a full row of scores per query, masked, "
           "softmax, times V";
  }
  // Every mask, the registered custom kinds included: naive is the dense
  // baseline every other variant is compared with.
  std::vector<std::string> SupportedMasks() const override {
    std::vector<std::string> masks = {"none", "causal", "window", "span"};
    for (const MaskKindInfo* k : MaskKinds()) masks.push_back(k->name);
    return masks;
  }
  size_t EstimateWorkspaceBytes(const Problem& problem) const override {
    // Per thread a row of Nk scores; for custom rules also Nk weights, Nk
    // gathered scores and Nk key indices.
    const size_t per_key = problem.mask.kind == MaskKind::kCustom
                               ? 3 * sizeof(float) + sizeof(int64_t)
                               : sizeof(float);
    return static_cast<size_t>(problem.threads) *
           static_cast<size_t>(problem.shape.Nk) * per_key;
  }
  void Run(const Problem& problem, const Tensors& tensors) const override {
    HWY_DYNAMIC_DISPATCH(NaiveAttention)(problem, tensors);
  }
};

ATTNBENCH_REGISTER_VARIANT(Naive);

}  // namespace attnbench
#endif  // HWY_ONCE
