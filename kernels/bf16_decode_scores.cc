#include "kernels/bf16_decode_scores.h"

#include <cstdlib>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ATTNBENCH_HAVE_BF16_DECODE_SCORES 1
#endif

namespace attnbench {

#ifdef ATTNBENCH_HAVE_BF16_DECODE_SCORES
namespace {

#define ATTNBENCH_BF16_TARGET __attribute__((target("avx512f,avx512bf16")))

ATTNBENCH_BF16_TARGET inline void FetchLine(const void* p, bool t1) {
  if (t1) {
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1);
  } else {
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
  }
}

// Per 128-bit block b: the partial sums over block b of a0..a3, in order.
ATTNBENCH_BF16_TARGET inline __m512 BlockSums4(__m512 a0, __m512 a1, __m512 a2,
                                               __m512 a3) {
  const __m512 t01 = _mm512_add_ps(_mm512_maskz_unpacklo_ps(0xFFFF, a0, a1),
                                   _mm512_maskz_unpackhi_ps(0xFFFF, a0, a1));
  const __m512 t23 = _mm512_add_ps(_mm512_maskz_unpacklo_ps(0xFFFF, a2, a3),
                                   _mm512_maskz_unpackhi_ps(0xFFFF, a2, a3));
  return _mm512_add_ps(_mm512_shuffle_ps(t01, t23, 0x44),
                       _mm512_shuffle_ps(t01, t23, 0xEE));
}

// Blocks (a0 + a1, a2 + a3, b0 + b1, b2 + b3) of blocks a0..a3, b0..b3.
// (Here and above, maskz with every lane set: the plain operation, without
// g++ 12's false maybe-uninitialized warnings on the unmasked forms.)
ATTNBENCH_BF16_TARGET inline __m512 PairSums(__m512 a, __m512 b) {
  return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(0xFFFF, a, b, 0x88),
                       _mm512_maskz_shuffle_f32x4(0xFFFF, a, b, 0xDD));
}

}  // namespace

ATTNBENCH_BF16_TARGET size_t Bf16DecodeScores4x4(
    const uint16_t* const q[4], size_t dim, const uint16_t* const* k,
    size_t n_keys, float scale, float* s, size_t ld,
    const uint16_t* const* ahead, size_t n_ahead, bool t1) {
  const size_t steps = dim / kBf16DecodeDimStep;
  const size_t lines = dim * sizeof(uint16_t) / 64;  // per row: = steps
  const __m512 vscale = _mm512_set1_ps(scale);
  size_t t = 0;
  for (; t + 4 <= n_keys; t += 4) {
    // The four rows ahead, lines x of row u at step (u * lines + x) / 4:
    // four lines a step in address order (as many steps as lines a row).
    const bool spread = t + 4 <= n_ahead;
    if (!spread) {
      for (size_t u = t; u < n_ahead; ++u) {
        for (size_t x = 0; x < lines; ++x) FetchLine(ahead[u] + 32 * x, t1);
      }
    }
    __m512 acc[4][4];
    for (size_t r = 0; r < 4; ++r) {
      for (size_t j = 0; j < 4; ++j) acc[r][j] = _mm512_setzero_ps();
    }
    for (size_t step = 0; step < steps; ++step) {
      if (spread) {
        for (size_t f = 4 * step; f < 4 * step + 4; ++f) {
          FetchLine(ahead[t + f / lines] + 32 * (f % lines), t1);
        }
      }
      const size_t x = step * kBf16DecodeDimStep;
      __m512bh kv[4];
      for (size_t j = 0; j < 4; ++j) {
        kv[j] = reinterpret_cast<__m512bh>(_mm512_loadu_si512(k[t + j] + x));
      }
      for (size_t r = 0; r < 4; ++r) {
        const auto qv =
            reinterpret_cast<__m512bh>(_mm512_loadu_si512(q[r] + x));
        for (size_t j = 0; j < 4; ++j) {
          acc[r][j] = _mm512_dpbf16_ps(acc[r][j], qv, kv[j]);
        }
      }
    }
    __m512 x[4];
    for (size_t r = 0; r < 4; ++r) {
      x[r] = BlockSums4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
    }
    // Block r: row r's four scores.
    const __m512 z = _mm512_mul_ps(
        PairSums(PairSums(x[0], x[1]), PairSums(x[2], x[3])), vscale);
    _mm_storeu_ps(s + t, _mm512_maskz_extractf32x4_ps(0xF, z, 0));
    _mm_storeu_ps(s + ld + t, _mm512_maskz_extractf32x4_ps(0xF, z, 1));
    _mm_storeu_ps(s + 2 * ld + t, _mm512_maskz_extractf32x4_ps(0xF, z, 2));
    _mm_storeu_ps(s + 3 * ld + t, _mm512_maskz_extractf32x4_ps(0xF, z, 3));
  }
  return t;
}

#else

size_t Bf16DecodeScores4x4(const uint16_t* const*, size_t,
                           const uint16_t* const*, size_t, float, float*,
                           size_t, const uint16_t* const*, size_t, bool) {
  std::abort();  // Bf16DotEnabled() is false on this platform
}

#endif

}  // namespace attnbench
