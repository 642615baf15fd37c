// Highway kernels for decode: a few query rows (the heads of one
// grouped-query group times the new tokens) against a chunk of keys, with
// the head dimension d as lanes. Rows-as-lanes tiles (flash_tile-inl.h)
// would spend most lanes on padding rows here; these read each K and V
// element once per chunk for all the rows, so decode runs at the memory
// bandwidth. Buffers:
//   q[r * dim + x]        query row r, scaled by the softmax scale
//   k[t][x], v[t][x]      key / value t of the chunk: row pointers, so that
//                         the keys a sparse rule sees need not be adjacent
//   s[r * ld + t]         score, then probability, of row r and key t
//   o[r * dim + x]        unnormalised output of row r
//   ahead[t], t < n_ahead rows fetched into the caches while key t is in
//                         use (the caller's: the keys PrefetchKeys later
//                         in the task's order)
// Any dim >= 1 (a tail of dim % Lanes runs scalar), any row and key count.
// The scores are here (with the 4-row kernels in decode_scores_*-inl.h),
// O += P V in decode_values-inl.h, the tile shapes and fetch distances in
// decode_params-inl.h. kernels/decode_reference.h is the scalar twin of
// each kernel, which tests/decode_tile_test.cc compares them with on every
// target.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_DECODE_TILE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_DECODE_TILE_INL_H_
#undef ATTNBENCH_KERNELS_DECODE_TILE_INL_H_
#else
#define ATTNBENCH_KERNELS_DECODE_TILE_INL_H_
#endif

#include <cmath>
#include <cstddef>

#include "hwy/highway.h"
#include "kernels/decode_params-inl.h"
#include "kernels/decode_scores_2x4-inl.h"
#include "kernels/decode_scores_avx3-inl.h"
#include "kernels/decode_values-inl.h"
#include "kernels/half-inl.h"
#include "kernels/lane_sums-inl.h"
#include "kernels/row_fetch-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// s[r * ld + t] = sum_x q[r * dim + x] * k[t][x] for kRows rows starting
// at q, s: dot products along d, two keys per step (each q vector loaded
// once for both), reduced across lanes at the end (four at a time where
// there are four, else one by one); with four rows, four keys per step
// first (DecodeScores4x4 on AVX3, DecodeScores4x4By2 on AVX2 and SSE4). Fetches
// ahead[t] at key t, t < n_ahead (0 on later passes over the chunk).
template <size_t kRows, class D, class Rows, class Ahead>
HWY_INLINE void DecodeScoresRows(D d, const float* HWY_RESTRICT q, size_t dim,
                                 Rows k, size_t n_keys, float* HWY_RESTRICT s,
                                 size_t ld, Ahead ahead, size_t n_ahead) {
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  const size_t whole = dim / N * N;
  size_t t = 0;
#if HWY_TARGET <= HWY_AVX3
  if constexpr (kRows == 4 && hn::MaxLanes(d) == 16) {
    if (dim >= N)
      t = DecodeScores4x4(d, q, dim, k, n_keys, s, ld, ahead, n_ahead);
  }
#endif
#if HWY_TARGET != HWY_SCALAR
  if constexpr (kRows == 4 && kScores2x4<D>) {
    if (dim >= N)
      t = DecodeScores4x4By2(d, q, dim, k, n_keys, s, ld, ahead, n_ahead);
  }
#endif
  for (; t + 2 <= n_keys; t += 2) {
    const auto* k0 = k[t];
    const auto* k1 = k[t + 1];
    // Where a vector is 32 bytes or more, the rows ahead are fetched a
    // few lines between the FMAs, in address order (FetcherFor), not all
    // at once: 1 thread, causal Nk=65536, AVX3 (Zen 5), 3 interleaved
    // rounds: 28.5 -> 30.8 GB/s; AVX2 2 threads 36.4 -> 37.9 (then a
    // vector's worth of each row a step). 16-byte vectors keep the burst:
    // on SSE4 the spread was not shown to help (2 threads, Nk=65536, 3
    // rounds each against the code before: 3.5% slower with it, 2.2%
    // without, the rest from elsewhere or noise).
    constexpr bool kSpread = hn::MaxLanes(d) * sizeof(*k0) >= 32;
    const bool fetch = t + 2 <= n_ahead;
    if (!kSpread || !fetch) {
      for (size_t u = t; u < std::min(t + 2, n_ahead); ++u) {
        PrefetchRow(ahead[u], dim);
      }
    }
    auto fetcher = FetcherFor<2>(ahead, t, fetch, k0, dim, whole / N);
    V a0[kRows], a1[kRows];
    for (size_t r = 0; r < kRows; ++r) a0[r] = a1[r] = hn::Zero(d);
    for (size_t x = 0; x < whole; x += N) {
      if constexpr (kSpread) {
        if (fetch) fetcher.Step();
      }
      const V kv0 = LoadWide(d, k0 + x);
      const V kv1 = LoadWide(d, k1 + x);
      for (size_t r = 0; r < kRows; ++r) {
        const V qv = hn::LoadU(d, q + r * dim + x);
        a0[r] = hn::MulAdd(qv, kv0, a0[r]);
        a1[r] = hn::MulAdd(qv, kv1, a1[r]);
      }
    }
    if constexpr (kSpread) {
      if (fetch) fetcher.Rest();
    }
    float sums[2 * kRows];
#if HWY_TARGET != HWY_SCALAR
    if constexpr (kRows % 2 == 0) {
      for (size_t r = 0; r < kRows; r += 2) {
        SumOfLanes4(d, a0[r], a1[r], a0[r + 1], a1[r + 1], sums + 2 * r);
      }
    } else  // NOLINT(readability/braces)
#endif
    {
      for (size_t r = 0; r < kRows; ++r) {
        sums[2 * r] = hn::GetLane(hn::SumOfLanes(d, a0[r]));
        sums[2 * r + 1] = hn::GetLane(hn::SumOfLanes(d, a1[r]));
      }
    }
    for (size_t r = 0; r < kRows; ++r) {
      float s0 = sums[2 * r];
      float s1 = sums[2 * r + 1];
      for (size_t x = whole; x < dim; ++x) {
        s0 = std::fma(q[r * dim + x], WidenOne(k0[x]), s0);
        s1 = std::fma(q[r * dim + x], WidenOne(k1[x]), s1);
      }
      s[r * ld + t] = s0;
      s[r * ld + t + 1] = s1;
    }
  }
  for (size_t u = t; u < n_ahead; ++u) PrefetchRow(ahead[u], dim);
  if (t < n_keys) {
    const auto* k0 = k[t];
    V a0[kRows];
    for (size_t r = 0; r < kRows; ++r) a0[r] = hn::Zero(d);
    for (size_t x = 0; x < whole; x += N) {
      const V kv0 = LoadWide(d, k0 + x);
      for (size_t r = 0; r < kRows; ++r) {
        a0[r] = hn::MulAdd(hn::LoadU(d, q + r * dim + x), kv0, a0[r]);
      }
    }
    for (size_t r = 0; r < kRows; ++r) {
      float s0 = hn::GetLane(hn::SumOfLanes(d, a0[r]));
      for (size_t x = whole; x < dim; ++x) {
        s0 = std::fma(q[r * dim + x], WidenOne(k0[x]), s0);
      }
      s[r * ld + t] = s0;
    }
  }
}

