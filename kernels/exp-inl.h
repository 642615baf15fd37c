// e^x for the softmax, where x = s - max <= 0: cheaper than hn::Exp (no
// overflow branch, one scaling step, Horner polynomial). Error measured on
// every target by tests/exp_test.cc: 1 ULP over [-86.5, 0] (the test allows
// 2). Returns 0 below -86.5 (e^-86.5 = 2.7e-38), so results stay normal,
// and NaN for NaN (a NaN score must reach the output, not vanish).
//
//   n = round(x / ln 2),  r = x - n ln 2 (in two parts, |r| <= ln(2) / 2),
//   e^x = 2^n * (1 + r + r^2 P(r)),  P of degree 5 (Highway's coefficients).

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

// Valid for x <= 0 (-inf included: 0) and NaN (NaN).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpNonPositive(D d, V x) {
  const hn::RebindToSigned<D> di;
  // Adding 1.5 * 2^23 rounds x / ln 2 to an integer n held in the low
  // mantissa bits of t; shifting t's bits left by 23 then gives n << 23,
  // the exponent increment of 2^n.
  const V kRound = hn::Set(d, 12582912.0f);
  const V kLowest = hn::Set(d, -86.5f);
  const auto underflow = hn::Lt(x, kLowest);
  const V input = x;
  x = hn::Max(x, kLowest);
  const V t = hn::MulAdd(x, hn::Set(d, 1.44269504088896341f), kRound);
  const V n = hn::Sub(t, kRound);
  V r = hn::MulAdd(n, hn::Set(d, -0.693145751953125f), x);
  r = hn::MulAdd(n, hn::Set(d, -1.428606765330187045e-6f), r);
  V p = hn::Set(d, 0.000198527617612853646278381f);
  p = hn::MulAdd(p, r, hn::Set(d, 0.00139304355252534151077271f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.00833336077630519866943359f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.0416664853692054748535156f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.166666671633720397949219f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.5f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  const V scaled = hn::BitCast(
      d, hn::Add(hn::BitCast(di, p), hn::ShiftLeft<23>(hn::BitCast(di, t))));
  return hn::IfThenElse(hn::IsNaN(input), input,
                        hn::IfThenZeroElse(underflow, scaled));
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_EXP_INL_H_
