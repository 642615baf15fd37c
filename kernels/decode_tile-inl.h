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
// kernels/decode_reference.h is the scalar twin of each kernel, which
// tests/decode_tile_test.cc compares them with on every target.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_DECODE_TILE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_DECODE_TILE_INL_H_
#undef ATTNBENCH_KERNELS_DECODE_TILE_INL_H_
#else
#define ATTNBENCH_KERNELS_DECODE_TILE_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/decode_scores_avx3-inl.h"
#include "kernels/half-inl.h"
#include "kernels/lane_sums-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The decode kernels' register tiles: kDecodeRows rows x 2 keys of
// dot-product accumulators (scores: 8, plus 2 K vectors and a q vector),
// kDecodeRows rows x kDecodeCols vectors of d (P V: 16 accumulators and 4
// V vectors with 32 registers on AVX3, 8 and 2 with 16 elsewhere). Four
// rows: the query heads of a 4:1 grouped-query group in one pass over K.
constexpr size_t kDecodeRows = 4;
#if HWY_TARGET <= HWY_AVX3
constexpr size_t kDecodeCols = 4;
#else
constexpr size_t kDecodeCols = 2;
#endif
// Callers fetch K and V rows about this many bytes of K (or V) ahead of
// the key in use: the chunk streams from memory, and the hardware
// prefetcher alone left decode at a third of the read bandwidth. The
// distance trades fetches in flight against time ahead; it is set in
// bytes, since rows of half the bytes wanted twice the keys. 1 thread,
// causal Nk=65536 H=32 Hkv=8 (Zen 5), GB/s, interleaved rounds: AVX3 fp32
// D=128 by keys ahead 8: 31.0, 10: 31.8, 12 (6 KiB): 33.7, 14: 32.0, 16:
// 31.9, 24: 29.3; AVX3 bf16 D=128 16: 24.9, 24 (6 KiB): 28.5; AVX3 fp32
// D=64 4, 6, 8 KiB: 28.1, 32.0, 30.4; AVX2 fp32 D=128 12: 29.4, 14: 31.1,
// 16 (8 KiB): 31.8; AVX2 bf16 D=128 4 -> 8 KiB: 15.0 -> 13.8 ms.
constexpr size_t kPrefetchBytes = HWY_TARGET <= HWY_AVX3 ? 6144 : 8192;
// The keys ahead for rows of dim elements of T: 4 to 64.
template <class T>
HWY_INLINE size_t PrefetchKeys(size_t dim) {
  return std::clamp<size_t>(kPrefetchBytes / (dim * sizeof(T)), 4, 64);
}
// O += P V takes this many keys through all of d's blocks at a time.
// 1 thread, causal Nk=65536 H=32 Hkv=8 D=128 (Zen 5), GB/s by keys per
// group, 3 interleaved rounds: AVX3 2: 30.5, 4: 31.2, 8: 30.2, all (the
// chunk's 128): 29.2; AVX2 2: 27.8, 3: 29.7, 4: 31.4, 8: 27.9, 16: 22.0,
// all: 20.8. SSE4 (Nk=16384, ms): 2: 8.45, 4: 7.81, 8: 7.50, all: 9.27.
constexpr size_t kDecodeValueKeys = HWY_TARGET <= HWY_AVX2 ? 4 : 8;

// A chunk's rows that are adjacent rows of the tensor (one run of keys):
// row t at first + t * stride, its address computed rather than loaded
// from a list of row pointers (docs/flash.md "Decode").
template <class T>
struct AdjacentRows {
  const T* first;
  size_t stride;
  const T* operator[](size_t t) const { return first + t * stride; }
};

