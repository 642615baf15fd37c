// Highway kernels for one tile of the blocked engine's backward pass
// (FlashAttention-2's, docs/flash.md "Backward"). Rows as lanes, as in
// kernels/flash_tile-inl.h: st[j * Br + r] holds key j of query row r.
//   ProbabilitiesTile  P = w exp(S - m) / l from the forward's m and 1/l
//   ScoreGradTile      dS = scale P (dP - D), 0 where P is 0
//   OuterAccumulate    out[j, :] += sum_r A[r, j] B[r, :]  (dV += P^T dO,
//                      dK += dS^T Q), d as lanes
// Scores (S = Q K^T, dP = dO V^T) and dQ += dS K are the forward's
// ScoresTile and AccumulateTile.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_BACKWARD_TILE_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_BACKWARD_TILE_INL_H_
#undef ATTNBENCH_KERNELS_BACKWARD_TILE_INL_H_
#else
#define ATTNBENCH_KERNELS_BACKWARD_TILE_INL_H_
#endif

#include <cmath>
#include <cstddef>

#include "hwy/highway.h"
#include "kernels/exp-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// st[j * Br + r] = wt[j * Br + r] exp(st[j * Br + r] - m[r]) inv_l[r] for
// j < n_keys (wt == nullptr: every weight 1). m is the row's final running
// max, so the exponent is never positive.
template <size_t kRowVecs, class D>
HWY_INLINE void ProbabilitiesTile(D d, size_t n_keys,
                                  const float* HWY_RESTRICT wt,
                                  const float* HWY_RESTRICT m,
                                  const float* HWY_RESTRICT inv_l,
                                  float* HWY_RESTRICT st) {
  const size_t N = hn::Lanes(d);
  const size_t br = kRowVecs * N;
  for (size_t v = 0; v < kRowVecs; ++v) {
    const auto vm = hn::LoadU(d, m + v * N);
    const auto vinv = hn::LoadU(d, inv_l + v * N);
    for (size_t j = 0; j < n_keys; ++j) {
      float* s = st + j * br + v * N;
      auto p = hn::Mul(ExpNonPositive(d, hn::Sub(hn::Load(d, s), vm)), vinv);
      if (wt != nullptr) p = hn::Mul(p, hn::Load(d, wt + j * br + v * N));
      hn::Store(p, d, s);
    }
  }
}

// acc[r] += sum_j (P / w)(dP - D[r]) over the keys inside row r's ramp,
// P = st, w = wt, dP = dpt: dL/dw summed for the span's gradient (adaptive
// span: dz_h = that / R). Key j is inside iff j < ramp_end[r] (beyond the
// flat part: x > z, decided from positions, not from w, whose rounding
// near 1 would misplace the kink) and w > 0.
template <size_t kRowVecs, class D>
HWY_INLINE void RampGradRows(D d, size_t n_keys, const float* HWY_RESTRICT st,
                             const float* HWY_RESTRICT wt,
                             const float* HWY_RESTRICT dpt,
                             const float* HWY_RESTRICT drow,
                             const float* HWY_RESTRICT ramp_end,
                             float* HWY_RESTRICT acc) {
  const size_t N = hn::Lanes(d);
  const size_t br = kRowVecs * N;
  const auto zero = hn::Zero(d);
  const auto one = hn::Set(d, 1.0f);
  for (size_t v = 0; v < kRowVecs; ++v) {
    const auto vd = hn::LoadU(d, drow + v * N);
    const auto end = hn::LoadU(d, ramp_end + v * N);
    auto sum = hn::LoadU(d, acc + v * N);
    for (size_t j = 0; j < n_keys; ++j) {
      const auto w = hn::Load(d, wt + j * br + v * N);
      const auto in_ramp = hn::And(
          hn::Gt(w, zero), hn::Lt(hn::Set(d, static_cast<float>(j)), end));
      // Outside the ramp w may be 0: divide by 1 there instead.
      const auto p_over_w = hn::Div(hn::Load(d, st + j * br + v * N),
                                    hn::IfThenElse(in_ramp, w, one));
      const auto g =
          hn::Mul(p_over_w, hn::Sub(hn::Load(d, dpt + j * br + v * N), vd));
      sum = hn::Add(sum, hn::IfThenElseZero(in_ramp, g));
    }
    hn::StoreU(sum, d, acc + v * N);
  }
}

