// Half-precision storage widened in registers: a vector of fp32 lanes from
// fp32, bfloat16 or binary16 elements in memory. bf16 is a shift (the top
// half of an fp32); f16 is F16C's conversion where the target has it
// (AVX2 and AVX3), else the bit layout rebuilt with integer operations
// (Highway 1.0.3's own fallback reads infinities and NaN as 65536 and up,
// so this one handles exponent 31 itself). kernels/half.h has the scalar
// twins; tests/half_test.cc checks both on every target and every bit
// pattern.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_HALF_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_HALF_INL_H_
#undef ATTNBENCH_KERNELS_HALF_INL_H_
#else
#define ATTNBENCH_KERNELS_HALF_INL_H_
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "hwy/highway.h"
#include "kernels/half.h"
#include "kernels/prefetch_hint.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The element types K and V rows may be stored in.
using Bf16 = hwy::bfloat16_t;
using F16 = hwy::float16_t;

// A tensor's elements as stored: fp32 (T = float), or the bits of a half
// type (Tensors::q16, k16, v16) as T.
template <class T>
HWY_INLINE const T* StoredAs(const float* f32, const uint16_t* half) {
  if constexpr (std::is_same_v<T, float>) {
    (void)half;
    return f32;
  } else {
    (void)f32;
    return reinterpret_cast<const T*>(half);
  }
}

// One element as fp32.
HWY_INLINE float WidenOne(float x) { return x; }
HWY_INLINE float WidenOne(Bf16 x) {
  uint16_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return FloatFromBf16Bits(bits);
}
HWY_INLINE float WidenOne(F16 x) {
  uint16_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return FloatFromF16Bits(bits);
}

// Lanes(d) elements at p (unaligned) as a vector of fp32.
template <class D>
HWY_INLINE hn::Vec<D> LoadWide(D d, const float* HWY_RESTRICT p) {
  return hn::LoadU(d, p);
}

template <class D>
HWY_INLINE hn::Vec<D> LoadWide(D d, const Bf16* HWY_RESTRICT p) {
  const hn::Rebind<uint16_t, D> du16;
  const hn::RebindToUnsigned<D> du32;
  const auto bits = hn::LoadU(du16, reinterpret_cast<const uint16_t*>(p));
  return hn::BitCast(d, hn::ShiftLeft<16>(hn::PromoteTo(du32, bits)));
}

template <class D>
HWY_INLINE hn::Vec<D> LoadWide(D d, const F16* HWY_RESTRICT p) {
#if HWY_TARGET <= HWY_AVX2
  const hn::Rebind<F16, D> dh;
  return hn::PromoteTo(d, hn::LoadU(dh, p));
#else
  const hn::Rebind<uint16_t, D> du16;
  const hn::RebindToUnsigned<D> du32;
  const hn::RebindToSigned<D> di32;
  const auto bits = hn::PromoteTo(
      du32, hn::LoadU(du16, reinterpret_cast<const uint16_t*>(p)));
  const auto sign = hn::ShiftLeft<31>(hn::ShiftRight<15>(bits));
  const auto exponent = hn::And(hn::ShiftRight<10>(bits), hn::Set(du32, 0x1F));
  const auto fraction = hn::And(bits, hn::Set(du32, 0x3FF));
  const auto normal =
      hn::Or(hn::ShiftLeft<23>(hn::Add(exponent, hn::Set(du32, 127 - 15))),
             hn::ShiftLeft<13>(fraction));
  const auto special =
      hn::Or(hn::Set(du32, 0x7F800000u), hn::ShiftLeft<13>(fraction));
  const auto subnormal =
      hn::BitCast(du32, hn::Mul(hn::ConvertTo(d, hn::BitCast(di32, fraction)),
                                hn::Set(d, 1.0f / 16777216.0f)));
  const auto zero_exponent = hn::Eq(exponent, hn::Zero(du32));
  const auto max_exponent = hn::Eq(exponent, hn::Set(du32, 0x1F));
  const auto magnitude = hn::IfThenElse(
      zero_exponent, subnormal, hn::IfThenElse(max_exponent, special, normal));
  return hn::BitCast(d, hn::Or(sign, magnitude));
#endif
}

