// Highway kernels for decode's O += P V: a few query rows' probabilities
// against a chunk of V rows, with the head dimension d as lanes, fetching
// rows ahead into the caches along the way. Buffers as in
// kernels/decode_tile-inl.h (p: the probabilities, s there).

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_DECODE_VALUES_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_DECODE_VALUES_INL_H_
#undef ATTNBENCH_KERNELS_DECODE_VALUES_INL_H_
#else
#define ATTNBENCH_KERNELS_DECODE_VALUES_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "hwy/highway.h"
#include "kernels/decode_params-inl.h"
#include "kernels/half-inl.h"
#include "kernels/row_fetch-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// How O += P V fetches the rows ahead (ahead[t], t < n_ahead): Key(t) is
// called at each key t of a block of d, Done(n_keys) after the block's
// keys.
// - A list of rows: each row whole at its key in the first block, the
//   rest after it (ListFetch; the other blocks NoFetch).
// - One run of rows: its lines spread over the keys of every block
//   (RunStep): the AVX2 kernel has eight blocks of d = 128, and eight
//   fetches at one key of the first left the other seven fetching nothing.
//   Intel Xeon, 2 threads, Nk=65536, time against whole rows in the first
//   block: fp32 AVX2 0.96x, AVX3 0.99x; bf16 AVX2 0.88x, AVX3 0.93x. AMD
//   Zen 4, AVX3 fp32: 0.78-0.81x (prefetch hint T1), 0.96x (T0). On Zen 5 an
//   earlier spread (each block fetching its own part of the rows ahead) was
//   slower (docs/flash.md "Loads kept in registers"): not yet re-measured
//   there.
// - at_once (DecodeAccumulateGroups: fp32 rows on AVX3 with the hint T1,
//   FetchAtStepStart, a group of kDecodeValueKeys keys of several rows):
//   all at once before the keys. On AMD Zen 4 a spread left 0.1 of the
//   bandwidth unused (kernels/prefetch_hint.h). One row keeps the spread:
//   at once, one-row groups (H=Hkv=8, Nk=65536, 6 rounds) read 0.877 of
//   their plain read against 0.901 with the memory slow, 0.752 against
//   0.714 fast. So do many rows, all of a chunk's keys at a time
//   (kDecodeValueAllKeysRows): at once, Nq=4 took 1.09x the time.
template <class T>
struct ListFetch {
  HWY_INLINE void Key(size_t t) {
    if (t < n) PrefetchRow(rows[t], dim);
  }
  HWY_INLINE void Done(size_t n_keys) {
    for (size_t t = n_keys; t < n; ++t) PrefetchRow(rows[t], dim);
  }
  const T* const* rows;
  size_t n, dim;
};
struct NoFetch {
  HWY_INLINE void Key(size_t) {}
  HWY_INLINE void Done(size_t) {}
};
template <class T>
struct RunStep {
  HWY_INLINE void Key(size_t) { run.Step(); }
  HWY_INLINE void Done(size_t) {}
  RunFetcher<T>& run;
};

// The vectors of d per block of O += P V: with one row, twice as many
// below AVX3 (its accumulators fit, and d = 128 takes 4 blocks on AVX2
// instead of 8). On AVX3 one row keeps 4 (d = 128 in 2 blocks, 8 keys a
// turn through both, not every key through one block of 8): AMD Zen 4, 2
// threads, causal Nq=1 Nk=65536 D=128 (one row a group, the P V after
// the scores: kInterleaveMinRows), GB/s over a plain read of the same rows
// with the host's memory fast / slow, 4 interleaved rounds: H=Hkv=8 0.66
// -> 0.71 (0.91-0.92x the time), H=Hkv=32 0.66 -> 0.74 / 0.91 -> 0.93
// (0.91-0.96x); f16 0.92-0.97x and bf16 0.99x the time (slow). Why the
// one long block read less is not settled.
template <size_t kRows>
constexpr size_t kValueCols =
    kRows == 1 && HWY_TARGET > HWY_AVX3 ? 2 * kDecodeCols : kDecodeCols;