// s[r * ld + t] = sum_x q[r * dim + x] * k[t][x] for kRows rows starting
// at q, s: dot products along d, two keys per step (each q vector loaded
// once for both), reduced across lanes at the end (four at a time where
// there are four, else one by one); with four rows on AVX3, four keys per
// step first (DecodeScores4x4). Fetches ahead[t] at key t, t < n_ahead (0
// on later passes over the chunk).
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
  for (; t + 2 <= n_keys; t += 2) {
    const auto* k0 = k[t];
    const auto* k1 = k[t + 1];
    // Where a vector is 32 bytes or more, the rows ahead are fetched a
    // few lines between the FMAs, in address order (LineFetcher), not all
    // at once: 1 thread, causal Nk=65536, AVX3 (Zen 5), 3 interleaved
    // rounds: 28.5 -> 30.8 GB/s; AVX2 2 threads 36.4 -> 37.9 (then a
    // vector's worth of each row a step). 16-byte vectors keep the burst:
    // on SSE4 the spread was not shown to help (2 threads, Nk=65536, 3
    // rounds each against the code before: 3.5% slower with it, 2.2%
    // without, the rest from elsewhere or noise).
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(k0)>>;
    constexpr bool kSpread = hn::MaxLanes(d) * sizeof(*k0) >= 32;
    const bool fetch = t + 2 <= n_ahead;
    if (!kSpread || !fetch) {
      for (size_t u = t; u < std::min(t + 2, n_ahead); ++u) {
        PrefetchRow(ahead[u], dim);
      }
    }
    LineFetcher<T, 2> fetcher(
        {fetch ? ahead[t] : k0, fetch ? ahead[t + 1] : k0}, dim);
    const size_t per_step =
        whole == 0 ? 0 : (2 * fetcher.lines * N + whole - 1) / whole;
    V a0[kRows], a1[kRows];
    for (size_t r = 0; r < kRows; ++r) a0[r] = a1[r] = hn::Zero(d);
    for (size_t x = 0; x < whole; x += N) {
      if constexpr (kSpread) {
        if (fetch) fetcher.Next(per_step);
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

// o[r * dim + x] += sum_t p[r * ld + t] * v[t][x] for kRows rows and the
// kCols vectors of d starting at x0: the accumulators stay in registers
// across the whole key loop. Fetches ahead[t] at key t, t < n_ahead.
template <size_t kRows, size_t kCols, class D, class Rows, class Ahead>
HWY_INLINE void DecodeAccumulateBlock(D d, const float* HWY_RESTRICT p,
                                      size_t ld, Rows v, size_t dim, size_t x0,
                                      size_t n_keys, float* HWY_RESTRICT o,
                                      Ahead ahead, size_t n_ahead) {
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  V acc[kRows][kCols];
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t c = 0; c < kCols; ++c) {
      acc[r][c] = hn::LoadU(d, o + r * dim + x0 + c * N);
    }
  }
  for (size_t t = 0; t < n_keys; ++t) {
    const auto* vt = v[t] + x0;
    if (t < n_ahead) PrefetchRow(ahead[t], dim);
    V vv[kCols];
    for (size_t c = 0; c < kCols; ++c) vv[c] = LoadWide(d, vt + c * N);
    for (size_t r = 0; r < kRows; ++r) {
      const V pr = hn::Set(d, p[r * ld + t]);
      for (size_t c = 0; c < kCols; ++c) {
        acc[r][c] = hn::MulAdd(pr, vv[c], acc[r][c]);
      }
    }
  }
  for (size_t t = n_keys; t < n_ahead; ++t) PrefetchRow(ahead[t], dim);
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t c = 0; c < kCols; ++c) {
      hn::StoreU(acc[r][c], d, o + r * dim + x0 + c * N);
    }
  }
}

