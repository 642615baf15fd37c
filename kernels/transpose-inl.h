// Transposes between row-major blocks (Q in, O out) and the engine's
// rows-as-lanes layout. On AVX3, whole 16 x 16 tiles go through registers:
// 64 shuffles per 256 floats (unpack_ps, unpack_pd, then shuffle_f32x4
// twice) instead of 256 scalar strided moves. Highway 1.0.3 has no
// transpose op, hence raw intrinsics on the AVX3 targets only; every other
// target, and the ragged rest, moves element by element.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_TRANSPOSE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_TRANSPOSE_INL_H_
#undef ATTNBENCH_KERNELS_TRANSPOSE_INL_H_
#else
#define ATTNBENCH_KERNELS_TRANSPOSE_INL_H_
#endif

#include <cstddef>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

#undef ATTNBENCH_HAVE_TRANSPOSE16
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#define ATTNBENCH_HAVE_TRANSPOSE16 1

// GCC 12's avx512fintrin.h seeds these intrinsics with _mm512_undefined_*,
// which -Wmaybe-uninitialized reports as a false positive.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// dst[j * dst_stride + i] = src[i * src_stride + j] * m[j] for i, j < 16:
// each source row is multiplied elementwise by m, then the tile transposed.
HWY_INLINE void Transpose16x16(const float* HWY_RESTRICT src, size_t src_stride,
                               __m512 m, float* HWY_RESTRICT dst,
                               size_t dst_stride) {
  __m512 r[16], t[16];
  for (size_t i = 0; i < 16; ++i) {
    r[i] = _mm512_mul_ps(_mm512_loadu_ps(src + i * src_stride), m);
  }
  // Stage 1: pairs of rows interleaved within 128-bit blocks.
  for (size_t i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // Stage 2: block k of r[4g + c] holds column 4k + c of rows 4g .. 4g + 3.
  for (size_t g = 0; g < 4; ++g) {
    const __m512d a = _mm512_castps_pd(t[4 * g]);
    const __m512d b = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * g + 2]);
    const __m512d e = _mm512_castps_pd(t[4 * g + 3]);
    r[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
    r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
  }
  // Stages 3 and 4: collect the four row groups' blocks of each column.
  for (size_t c = 0; c < 4; ++c) {
    const __m512 v0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
    const __m512 w0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);
    const __m512 v1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
    const __m512 w1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
    _mm512_storeu_ps(dst + (0 + c) * dst_stride,
                     _mm512_shuffle_f32x4(v0, v1, 0x88));
    _mm512_storeu_ps(dst + (8 + c) * dst_stride,
                     _mm512_shuffle_f32x4(v0, v1, 0xdd));
    _mm512_storeu_ps(dst + (4 + c) * dst_stride,
                     _mm512_shuffle_f32x4(w0, w1, 0x88));
    _mm512_storeu_ps(dst + (12 + c) * dst_stride,
                     _mm512_shuffle_f32x4(w0, w1, 0xdd));
  }
}

#pragma GCC diagnostic pop
#endif

// qt[k * br + r] = scale * q[r * stride + k] for r < n_rows (0 for r >=
// n_rows), k < dim: a block of Q rows into the rows-as-lanes layout.
HWY_INLINE void PackRowsAsLanes(const float* HWY_RESTRICT q, size_t dim,
                                size_t stride, size_t n_rows, size_t br,
                                float scale, float* HWY_RESTRICT qt) {
  size_t k0 = 0;
#ifdef ATTNBENCH_HAVE_TRANSPOSE16
  if (n_rows == br && br % 16 == 0) {
    const __m512 s = _mm512_set1_ps(scale);
    for (; k0 + 16 <= dim; k0 += 16) {
      for (size_t r0 = 0; r0 < br; r0 += 16) {
        Transpose16x16(q + r0 * stride + k0, stride, s, qt + k0 * br + r0, br);
      }
    }
  }
#endif
  for (size_t r = 0; r < br; ++r) {
    for (size_t k = k0; k < dim; ++k) {
      qt[k * br + r] = r < n_rows ? scale * q[r * stride + k] : 0.0f;
    }
  }
}

// o[r * stride + x] = ot[x * br + r] * inv[r] for r < n_rows, x < dim: a
// block in the rows-as-lanes layout back to row-major rows, each scaled.
HWY_INLINE void UnpackRowsAsLanes(const float* HWY_RESTRICT ot,
                                  const float* HWY_RESTRICT inv, size_t dim,
                                  size_t stride, size_t n_rows, size_t br,
                                  float* HWY_RESTRICT o) {
  size_t x0 = 0;
#ifdef ATTNBENCH_HAVE_TRANSPOSE16
  if (n_rows == br && br % 16 == 0) {
    for (; x0 + 16 <= dim; x0 += 16) {
      for (size_t r0 = 0; r0 < br; r0 += 16) {
        // Source rows are output columns whose lanes are query rows.
        Transpose16x16(ot + x0 * br + r0, br, _mm512_loadu_ps(inv + r0),
                       o + r0 * stride + x0, stride);
      }
    }
  }
#endif
  for (size_t r = 0; r < n_rows; ++r) {
    for (size_t x = x0; x < dim; ++x) {
      o[r * stride + x] = ot[x * br + r] * inv[r];
    }
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_TRANSPOSE_INL_H_