// o[r * dim + x] += sum_t p[r * ld + t] * v[t][x] for kRows rows and the
// kCols vectors of d starting at x0: the accumulators stay in registers
// across the whole key loop. Calls fetch.Key(t) at key t.
template <size_t kRows, size_t kCols, class D, class Rows, class Fetch>
HWY_INLINE void DecodeAccumulateBlock(D d, const float* HWY_RESTRICT p,
                                      size_t ld, Rows v, size_t dim, size_t x0,
                                      size_t n_keys, float* HWY_RESTRICT o,
                                      Fetch& fetch) {
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
    fetch.Key(t);
    V vv[kCols];
    for (size_t c = 0; c < kCols; ++c) vv[c] = LoadWide(d, vt + c * N);
    for (size_t r = 0; r < kRows; ++r) {
      const V pr = hn::Set(d, p[r * ld + t]);
      for (size_t c = 0; c < kCols; ++c) {
        acc[r][c] = hn::MulAdd(pr, vv[c], acc[r][c]);
      }
    }
  }
  fetch.Done(n_keys);
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t c = 0; c < kCols; ++c) {
      hn::StoreU(acc[r][c], d, o + r * dim + x0 + c * N);
    }
  }
}

// kRows rows of O += P V over every column of d, block by block: first
// fetches during the first block (and is Done(0) where d is narrower than
// a vector), rest during the others.
template <size_t kRows, class D, class Rows, class First, class Rest>
HWY_INLINE void DecodeAccumulateColumns(D d, const float* HWY_RESTRICT p,
                                        size_t ld, Rows v, size_t dim,
                                        size_t n_keys, float* HWY_RESTRICT o,
                                        First& first, Rest& rest) {
  const size_t N = hn::Lanes(d);
  constexpr size_t kCols = kValueCols<kRows>;
  size_t x = 0;
  for (; x + kCols * N <= dim; x += kCols * N) {
    if (x == 0) {
      DecodeAccumulateBlock<kRows, kCols>(d, p, ld, v, dim, x, n_keys, o,
                                          first);
    } else {
      DecodeAccumulateBlock<kRows, kCols>(d, p, ld, v, dim, x, n_keys, o, rest);
    }
  }
  for (; x + N <= dim; x += N) {  // fewer than kCols vectors left
    if (x == 0) {
      DecodeAccumulateBlock<kRows, 1>(d, p, ld, v, dim, x, n_keys, o, first);
    } else {
      DecodeAccumulateBlock<kRows, 1>(d, p, ld, v, dim, x, n_keys, o, rest);
    }
  }
  if (x == 0) first.Done(0);  // d narrower than a vector: no block ran
  for (; x < dim; ++x) {      // scalar tail of d
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

// kRows rows of O += P V over every column of d; fetches ahead[t], t <
// n_ahead (ListFetch, RunStep; all before the keys where at_once).
template <size_t kRows, class D, class Rows, class T>
HWY_INLINE void DecodeAccumulateRows(D d, const float* HWY_RESTRICT p,
                                     size_t ld, Rows v, size_t dim,
                                     size_t n_keys, float* HWY_RESTRICT o,
                                     const T* const* ahead, size_t n_ahead,
                                     bool at_once) {
  if (at_once) {
    for (size_t t = 0; t < n_ahead; ++t) PrefetchRow(ahead[t], dim);
    n_ahead = 0;
  }
  ListFetch<T> first{ahead, n_ahead, dim};
  NoFetch rest;
  DecodeAccumulateColumns<kRows>(d, p, ld, v, dim, n_keys, o, first, rest);
}
template <size_t kRows, class D, class Rows, class T>
HWY_INLINE void DecodeAccumulateRows(D d, const float* HWY_RESTRICT p,
                                     size_t ld, Rows v, size_t dim,
                                     size_t n_keys, float* HWY_RESTRICT o,
                                     AdjacentRows<T> ahead, size_t n_ahead,
                                     bool at_once) {
  const size_t N = hn::Lanes(d);
  constexpr size_t kCols = kValueCols<kRows>;
  const size_t blocks = dim / (kCols * N) + dim % (kCols * N) / N;
  RunFetcher<T> run =
      n_ahead == 0
          ? RunFetcher<T>(ahead.first, ahead.first, 0)
          : RunFetcher<T>(ahead[0], ahead[n_ahead - 1] + dim, blocks * n_keys);
  if (at_once) run.Rest();  // the steps then find none left
  RunStep<T> each{run};
  DecodeAccumulateColumns<kRows>(d, p, ld, v, dim, n_keys, o, each, each);
  run.Rest();
}

// kRows rows of O += P V. Where d takes more than one block of vectors,
// the keys go kDecodeValueKeys at a time through every block (the
// accumulators stored and reloaded in between) rather than all of them
// through one block, then the next: the first block is where V comes from
// memory, and with all the chunk's keys in it the later blocks ran from
// the caches with the memory idle (docs/flash.md "Decode"). kAllKeys: all
// of them through one block at a time all the same (many rows:
// DecodeAccumulateOf).
template <size_t kRows, bool kAllKeys, class D, class Rows, class Ahead>
HWY_INLINE void DecodeAccumulateGroups(D d, const float* HWY_RESTRICT p,
                                       size_t ld, Rows v, size_t dim,
                                       size_t n_keys, float* HWY_RESTRICT o,
                                       Ahead ahead, size_t n_ahead) {
  const size_t group = !kAllKeys && dim > kValueCols<kRows> * hn::Lanes(d)
                           ? kDecodeValueKeys
                           : n_keys;
  const bool at_once =
      kRows > 1 && !kAllKeys && FetchAtStepStart<RowElement<Rows>>();
  for (size_t t0 = 0; t0 < n_keys; t0 += group) {
    const size_t keys = std::min(group, n_keys - t0);
    const size_t left = n_ahead > t0 ? n_ahead - t0 : 0;
    DecodeAccumulateRows<kRows>(
        d, p + t0, ld, SkipRows(v, t0), dim, keys, o, SkipRows(ahead, t0),
        t0 + keys == n_keys ? left : std::min(left, keys), at_once);
  }
}

// O += P V for n_rows rows and n_keys keys; fetches ahead[0 .. n_ahead)
// along the way. v and ahead: row pointers (v[t]), or AdjacentRows.
// kAllKeys: all keys through one block of d at a time (for groups of at
// least kDecodeValueAllKeysRows rows; the caller's choice, in code of its
// own: a run-time choice in the same function made 4 rows 1.07x slower).
template <bool kAllKeys = false, class D, class Rows, class Ahead>
HWY_INLINE void DecodeAccumulateOf(D d, const float* HWY_RESTRICT p, size_t ld,
                                   size_t n_rows, Rows v, size_t dim,
                                   size_t n_keys, float* HWY_RESTRICT o,
                                   Ahead ahead, size_t n_ahead) {
  size_t r = 0;  // kDecodeRows rows at a time, then one at a time
  for (; r + kDecodeRows <= n_rows; r += kDecodeRows) {
    DecodeAccumulateGroups<kDecodeRows, kAllKeys>(d, p + r * ld, ld, v, dim,
                                                  n_keys, o + r * dim, ahead,
                                                  r == 0 ? n_ahead : 0);
  }
  for (; r < n_rows; ++r) {
    DecodeAccumulateGroups<1, kAllKeys>(d, p + r * ld, ld, v, dim, n_keys,
                                        o + r * dim, ahead,
                                        r == 0 ? n_ahead : 0);
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

#endif  // ATTNBENCH_KERNELS_DECODE_VALUES_INL_H_
