// Decode scores for targets with 16 vector registers and 128- or 256-bit
// vectors (AVX2, SSE4, SSSE3): four query rows by four keys per step, in
// two passes of two rows, each pass's eight dot products reduced at once
// (kernels/decode_tile-inl.h, which calls it; the AVX3 kernel is in
// kernels/decode_scores_avx3-inl.h).

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_DECODE_SCORES_2X4_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_DECODE_SCORES_2X4_INL_H_
#undef ATTNBENCH_KERNELS_DECODE_SCORES_2X4_INL_H_
#else
#define ATTNBENCH_KERNELS_DECODE_SCORES_2X4_INL_H_
#endif

#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "hwy/highway.h"
#include "kernels/half-inl.h"
#include "kernels/lane_sums-inl.h"
#include "kernels/row_fetch-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET != HWY_SCALAR
// Whether DecodeScores4x4By2 runs on d: x86 vectors of 4 or 8 floats (four
// rows by four keys of accumulators would need 21 of 16 registers; two
// rows by four need 13).
template <class D>
constexpr bool kScores2x4 = HWY_ARCH_X86&& HWY_TARGET > HWY_AVX3&& HWY_TARGET !=
                                HWY_EMU128 &&
                            (hn::MaxLanes(D()) == 4 || hn::MaxLanes(D()) == 8);

// An empty asm that says it may change v: the compiler must load v once
// into a register, rather than fold the load into each FMA that uses it
// (g++ 12 did, for both kernels on AVX2: 10 loads per 8 FMAs, not 6). On
// AVX3 (Zen 5) the same for the 4x4 kernel was slower from memory, and it
// is not used there (docs/flash.md "Loads kept in registers").
template <class... V>
HWY_INLINE void KeepInRegister(V&... v) {
#if HWY_ARCH_X86
  ([&v] { asm("" : "+x"(v.raw)); }(), ...);
#else
  ((void)v, ...);
#endif
}

// The four scores of one row, one per 128-bit lane of the result, from its
// partial sums with four keys: BlockSums4 leaves each block's partial sums
// of the four keys side by side; the blocks are then added.
template <class D, class V = hn::Vec<D>>
HWY_INLINE hn::Vec128<float> RowScores4(D d, V a, V b, V c, V e) {
  const V x = BlockSums4(d, a, b, c, e);
  if constexpr (hn::MaxLanes(D()) == 8) {
    const hn::Half<D> dh;
    return hn::Add(hn::LowerHalf(dh, x), hn::UpperHalf(dh, x));
  } else {
    return x;
  }
}

// s[r * ld + t + j] = q_r . k[t + j] for the 4 rows at q and keys t .. t+3,
// t < n_keys rounded down to 4 (returned). Per four keys, rows 0-1 then
// rows 2-3 run over d with the four K rows (from L1 on the second pass);
// a step's two q vectors each serve four keys, its four K vectors two
// rows. The AVX2 kernel of four rows by two keys spent 1.6x its FMAs' time
// (rows in L1), much of it in its lane sums through memory; here each row
// reduces to its four scores in registers, stored as one 128-bit vector.
// Fetches ahead[t + j] (t + j < n_ahead) in address order, spread over
// the steps of both passes (FetcherFor).
template <class D, class Rows, class Ahead>
HWY_INLINE size_t DecodeScores4x4By2(D d, const float* HWY_RESTRICT q,
                                     size_t dim, Rows k, size_t n_keys,
                                     float* HWY_RESTRICT s, size_t ld,
                                     Ahead ahead, size_t n_ahead) {
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  const size_t whole = dim / N * N;
  size_t t = 0;
  for (; t + 4 <= n_keys; t += 4) {
    FourKeys<Rows, Ahead> keys(k, t, ahead, n_ahead, dim, 2 * whole / N);
    const auto* k0 = keys.row[0];
    const auto* k1 = keys.row[1];
    const auto* k2 = keys.row[2];
    const auto* k3 = keys.row[3];
    for (size_t r0 = 0; r0 < 4; r0 += 2) {
      const float* q0 = q + r0 * dim;
      const float* q1 = q0 + dim;
      V a0[4], a1[4];
      for (size_t j = 0; j < 4; ++j) a0[j] = a1[j] = hn::Zero(d);
      for (size_t x = 0; x < whole; x += N) {
        keys.Step();
        V kv0 = LoadWide(d, k0 + x);
        V kv1 = LoadWide(d, k1 + x);
        V kv2 = LoadWide(d, k2 + x);
        V kv3 = LoadWide(d, k3 + x);
        V qv0 = hn::LoadU(d, q0 + x);
        V qv1 = hn::LoadU(d, q1 + x);
        KeepInRegister(kv0, kv1, kv2, kv3, qv0, qv1);
        a0[0] = hn::MulAdd(qv0, kv0, a0[0]);
        a0[1] = hn::MulAdd(qv0, kv1, a0[1]);
        a0[2] = hn::MulAdd(qv0, kv2, a0[2]);
        a0[3] = hn::MulAdd(qv0, kv3, a0[3]);
        a1[0] = hn::MulAdd(qv1, kv0, a1[0]);
        a1[1] = hn::MulAdd(qv1, kv1, a1[1]);
        a1[2] = hn::MulAdd(qv1, kv2, a1[2]);
        a1[3] = hn::MulAdd(qv1, kv3, a1[3]);
      }
      const hn::Full128<float> d4;
      const auto z0 = RowScores4(d, a0[0], a0[1], a0[2], a0[3]);
      const auto z1 = RowScores4(d, a1[0], a1[1], a1[2], a1[3]);
      if (whole == dim) {
        hn::StoreU(z0, d4, s + r0 * ld + t);
        hn::StoreU(z1, d4, s + (r0 + 1) * ld + t);
        continue;
      }
      HWY_ALIGN float sums[8];
      hn::Store(z0, d4, sums);
      hn::Store(z1, d4, sums + 4);
      FinishScores4(q, dim, whole, std::array{k0, k1, k2, k3}, sums, r0, 2, s,
                    ld, t);
    }
    keys.Rest();  // lines of the d tail, where there is one
  }
  return t;
}
#endif

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_DECODE_SCORES_2X4_INL_H_
