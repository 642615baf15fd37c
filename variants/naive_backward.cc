// naive's backward pass: the dense baseline of docs/semantics.md
// "Gradients". Like the forward it materialises a full row of scores per
// query (Nq * Nk dot products whatever the mask), then the row's
// probabilities over the visible keys, and from them the gradients:
//   o_p = sum_j P_pj v_j,  D_p = dO_p . o_p
//   dS_pj = P_pj (dO_p . v_j - D_p)
//   dQ_p = scale sum_j dS_pj k_j,  dK_j += scale dS_pj q_p,
//   dV_j += P_pj dO_p
// One task per (batch, kv head) owns that head's dK and dV and walks the
// group's query heads and rows in order: no atomics, and the same bits for
// every thread count.
#include "variants/naive_backward.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "harness/contract/mask.h"
#include "harness/contract/workspace.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/naive_backward.cc"
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

// Per-thread scratch: the row of scores, the visible keys' weights,
// indices and probabilities, and the row's output.
struct BackwardScratch {
  explicit BackwardScratch(const Problem& p)
      : scores(static_cast<size_t>(p.shape.Nk)),
        weights(scores.size()),
        prob(scores.size()),
        index(scores.size()),
        o(static_cast<size_t>(p.shape.D)) {}
  ScratchBuffer<float> scores, weights, prob;
  ScratchBuffer<int64_t> index;
  ScratchBuffer<float> o;
};

// The gradients of query row i of head h (kv rows at k, v; their dK, dV
// at dk, dv), accumulated; the row's dQ written.
void BackwardRow(const Problem& problem, const Tensors& t, const Gradients& g,
                 int64_t b, int64_t h, int64_t i, int64_t kv0,
                 BackwardScratch& w) {
  const hn::ScalableTag<float> df;
  const Shape& s = problem.shape;
  const size_t dim = static_cast<size_t>(s.D);
  const float scale = static_cast<float>(problem.Scale());
  const int64_t row = (b * s.H + h) * s.Nq + i;
  const int64_t p = s.Nk - s.Nq + i;
  const float* q = t.q + row * s.D;
  const float* d_out = g.d_out + row * s.D;
  const float* k = t.k + kv0;
  const float* v = t.v + kv0;
  float* dq = g.dq + row * s.D;
  std::fill(dq, dq + dim, 0.0f);
  // The materialised row of scores, every key.
  float* scores = w.scores.data();
  for (int64_t j = 0; j < s.Nk; ++j) {
    scores[j] = scale * hn::Dot::Compute<0>(df, q, k + j * s.D, dim);
  }
  // The visible keys: weights, biased scores, then probabilities.
  float* weights = w.weights.data();
  float* prob = w.prob.data();
  const int64_t* index = w.index.data();
  const size_t n =
      GatherVisibleKeys(problem, h, p, scores, weights, prob, w.index.data());
  if (n == 0) return;  // the output is the constant 0: no gradient
  ScaleRow(df, 1.0f / WeightedExp(df, weights, prob, n), prob, n);
  float* o = w.o.data();
  std::fill(o, o + dim, 0.0f);
  for (size_t u = 0; u < n; ++u) {
    MulAddWideRow(df, prob[u], v + index[u] * s.D, o, dim);
  }
  const float d_row = hn::Dot::Compute<0>(df, d_out, o, dim);
  for (size_t u = 0; u < n; ++u) {
    const int64_t j = index[u];
    const float dp = hn::Dot::Compute<0>(df, d_out, v + j * s.D, dim);
    const float ds = scale * prob[u] * (dp - d_row);
    MulAddWideRow(df, ds, k + j * s.D, dq, dim);
    MulAddWideRow(df, ds, q, g.dk + kv0 + j * s.D, dim);
    MulAddWideRow(df, prob[u], d_out, g.dv + kv0 + j * s.D, dim);
  }
}

void NaiveBackwardImpl(const Problem& problem, const Tensors& t,
                       const Gradients& g) {
  const Shape& s = problem.shape;
  tbb::enumerable_thread_specific<BackwardScratch> scratch(
      [&] { return BackwardScratch(problem); });
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, s.B * s.Hkv, 1),
      [&](const tbb::blocked_range<int64_t>& tasks) HWY_ATTR {
        BackwardScratch& w = scratch.local();
        for (int64_t task = tasks.begin(); task != tasks.end(); ++task) {
          const int64_t b = task / s.Hkv, kv = task % s.Hkv;
          const int64_t kv0 = task * s.Nk * s.D;
          std::fill(g.dk + kv0, g.dk + kv0 + s.Nk * s.D, 0.0f);
          std::fill(g.dv + kv0, g.dv + kv0 + s.Nk * s.D, 0.0f);
          const int64_t group = s.H / s.Hkv;
          for (int64_t h = kv * group; h < (kv + 1) * group; ++h) {
            for (int64_t i = 0; i < s.Nq; ++i) {
              BackwardRow(problem, t, g, b, h, i, kv0, w);
            }
          }
        }
      });
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(NaiveBackwardImpl);

void NaiveBackward(const Problem& problem, const Tensors& tensors,
                   const Gradients& grads) {
  HWY_DYNAMIC_DISPATCH(NaiveBackwardImpl)(problem, tensors, grads);
}

size_t NaiveBackwardWorkspaceBytes(const Problem& problem) {
  // Per thread Nk scores, weights, probabilities and key indices, and an
  // output row.
  return static_cast<size_t>(problem.threads) *
         (static_cast<size_t>(problem.shape.Nk) *
              (3 * sizeof(float) + sizeof(int64_t)) +
          static_cast<size_t>(problem.shape.D) * sizeof(float));
}

}  // namespace attnbench
#endif  // HWY_ONCE
