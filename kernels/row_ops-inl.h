// Highway kernels over one row of floats: max, shifted exp, sum, axpy and
// scale. They know nothing of masks or variants. Every function accepts any
// length n >= 1 and any alignment: lengths below one vector run a scalar
// loop; otherwise the last, partial vector is handled by re-reading the
// final full vector and keeping the lanes already done (no reads past n).

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_ROW_OPS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_ROW_OPS_INL_H_
#undef ATTNBENCH_KERNELS_ROW_OPS_INL_H_
#else
#define ATTNBENCH_KERNELS_ROW_OPS_INL_H_
#endif

#include <cmath>
#include <cstddef>

#include "hwy/highway.h"
#include "kernels/exp-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// max_i x[i], n >= 1. NaN lanes are ignored unless every lane is NaN.
template <class D>
HWY_INLINE float RowMax(D d, const float* HWY_RESTRICT x, size_t n) {
  const size_t N = hn::Lanes(d);
  if (n < N) {
    float m = x[0];
    for (size_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
    return m;
  }
  auto m0 = hn::LoadU(d, x);
  auto m1 = m0;
  size_t i = N;
  for (; i + 2 * N <= n; i += 2 * N) {
    m0 = hn::Max(m0, hn::LoadU(d, x + i));
    m1 = hn::Max(m1, hn::LoadU(d, x + i + N));
  }
  for (; i + N <= n; i += N) m0 = hn::Max(m0, hn::LoadU(d, x + i));
  // Max is idempotent, so the overlapping last vector needs no mask.
  if (i < n) m0 = hn::Max(m0, hn::LoadU(d, x + n - N));
  return hn::GetLane(hn::MaxOfLanes(d, hn::Max(m0, m1)));
}

// sum_i x[i], n >= 1.
template <class D>
HWY_INLINE float RowSum(D d, const float* HWY_RESTRICT x, size_t n) {
  const size_t N = hn::Lanes(d);
  if (n < N) {
    float s = 0.0f;
    for (size_t i = 0; i < n; ++i) s += x[i];
    return s;
  }
  auto s0 = hn::Zero(d);
  auto s1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = hn::Add(s0, hn::LoadU(d, x + i));
    s1 = hn::Add(s1, hn::LoadU(d, x + i + N));
  }
  for (; i + N <= n; i += N) s0 = hn::Add(s0, hn::LoadU(d, x + i));
  if (i < n) {
    // Lanes [0, N - (n - i)) of the last full vector were already summed.
    const auto done = hn::FirstN(d, N - (n - i));
    s1 = hn::Add(s1, hn::IfThenZeroElse(done, hn::LoadU(d, x + n - N)));
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
}

// x[i] = exp(x[i] - shift) in place, for x[i] <= shift (the row's max):
// ExpNonPositive (kernels/exp-inl.h, 1 ULP, NaN stays NaN).
template <class D>
HWY_INLINE void ExpShifted(D d, float* HWY_RESTRICT x, size_t n, float shift) {
  const size_t N = hn::Lanes(d);
  if (n < N) {
    for (size_t i = 0; i < n; ++i) x[i] = std::exp(x[i] - shift);
    return;
  }
  const auto vshift = hn::Set(d, shift);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(ExpNonPositive(d, hn::Sub(hn::LoadU(d, x + i), vshift)), d,
               x + i);
  }
  if (i < n) {
    const auto done = hn::FirstN(d, N - (n - i));
    const auto old = hn::LoadU(d, x + n - N);
    const auto fresh = ExpNonPositive(d, hn::Sub(old, vshift));
    hn::StoreU(hn::IfThenElse(done, old, fresh), d, x + n - N);
  }
}

// True iff no x[i] is NaN or infinite (x * 0 is NaN exactly for those).
template <class D>
HWY_INLINE bool AllFinite(D d, const float* HWY_RESTRICT x, size_t n) {
  const size_t N = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  auto acc = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) acc = hn::MulAdd(hn::LoadU(d, x + i), zero, acc);
  float rest = 0.0f;
  for (; i < n; ++i) rest += x[i] * 0.0f;
  return rest == 0.0f && hn::AllTrue(d, hn::Eq(acc, zero));
}

// o[i] += a * v[i].
template <class D>
HWY_INLINE void MulAddRow(D d, float a, const float* HWY_RESTRICT v,
                          float* HWY_RESTRICT o, size_t n) {
  const size_t N = hn::Lanes(d);
  if (n < N) {
    for (size_t i = 0; i < n; ++i) o[i] += a * v[i];
    return;
  }
  const auto va = hn::Set(d, a);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::MulAdd(va, hn::LoadU(d, v + i), hn::LoadU(d, o + i)), d,
               o + i);
  }
  if (i < n) {
    const auto done = hn::FirstN(d, N - (n - i));
    const auto old = hn::LoadU(d, o + n - N);
    const auto fresh = hn::MulAdd(va, hn::LoadU(d, v + n - N), old);
    hn::StoreU(hn::IfThenElse(done, old, fresh), d, o + n - N);
  }
}

// x[i] *= a.
template <class D>
HWY_INLINE void ScaleRow(D d, float a, float* HWY_RESTRICT x, size_t n) {
  const size_t N = hn::Lanes(d);
  if (n < N) {
    for (size_t i = 0; i < n; ++i) x[i] *= a;
    return;
  }
  const auto va = hn::Set(d, a);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::Mul(va, hn::LoadU(d, x + i)), d, x + i);
  }
  if (i < n) {
    const auto done = hn::FirstN(d, N - (n - i));
    const auto old = hn::LoadU(d, x + n - N);
    hn::StoreU(hn::IfThenElse(done, old, hn::Mul(va, old)), d, x + n - N);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_ROW_OPS_INL_H_
