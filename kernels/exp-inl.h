// e^x for the softmax, where x = s - max <= 0: cheaper than hn::Exp (no
// overflow branch, one scaling step, Horner polynomial). Error measured on
// every target by tests/exp_test.cc over [-86.5, 0] (the test allows 2 ULP).
//
//   n = round(x / ln 2),  r = x - n ln 2 (in two parts, |r| <= ln(2) / 2),
//   e^x = 2^n * (1 + r + r^2 P(r)),  P of degree 4: a minimax fit of the
//   relative error over |r| <= ln(2) / 2 (3e-9 in exact arithmetic, well
//   under fp32's 6e-8, so the Taylor terms of degree 7 buy nothing).
//
// 2^n: on AVX-512, vscalefps (p * 2^n for a float n; NaN in, NaN out);
// elsewhere an integer add of n << 23 into p's exponent bits, n taken from
// the low mantissa bits of x / ln 2 + 1.5 * 2^23.
//
// Two entry points:
//   ExpNonPositive  exact semantics: 0 below -86.5 (e^-86.5 = 2.7e-38, so
//                   results stay normal), NaN for NaN.
//   ExpClamped      below -86.5 it returns e^-86.5 instead of 0; a NaN
//                   comes out as NaN only where kExpClampedKeepsNaN (AVX-512),
//                   elsewhere as any value. Two to four vector operations
//                   fewer (of 16 to 20), for loops whose tiny results are
//                   multiplied by a weight or summed with a term >= 1 (and,
//                   without kExpClampedKeepsNaN, that checked their inputs
//                   are finite).

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

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
inline constexpr bool kExpClampedKeepsNaN = true;
// p * 2^n per vector width (the masked forms with every lane set: the
// unmasked ones leave g++ 12 warning of an undefined operand).
HWY_INLINE __m512 ScaleByPow2(__m512 p, __m512 n) {
  return _mm512_mask_scalef_ps(p, static_cast<__mmask16>(0xFFFF), p, n);
}
HWY_INLINE __m256 ScaleByPow2(__m256 p, __m256 n) {
  return _mm256_mask_scalef_ps(p, static_cast<__mmask8>(0xFF), p, n);
}
HWY_INLINE __m128 ScaleByPow2(__m128 p, __m128 n) {
  return _mm_mask_scalef_ps(p, static_cast<__mmask8>(0xF), p, n);
}
#else
inline constexpr bool kExpClampedKeepsNaN = false;
#endif

// x <= 0, finite or -inf: e^max(x, -86.5) (NaN: see kExpClampedKeepsNaN).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpClamped(D d, V x) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Max(lo, x) is vmaxps, which returns its second operand, x, when either
  // is NaN: a NaN goes through, and vscalefps keeps it.
  x = hn::Max(hn::Set(d, -86.5f), x);
  const V n = hn::Round(hn::Mul(x, hn::Set(d, 1.44269504088896341f)));
#else
  const hn::RebindToSigned<D> di;
  // Adding 1.5 * 2^23 rounds x / ln 2 to an integer n held in the low
  // mantissa bits of t; shifting t's bits left by 23 then gives n << 23,
  // the exponent increment of 2^n.
  const V kRound = hn::Set(d, 12582912.0f);
  x = hn::Max(x, hn::Set(d, -86.5f));
  const V t = hn::MulAdd(x, hn::Set(d, 1.44269504088896341f), kRound);
  const V n = hn::Sub(t, kRound);
#endif
  V r = hn::MulAdd(n, hn::Set(d, -0.693145751953125f), x);
  r = hn::MulAdd(n, hn::Set(d, -1.428606765330187045e-6f), r);
  V p = hn::Set(d, 1.381461276e-03f);
  p = hn::MulAdd(p, r, hn::Set(d, 8.368710056e-03f));
  p = hn::MulAdd(p, r, hn::Set(d, 4.166838899e-02f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.666652113e-01f));
  p = hn::MulAdd(p, r, hn::Set(d, 4.999999404e-01f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  return V{ScaleByPow2(p.raw, n.raw)};
#else
  return hn::BitCast(
      d, hn::Add(hn::BitCast(di, p), hn::ShiftLeft<23>(hn::BitCast(di, t))));
#endif
}

// x <= 0 (-inf included: 0) and NaN (NaN).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpNonPositive(D d, V x) {
  const auto underflow = hn::Lt(x, hn::Set(d, -86.5f));  // false for NaN
  const V e = hn::IfThenZeroElse(underflow, ExpClamped(d, x));
  if constexpr (kExpClampedKeepsNaN) {
    return e;
  } else {
    return hn::IfThenElse(hn::IsNaN(x), x, e);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_EXP_INL_H_