// S = Q K^T for n_rows rows and n_keys keys: s[r * ld + t]; fetches
// ahead[0 .. n_ahead) along the way. k and ahead: row pointers (k[t]), or
// AdjacentRows.
template <class D, class Rows, class Ahead>
HWY_INLINE void DecodeScoresOf(D d, const float* HWY_RESTRICT q, size_t dim,
                               size_t n_rows, Rows k, size_t n_keys,
                               float* HWY_RESTRICT s, size_t ld, Ahead ahead,
                               size_t n_ahead) {
  size_t r = 0;
  for (; r + kDecodeRows <= n_rows; r += kDecodeRows) {
    DecodeScoresRows<kDecodeRows>(d, q + r * dim, dim, k, n_keys, s + r * ld,
                                  ld, ahead, r == 0 ? n_ahead : 0);
  }
  for (; r < n_rows; ++r) {
    DecodeScoresRows<1>(d, q + r * dim, dim, k, n_keys, s + r * ld, ld, ahead,
                        r == 0 ? n_ahead : 0);
  }
}
template <class D, class T>
HWY_INLINE void DecodeScores(D d, const float* HWY_RESTRICT q, size_t dim,
                             size_t n_rows, const T* const* k, size_t n_keys,
                             float* HWY_RESTRICT s, size_t ld,
                             const T* const* ahead = nullptr,
                             size_t n_ahead = 0) {
  DecodeScoresOf(d, q, dim, n_rows, k, n_keys, s, ld, ahead, n_ahead);
}

// s[t] += b0 + slope * t for t < n: a row's linear score bias (ALiBi's
// -slope (p - j) with b0 = -slope (p - j0) for the chunk's first key j0).
template <class D>
HWY_INLINE void DecodeAddBias(D d, float* HWY_RESTRICT s, size_t n, float b0,
                              float slope) {
  const size_t N = hn::Lanes(d);
  const auto vslope = hn::Set(d, slope);
  const auto vb0 = hn::Set(d, b0);
  size_t t = 0;
  for (; t + N <= n; t += N) {
    const auto key = hn::Iota(d, static_cast<float>(t));
    hn::StoreU(hn::Add(hn::LoadU(d, s + t), hn::MulAdd(key, vslope, vb0)), d,
               s + t);
  }
  for (; t < n; ++t) s[t] += std::fma(static_cast<float>(t), slope, b0);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_DECODE_TILE_INL_H_
