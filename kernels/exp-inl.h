// e^x for the softmax, where x = s - max <= 0: cheaper than hn::Exp (no
// overflow branch, one scaling step, Horner polynomial). Error measured on
// every target by tests/exp_test.cc over [-86.5, 0] (the test allows 2 ULP).
//
//   n = round(x / ln 2),  r = x - n ln 2 (in two parts, |r| <= ln(2) / 2),
//   e^x = 2^n * (1 + r + r^2 P(r)),  P of degree 4: a minimax fit of the
//   relative error over |r| <= ln(2) / 2 (3e-9 in exact arithmetic, well
//   under fp32's 6e-8, so the Taylor terms of degree 7 buy nothing).
//
// Two entry points:
//   ExpNonPositive  exact semantics: 0 below -86.5 (e^-86.5 = 2.7e-38, so
//                   results stay normal), NaN for NaN.
//   ExpClamped      x finite or -inf only: below -86.5 it returns e^-86.5
//                   instead of 0, and a NaN may come out as any value. Four
//                   vector operations fewer (of 20), for loops that have
//                   checked their inputs are finite and whose tiny results
//                   are multiplied by a weight or summed with a term >= 1.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_EXP_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_EXP_INL_H_
#undef ATTNBENCH_KERNELS_EXP_INL_H_
#else
#define ATTNBENCH_KERNELS_EXP_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// x <= 0, finite or -inf: e^max(x, -86.5).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpClamped(D d, V x) {
  const hn::RebindToSigned<D> di;
  // Adding 1.5 * 2^23 rounds x / ln 2 to an integer n held in the low
  // mantissa bits of t; shifting t's bits left by 23 then gives n << 23,
  // the exponent increment of 2^n.
  const V kRound = hn::Set(d, 12582912.0f);
  x = hn::Max(x, hn::Set(d, -86.5f));
  const V t = hn::MulAdd(x, hn::Set(d, 1.44269504088896341f), kRound);
  const V n = hn::Sub(t, kRound);
  V r = hn::MulAdd(n, hn::Set(d, -0.693145751953125f), x);
  r = hn::MulAdd(n, hn::Set(d, -1.428606765330187045e-6f), r);
  V p = hn::Set(d, 1.381461276e-03f);
  p = hn::MulAdd(p, r, hn::Set(d, 8.368710056e-03f));
  p = hn::MulAdd(p, r, hn::Set(d, 4.166838899e-02f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.666652113e-01f));
  p = hn::MulAdd(p, r, hn::Set(d, 4.999999404e-01f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  return hn::BitCast(
      d, hn::Add(hn::BitCast(di, p), hn::ShiftLeft<23>(hn::BitCast(di, t))));
}

// x <= 0 (-inf included: 0) and NaN (NaN).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpNonPositive(D d, V x) {
  const auto underflow = hn::Lt(x, hn::Set(d, -86.5f));
  return hn::IfThenElse(hn::IsNaN(x), x,
                        hn::IfThenZeroElse(underflow, ExpClamped(d, x)));
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_EXP_INL_H_