// kRows rows of O += P V over every column of d.
template <size_t kRows, class D, class Rows, class Ahead>
HWY_INLINE void DecodeAccumulateRows(D d, const float* HWY_RESTRICT p,
                                     size_t ld, Rows v, size_t dim,
                                     size_t n_keys, float* HWY_RESTRICT o,
                                     Ahead ahead, size_t n_ahead) {
  const size_t N = hn::Lanes(d);
  size_t x = 0;
  for (; x + kDecodeCols * N <= dim; x += kDecodeCols * N) {
    DecodeAccumulateBlock<kRows, kDecodeCols>(d, p, ld, v, dim, x, n_keys, o,
                                              ahead, x == 0 ? n_ahead : 0);
  }
  for (; x + N <= dim; x += N) {
    DecodeAccumulateBlock<kRows, 1>(d, p, ld, v, dim, x, n_keys, o, ahead,
                                    x == 0 ? n_ahead : 0);
  }
  if (x == 0) {  // d narrower than a vector: no block fetched them
    for (size_t t = 0; t < n_ahead; ++t) PrefetchRow(ahead[t], dim);
  }
  for (; x < dim; ++x) {  // scalar tail of d
    for (size_t r = 0; r < kRows; ++r) {
      float acc = o[r * dim + x];
      for (size_t t = 0; t < n_keys; ++t) {
        // fma: the same bits however the compiler would contract a * b + c
        acc = std::fma(p[r * ld + t], WidenOne(v[t][x]), acc);
      }
      o[r * dim + x] = acc;
    }
  }
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

// Rows from the n-th on.
template <class T>
HWY_INLINE const T* const* SkipRows(const T* const* rows, size_t n) {
  return rows + n;
}
template <class T>
HWY_INLINE AdjacentRows<T> SkipRows(AdjacentRows<T> rows, size_t n) {
  return {rows[n], rows.stride};
}

// O += P V for n_rows rows and n_keys keys; fetches ahead[0 .. n_ahead)
// along the way. v and ahead: row pointers (v[t]), or AdjacentRows.
template <class D, class Rows, class Ahead>
HWY_INLINE void DecodeAccumulateOf(D d, const float* HWY_RESTRICT p, size_t ld,
                                   size_t n_rows, Rows v, size_t dim,
                                   size_t n_keys, float* HWY_RESTRICT o,
                                   Ahead ahead, size_t n_ahead) {
  size_t r = 0;
  // Where d takes more than one block of kDecodeCols vectors, the keys go
  // kDecodeValueKeys at a time through every block (the accumulators
  // stored and reloaded in between) rather than all of them through one
  // block, then the next: the first block is where V comes from memory,
  // and with all the chunk's keys in it the later blocks ran from the
  // caches with the memory idle (docs/flash.md "Decode").
  const size_t group =
      dim > kDecodeCols * hn::Lanes(d) ? kDecodeValueKeys : n_keys;
  for (; r + kDecodeRows <= n_rows; r += kDecodeRows) {
    const size_t fetch = r == 0 ? n_ahead : 0;
    for (size_t t0 = 0; t0 < n_keys; t0 += group) {
      const size_t keys = std::min(group, n_keys - t0);
      const size_t left = fetch > t0 ? fetch - t0 : 0;
      DecodeAccumulateRows<kDecodeRows>(
          d, p + r * ld + t0, ld, SkipRows(v, t0), dim, keys, o + r * dim,
          SkipRows(ahead, t0),
          t0 + keys == n_keys ? left : std::min(left, keys));
    }
  }
  for (; r < n_rows; ++r) {
    DecodeAccumulateRows<1>(d, p + r * ld, ld, v, dim, n_keys, o + r * dim,
                            ahead, r == 0 ? n_ahead : 0);
  }
}
template <class D, class T>
HWY_INLINE void DecodeAccumulate(D d, const float* HWY_RESTRICT p, size_t ld,
                                 size_t n_rows, const T* const* v, size_t dim,
                                 size_t n_keys, float* HWY_RESTRICT o,
                                 const T* const* ahead = nullptr,
                                 size_t n_ahead = 0) {
  DecodeAccumulateOf(d, p, ld, n_rows, v, dim, n_keys, o, ahead, n_ahead);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_DECODE_TILE_INL_H_