// Prefetches the cache line at p into the caches kernels/prefetch_hint.h
// names: T0 (all caches) or T1 (the outer ones).
HWY_INLINE void PrefetchLineHinted(const void* p) {
  if (detail::prefetch_to_outer_caches) {
    __builtin_prefetch(p, 0, 2);
  } else {
    __builtin_prefetch(p, 0, 3);
  }
}

// Prefetches the 64-byte steps of a row that start at elements [x0, x1):
// PrefetchRowPart(row, 0, dim) fetches the whole row.
template <class T>
HWY_INLINE void PrefetchRowPart(const T* row, size_t x0, size_t x1) {
  constexpr size_t kStep = 64 / sizeof(T);
  for (size_t x = (x0 + kStep - 1) / kStep * kStep; x < x1; x += kStep) {
    PrefetchLineHinted(row + x);
  }
}

// Prefetches the cache lines of one row of dim elements.
template <class T>
HWY_INLINE void PrefetchRow(const T* row, size_t dim) {
  PrefetchRowPart(row, 0, dim);
}

// One cache line of each 4 KiB page of [p, p + bytes) fetched into the
// outer caches (the hint T2), far ahead of a stream (decode:
// PrefetchPagesAhead in variants/engine/decode_fetch-inl.h; the read
// bandwidth probe). The addresses may lie past the end of the buffer: a
// prefetch does not fault.
HWY_INLINE void PrefetchPages(const void* p, size_t bytes) {
  const auto begin = reinterpret_cast<uintptr_t>(p);
  for (uintptr_t a = begin; a < begin + bytes; a += 4096) {
    __builtin_prefetch(reinterpret_cast<const void*>(a), 0, 1);
  }
}

// dst[x] = src[x] as fp32 for x < n.
template <class T>
HWY_INLINE void WidenRow(const T* HWY_RESTRICT src, size_t n,
                         float* HWY_RESTRICT dst) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  size_t x = 0;
  for (; x + N <= n; x += N) hn::StoreU(LoadWide(d, src + x), d, dst + x);
  for (; x < n; ++x) dst[x] = WidenOne(src[x]);
}

// Whether the n elements at x are all finite.
// (x * 0 is 0 exactly for finite x, NaN otherwise, as AllFinite.)
template <class D, class T>
HWY_INLINE bool AllFiniteWide(D d, const T* HWY_RESTRICT x, size_t n) {
  const size_t N = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  auto acc = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) acc = hn::MulAdd(LoadWide(d, x + i), zero, acc);
  float rest = 0.0f;
  for (; i < n; ++i) rest += WidenOne(x[i]) * 0.0f;
  return rest == 0.0f && hn::AllTrue(d, hn::Eq(acc, zero));
}

// o[x] += a * v[x] for x < n, v widened.
template <class D, class T>
HWY_INLINE void MulAddWideRow(D d, float a, const T* HWY_RESTRICT v, float* o,
                              size_t n) {
  const size_t N = hn::Lanes(d);
  const auto va = hn::Set(d, a);
  size_t x = 0;
  for (; x + N <= n; x += N) {
    hn::StoreU(hn::MulAdd(va, LoadWide(d, v + x), hn::LoadU(d, o + x)), d,
               o + x);
  }
  for (; x < n; ++x) o[x] += a * WidenOne(v[x]);
}

// sum_x q[x] * k[x] for x < n, k widened: two accumulators, then a
// reduction across lanes and a scalar tail.
template <class D, class T>
HWY_INLINE float DotWide(D d, const float* HWY_RESTRICT q,
                         const T* HWY_RESTRICT k, size_t n) {
  const size_t N = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d);
  size_t x = 0;
  for (; x + 2 * N <= n; x += 2 * N) {
    a0 = hn::MulAdd(hn::LoadU(d, q + x), LoadWide(d, k + x), a0);
    a1 = hn::MulAdd(hn::LoadU(d, q + x + N), LoadWide(d, k + x + N), a1);
  }
  for (; x + N <= n; x += N) {
    a0 = hn::MulAdd(hn::LoadU(d, q + x), LoadWide(d, k + x), a0);
  }
  float sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(a0, a1)));
  for (; x < n; ++x) sum += q[x] * WidenOne(k[x]);
  return sum;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_HALF_INL_H_
