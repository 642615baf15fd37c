// naive: the dense baseline. For each query row it materialises the full row
// of scores against every key, masks it, takes the softmax and multiplies by
// V. Cost: Nq * Nk dot products whatever the mask (what the sparse variants
// exist to avoid); O(Nk) scratch per thread. P.V runs over visible keys only,
// so a masked key never reaches the output, not even as 0 * NaN. Q, K and
// V may be stored in bf16 or f16, widened in registers (kernels/half-inl.h).
//
// Per row (b, h, i) at position p = Nk - Nq + i, with kv head h / (H / Hkv):
//   s[j] = scale * q . k_j                  for every j in [0, Nk)
//   e[j] = w_pj * exp(s[j] - m)             m = max s[j] over visible keys
//   o    = sum_j e[j] v_j / sum_j e[j]      (zeros when no key is visible)
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <type_traits>

#include "harness/contract/mask.h"
#include "harness/contract/variant.h"
#include "harness/contract/workspace.h"
#include "variants/naive_backward.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/naive.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target kernels.
#include "hwy/contrib/dot/dot-inl.h"
#include "kernels/half-inl.h"
#include "kernels/row_ops-inl.h"
#include "variants/naive_row-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Per-thread scratch: the row of scores; the weights, scores and indices
// of the keys the mask lets through.
struct NaiveScratch {
  explicit NaiveScratch(const Problem& p)
      : scores(static_cast<size_t>(p.shape.Nk)),
        weights(scores.size()),
        kept(scores.size()),
        index(scores.size()),
        q(p.storage == DType::kF32 ? 0 : static_cast<size_t>(p.shape.D)) {}
  ScratchBuffer<float> scores, weights, kept;
  ScratchBuffer<int64_t> index;
  ScratchBuffer<float> q;  // the query row widened (half precision only)
};

// Softmax and P.V of row p over the keys the rule lets through (w > 0),
// gathered first so that masked keys enter neither max, sum nor output:
//   kept_t = s[j_t] - slope (p - j_t);  e_t = w_t exp(kept_t - max kept)
//   o = sum_t e_t v_{j_t} / sum_t e_t   (zeros when no key is visible)
template <class T>
void SoftmaxRow(const Problem& problem, int64_t h, int64_t p,
                const T* HWY_RESTRICT v, NaiveScratch& w,
                float* HWY_RESTRICT o) {
  const hn::ScalableTag<float> df;
  const Shape& s = problem.shape;
  const size_t dim = static_cast<size_t>(s.D);
  float* weights = w.weights.data();
  float* kept = w.kept.data();
  const int64_t* index = w.index.data();
  const size_t n = GatherVisibleKeys(problem, h, p, w.scores.data(), weights,
                                     kept, w.index.data());
  std::fill(o, o + dim, 0.0f);
  if (n == 0) return;
  const float sum = WeightedExp(df, weights, kept, n);
  for (size_t t = 0; t < n; ++t) {
    MulAddWideRow(df, kept[t], v + index[t] * s.D, o, dim);
  }
  ScaleRow(df, 1.0f / sum, o, dim);
}

template <class T>
void NaiveRow(const Problem& problem, const Tensors& t, int64_t row,
              NaiveScratch& scratch) {
  float* HWY_RESTRICT scores = scratch.scores.data();
  const hn::ScalableTag<float> df;
  const Shape& s = problem.shape;
  const int64_t i = row % s.Nq;
  const int64_t h = (row / s.Nq) % s.H;
  const int64_t b = row / (s.Nq * s.H);
  const int64_t kv = b * s.Hkv + h / (s.H / s.Hkv);
  const size_t dim = static_cast<size_t>(s.D);
  const T* HWY_RESTRICT k = StoredAs<T>(t.k, t.k16) + kv * s.Nk * s.D;
  const float scale = static_cast<float>(problem.Scale());

  // The materialised row of scores, every key (half precision: q widened
  // once, k in registers).
  if constexpr (std::is_same_v<T, float>) {
    const float* HWY_RESTRICT q = t.q + row * s.D;
    for (int64_t j = 0; j < s.Nk; ++j) {
      scores[j] = scale * hn::Dot::Compute<0>(df, q, k + j * s.D, dim);
    }
  } else {
    WidenRow(StoredAs<T>(t.q, t.q16) + row * s.D, dim, scratch.q.data());
    for (int64_t j = 0; j < s.Nk; ++j) {
      scores[j] = scale * DotWide(df, scratch.q.data(), k + j * s.D, dim);
    }
  }
  SoftmaxRow(problem, h, s.Nk - s.Nq + i,
             StoredAs<T>(t.v, t.v16) + kv * s.Nk * s.D, scratch,
             t.o + row * s.D);
}

template <class T>
void NaiveRows(const Problem& problem, const Tensors& t) {
  const Shape& s = problem.shape;
  tbb::enumerable_thread_specific<NaiveScratch> scratch(
      [&] { return NaiveScratch(problem); });
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, s.B * s.H * s.Nq),
                    [&](const tbb::blocked_range<int64_t>& rows) HWY_ATTR {
                      NaiveScratch& w = scratch.local();
                      for (int64_t r = rows.begin(); r != rows.end(); ++r) {
                        NaiveRow<T>(problem, t, r, w);
                      }
                    });
}

// Q, K and V stored as fp32, bf16 or f16 (Problem::storage).
void NaiveAttention(const Problem& problem, const Tensors& t) {
  switch (problem.storage) {
    case DType::kBF16:
      NaiveRows<Bf16>(problem, t);
      return;
    case DType::kF16:
      NaiveRows<F16>(problem, t);
      return;
    case DType::kF32:
      break;
  }
  NaiveRows<float>(problem, t);
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
  // Every registered mask kind: naive is the dense baseline every other
  // variant is compared with.
  std::vector<std::string> SupportedMasks() const override {
    std::vector<std::string> masks;
    for (const MaskKindInfo* k : MaskKinds()) masks.push_back(k->name);
    return masks;
  }
  size_t EstimateWorkspaceBytes(const Problem& problem) const override {
    // Per thread Nk scores, Nk weights, Nk gathered scores, Nk key indices,
    // and a widened query row for half-precision inputs.
    const size_t q_row = problem.storage == DType::kF32
                             ? 0
                             : static_cast<size_t>(problem.shape.D);
    return static_cast<size_t>(problem.threads) *
           (static_cast<size_t>(problem.shape.Nk) *
                (3 * sizeof(float) + sizeof(int64_t)) +
            q_row * sizeof(float));
  }
  // Reads Q, K and V stored in half precision, widening in registers.
  bool ReadsHalfPrecision() const override { return true; }
  void Run(const Problem& problem, const Tensors& tensors) const override {
    HWY_DYNAMIC_DISPATCH(NaiveAttention)(problem, tensors);
  }
  // The materialised backward (variants/naive_backward.h).
  bool HasBackward() const override { return true; }
  size_t EstimateBackwardWorkspaceBytes(const Problem& problem) const override {
    return NaiveBackwardWorkspaceBytes(problem);
  }
  void RunBackward(const Problem& problem, const Tensors& tensors,
                   const Gradients& grads) const override {
    NaiveBackward(problem, tensors, grads);
  }
};

ATTNBENCH_REGISTER_VARIANT(Naive);

}  // namespace attnbench
#endif  // HWY_ONCE
