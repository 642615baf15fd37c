#include "kernels/bf16_decode_scores.h"

#include <cstdlib>

#include "kernels/prefetch_hint.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ATTNBENCH_HAVE_BF16_DECODE_SCORES 1
#endif

namespace attnbench {

#ifdef ATTNBENCH_HAVE_BF16_DECODE_SCORES
#define ATTNBENCH_BF16_TARGET __attribute__((target("avx512f,avx512bf16")))
namespace {

// As PrefetchLineHinted (kernels/half-inl.h), outside Highway's targets.
ATTNBENCH_BF16_TARGET void FetchLine(const void* p) {
  if (detail::prefetch_to_outer_caches) {
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1);
  } else {
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
  }
}

// 32 bf16 from p.
ATTNBENCH_BF16_TARGET __m512bh Load32(const hwy::bfloat16_t* p) {
  return reinterpret_cast<__m512bh>(_mm512_loadu_si512(p));
}

// Per 128-bit block b: the partial sums over block b of a0..a3, in order.
// (Here and below, maskz with every lane set: the plain operation, without
// g++ 12's false maybe-uninitialized warnings on the unmasked forms.)
ATTNBENCH_BF16_TARGET __m512 BlockSums4(__m512 a0, __m512 a1, __m512 a2,
                                        __m512 a3) {
  constexpr __mmask16 kAll = 0xFFFF;
  const __m512 t01 = _mm512_add_ps(_mm512_maskz_unpacklo_ps(kAll, a0, a1),
                                   _mm512_maskz_unpackhi_ps(kAll, a0, a1));
  const __m512 t23 = _mm512_add_ps(_mm512_maskz_unpacklo_ps(kAll, a2, a3),
                                   _mm512_maskz_unpackhi_ps(kAll, a2, a3));
  return _mm512_add_ps(_mm512_maskz_shuffle_ps(kAll, t01, t23, 0x44),
                       _mm512_maskz_shuffle_ps(kAll, t01, t23, 0xEE));
}

// Blocks (a0 + a1, a2 + a3, b0 + b1, b2 + b3) of blocks a0..a3, b0..b3.
ATTNBENCH_BF16_TARGET __m512 PairSums(__m512 a, __m512 b) {
  return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(0xFFFF, a, b, 0x88),
                       _mm512_maskz_shuffle_f32x4(0xFFFF, a, b, 0xDD));
}

}  // namespace

ATTNBENCH_BF16_TARGET size_t Bf16DecodeScores4x4(
    const hwy::bfloat16_t* const q[4], size_t dim,
    const hwy::bfloat16_t* const* k, size_t n_keys, float scale, float* s,
    size_t ld, const hwy::bfloat16_t* const* ahead, size_t n_ahead) {
  constexpr size_t kLine = 64 / sizeof(hwy::bfloat16_t);  // per line
  const size_t steps = dim / kBf16DecodeDimStep;
  const size_t lines = dim / kLine;  // per row: as many as steps
  const __m512 vscale = _mm512_set1_ps(scale);
  size_t t = 0;
  for (; t + 4 <= n_keys; t += 4) {
    // The four rows ahead, four lines a step in address order: line x of
    // row u (a cursor, not a division per line).
    const bool spread = t + 4 <= n_ahead;
    if (!spread) {
      for (size_t u = t; u < n_ahead; ++u) {
        for (size_t x = 0; x < lines; ++x) FetchLine(ahead[u] + kLine * x);
      }
    }
    size_t fetch_row = t, fetch_line = 0;
    __m512 acc[4][4];
    for (size_t r = 0; r < 4; ++r) {
      for (size_t j = 0; j < 4; ++j) acc[r][j] = _mm512_setzero_ps();
    }
    for (size_t step = 0; step < steps; ++step) {
      if (spread) {
        for (size_t i = 0; i < 4; ++i) {
          FetchLine(ahead[fetch_row] + kLine * fetch_line);
          if (++fetch_line == lines) {
            fetch_line = 0;
            ++fetch_row;
          }
        }
      }
      const size_t x = step * kBf16DecodeDimStep;
      __m512bh kv[4];
      for (size_t j = 0; j < 4; ++j) kv[j] = Load32(k[t + j] + x);
      for (size_t r = 0; r < 4; ++r) {
        const __m512bh qv = Load32(q[r] + x);
        for (size_t j = 0; j < 4; ++j) {
          acc[r][j] = _mm512_dpbf16_ps(acc[r][j], qv, kv[j]);
        }
      }
    }
    __m512 sums[4];
    for (size_t r = 0; r < 4; ++r) {
      sums[r] = BlockSums4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
    }
    // Block r: row r's four scores.
    const __m512 z = _mm512_mul_ps(
        PairSums(PairSums(sums[0], sums[1]), PairSums(sums[2], sums[3])),
        vscale);
    _mm_storeu_ps(s + t, _mm512_maskz_extractf32x4_ps(0xF, z, 0));
    _mm_storeu_ps(s + ld + t, _mm512_maskz_extractf32x4_ps(0xF, z, 1));
    _mm_storeu_ps(s + 2 * ld + t, _mm512_maskz_extractf32x4_ps(0xF, z, 2));
    _mm_storeu_ps(s + 3 * ld + t, _mm512_maskz_extractf32x4_ps(0xF, z, 3));
  }
  return t;
}
#undef ATTNBENCH_BF16_TARGET

#else

size_t Bf16DecodeScores4x4(const hwy::bfloat16_t* const*, size_t,
                           const hwy::bfloat16_t* const*, size_t, float, float*,
                           size_t, const hwy::bfloat16_t* const*, size_t) {
  std::abort();  // Bf16DotEnabled() is false on this platform
}

#endif

}  // namespace attnbench
