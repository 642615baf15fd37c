// AVX-512 decode scores: four query rows by four keys per step, the 16
// dot products reduced at once (kernels/decode_tile-inl.h, which calls
// them; empty on other targets).

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_DECODE_SCORES_AVX3_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_DECODE_SCORES_AVX3_INL_H_
#undef ATTNBENCH_KERNELS_DECODE_SCORES_AVX3_INL_H_
#else
#define ATTNBENCH_KERNELS_DECODE_SCORES_AVX3_INL_H_
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

#if HWY_TARGET <= HWY_AVX3
// Four rows by four keys of dot products, reduced across lanes at once:
// acc[r][j] holds row r's partial sums with key j. Returns, in 128-bit
// block r, the four keys' scores of row r: per row, BlockSums4 leaves
// each block's partial sums of the four keys side by side; the four rows'
// vectors are then summed across blocks with 128-bit block shuffles
// (vshuff32x4). 45 operations for 16 dot products, none through memory.
HWY_INLINE hn::Vec512<float> SumOfLanes4x4(hn::Vec512<float> (&acc)[4][4]) {
  using V = hn::Vec512<float>;
  const hn::Full512<float> d;
  V x[4];
  for (size_t r = 0; r < 4; ++r) {
    x[r] = BlockSums4(d, acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
  }
  // Blocks (a0 + a1, a2 + a3, b0 + b1, b2 + b3) of blocks a0..a3, b0..b3.
  const auto pair_sums = [](V a, V b) {
    // maskz with every lane set: the plain shuffle, without g++ 12's
    // false maybe-uninitialized warning on _mm512_shuffle_f32x4.
    return V{
        _mm512_add_ps(_mm512_maskz_shuffle_f32x4(0xFFFF, a.raw, b.raw, 0x88),
                      _mm512_maskz_shuffle_f32x4(0xFFFF, a.raw, b.raw, 0xDD))};
  };
  return pair_sums(pair_sums(x[0], x[1]), pair_sums(x[2], x[3]));
}

// s[r * ld + t + j] = q_r . k[t + j] for the 4 rows at q and keys t .. t+3,
// t < n_keys rounded down to 4 (returned): each q vector loaded once for
// four keys, one reduction for all 16 sums. Fetches ahead[t + j] (t + j <
// n_ahead) in address order, spread over the steps of d (FetcherFor).
template <class D, class Rows, class Ahead>
HWY_INLINE size_t DecodeScores4x4(D d, const float* HWY_RESTRICT q, size_t dim,
                                  Rows k, size_t n_keys, float* HWY_RESTRICT s,
                                  size_t ld, Ahead ahead, size_t n_ahead) {
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  const size_t whole = dim / N * N;
  size_t t = 0;
  for (; t + 4 <= n_keys; t += 4) {
    // The four rows ahead in address order, spread over the steps.
    FourKeys<Rows, Ahead> keys(k, t, ahead, n_ahead, dim, whole / N);
    const auto* k0 = keys.row[0];
    const auto* k1 = keys.row[1];
    const auto* k2 = keys.row[2];
    const auto* k3 = keys.row[3];
    V acc[4][4];
    for (size_t r = 0; r < 4; ++r) {
      for (size_t j = 0; j < 4; ++j) acc[r][j] = hn::Zero(d);
    }
    for (size_t x = 0; x < whole; x += N) {
      keys.Step();
      const V kv0 = LoadWide(d, k0 + x);
      const V kv1 = LoadWide(d, k1 + x);
      const V kv2 = LoadWide(d, k2 + x);
      const V kv3 = LoadWide(d, k3 + x);
      for (size_t r = 0; r < 4; ++r) {
        const V qv = hn::LoadU(d, q + r * dim + x);
        acc[r][0] = hn::MulAdd(qv, kv0, acc[r][0]);
        acc[r][1] = hn::MulAdd(qv, kv1, acc[r][1]);
        acc[r][2] = hn::MulAdd(qv, kv2, acc[r][2]);
        acc[r][3] = hn::MulAdd(qv, kv3, acc[r][3]);
      }
    }
    keys.Rest();  // lines of the d tail, where there is one
    const hn::Vec512<float> z = SumOfLanes4x4(acc);
    if (whole == dim) {  // block r: row r's four scores
      hn::StoreU(hn::LowerHalf(hn::LowerHalf(z)), hn::Full128<float>(), s + t);
      _mm_storeu_ps(s + ld + t, _mm512_maskz_extractf32x4_ps(0xF, z.raw, 1));
      _mm_storeu_ps(s + 2 * ld + t,
                    _mm512_maskz_extractf32x4_ps(0xF, z.raw, 2));
      _mm_storeu_ps(s + 3 * ld + t,
                    _mm512_maskz_extractf32x4_ps(0xF, z.raw, 3));
      continue;
    }
    HWY_ALIGN float sums[16];
    hn::Store(z, d, sums);
    FinishScores4(q, dim, whole, std::array{k0, k1, k2, k3}, sums, 0, 4, s, ld,
                  t);
  }
  return t;
}
#endif

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_DECODE_SCORES_AVX3_INL_H_