// dst[j * Br + r] = scale P (dP - D[r]) with P = st and dP = dst on entry;
// 0 where P is 0 (a masked key's dP may be NaN from its V row).
template <size_t kRowVecs, class D>
HWY_INLINE void ScoreGradTile(D d, size_t n_keys, const float* HWY_RESTRICT st,
                              const float* HWY_RESTRICT drow, float scale,
                              float* HWY_RESTRICT dst) {
  const size_t N = hn::Lanes(d);
  const size_t br = kRowVecs * N;
  const auto vscale = hn::Set(d, scale);
  const auto zero = hn::Zero(d);
  for (size_t v = 0; v < kRowVecs; ++v) {
    const auto vd = hn::LoadU(d, drow + v * N);
    for (size_t j = 0; j < n_keys; ++j) {
      const auto p = hn::Load(d, st + j * br + v * N);
      float* g = dst + j * br + v * N;
      const auto ds = hn::Mul(hn::Mul(p, vscale), hn::Sub(hn::Load(d, g), vd));
      hn::Store(hn::IfThenElseZero(hn::Ne(p, zero), ds), d, g);
    }
  }
}

// out[j * out_stride + x] += sum_{r < n_rows} a[j * br + r] b[r * b_stride
// + x] for j < n_keys, x < dim, r ascending for every element (so the
// result does not depend on the tiling). kKeys keys x kVecs vectors of d in
// registers across the r loop.
template <size_t kKeys, size_t kVecs, class D>
HWY_INLINE void OuterAccumulate(D d, const float* HWY_RESTRICT a, size_t br,
                                size_t n_rows, size_t n_keys,
                                const float* HWY_RESTRICT b, size_t b_stride,
                                size_t dim, float* HWY_RESTRICT out,
                                size_t out_stride) {
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  size_t x = 0;
  for (; x + kVecs * N <= dim; x += kVecs * N) {
    size_t j = 0;
    for (; j + kKeys <= n_keys; j += kKeys) {
      V acc[kKeys][kVecs];
      for (size_t k = 0; k < kKeys; ++k) {
        for (size_t v = 0; v < kVecs; ++v) {
          acc[k][v] = hn::LoadU(d, out + (j + k) * out_stride + x + v * N);
        }
      }
      for (size_t r = 0; r < n_rows; ++r) {
        V bv[kVecs];
        for (size_t v = 0; v < kVecs; ++v) {
          bv[v] = hn::LoadU(d, b + r * b_stride + x + v * N);
        }
        for (size_t k = 0; k < kKeys; ++k) {
          const V av = hn::Set(d, a[(j + k) * br + r]);
          for (size_t v = 0; v < kVecs; ++v) {
            acc[k][v] = hn::MulAdd(av, bv[v], acc[k][v]);
          }
        }
      }
      for (size_t k = 0; k < kKeys; ++k) {
        for (size_t v = 0; v < kVecs; ++v) {
          hn::StoreU(acc[k][v], d, out + (j + k) * out_stride + x + v * N);
        }
      }
    }
    for (; j < n_keys; ++j) {
      V acc[kVecs];
      for (size_t v = 0; v < kVecs; ++v) {
        acc[v] = hn::LoadU(d, out + j * out_stride + x + v * N);
      }
      for (size_t r = 0; r < n_rows; ++r) {
        const V av = hn::Set(d, a[j * br + r]);
        for (size_t v = 0; v < kVecs; ++v) {
          acc[v] = hn::MulAdd(av, hn::LoadU(d, b + r * b_stride + x + v * N),
                              acc[v]);
        }
      }
      for (size_t v = 0; v < kVecs; ++v) {
        hn::StoreU(acc[v], d, out + j * out_stride + x + v * N);
      }
    }
  }
  for (; x + N <= dim; x += N) {
    for (size_t j = 0; j < n_keys; ++j) {
      V acc = hn::LoadU(d, out + j * out_stride + x);
      for (size_t r = 0; r < n_rows; ++r) {
        acc = hn::MulAdd(hn::Set(d, a[j * br + r]),
                         hn::LoadU(d, b + r * b_stride + x), acc);
      }
      hn::StoreU(acc, d, out + j * out_stride + x);
    }
  }
  for (; x < dim; ++x) {
    for (size_t j = 0; j < n_keys; ++j) {
      float acc = out[j * out_stride + x];
      for (size_t r = 0; r < n_rows; ++r) {
        acc = std::fma(a[j * br + r], b[r * b_stride + x], acc);
      }
      out[j * out_stride + x] = acc;
    }
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_BACKWARD_TILE_INL_H_
