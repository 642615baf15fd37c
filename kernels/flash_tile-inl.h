// Highway kernels for one tile of blocked (flash-style) attention. A block
// of Br = kRowVecs * Lanes query rows is held "rows as lanes": every buffer
// keeps the Br rows of one column contiguous, so the online softmax is
// purely vertical (no horizontal reductions) and D needs no tail handling.
//   qt[d * Br + r]  query row r, scaled by the softmax scale (transposed Q)
//   st[j * Br + r]  score, then probability, of row r and tile key j
//   ot[d * Br + r]  unnormalised output of row r
//   m[r], l[r]      running max and running sum of row r
// The kernels know nothing of masks: a partial tile arrives with, per row,
// a few key intervals each with a linear weight ramp, or with its weights
// (MaskTile). kernels/flash_tile_reference.h is the scalar twin of each
// kernel, which the tests compare them with on every target.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_FLASH_TILE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_FLASH_TILE_INL_H_
#undef ATTNBENCH_KERNELS_FLASH_TILE_INL_H_
#else
#define ATTNBENCH_KERNELS_FLASH_TILE_INL_H_
#endif

#include <cfloat>
#include <cstddef>

#include "hwy/highway.h"
#include "kernels/exp-inl.h"
#include "kernels/transpose-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Finite stand-in for -inf: the running max starts here and masked scores are
// set to it, so no inf - inf can make a NaN. exp(kMaskedScore - s) is 0 for
// every finite score s that can occur.
constexpr float kMaskedScore = -FLT_MAX / 2;

// Keys per step of the register-tiled microkernels.
constexpr size_t kKeysPerStep = 8;

// qt[d * Br + r] = scale * q[r * stride + d] for r < n_rows, 0 for padding
// rows.
template <size_t kRowVecs, class D>
HWY_INLINE void PackQueryBlock(D d, const float* HWY_RESTRICT q, size_t dim,
                               size_t stride, size_t n_rows, float scale,
                               float* HWY_RESTRICT qt) {
  PackRowsAsLanes(q, dim, stride, n_rows, kRowVecs * hn::Lanes(d), scale, qt);
}

// st[j * Br + r] = sum_d qt[d * Br + r] * k[j * k_stride + d], j < n_keys:
// S = (scale Q) K^T for the tile (K rows k_stride floats apart). kRowVecs
// row vectors x kKeys keys of accumulators stay in registers across
// the whole d loop.
template <size_t kRowVecs, size_t kKeys = kKeysPerStep, class D>
HWY_INLINE void ScoresTile(D d, const float* HWY_RESTRICT qt, size_t dim,
                           const float* HWY_RESTRICT k, size_t k_stride,
                           size_t n_keys, float* HWY_RESTRICT st) {
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  const size_t br = kRowVecs * N;
  size_t j = 0;
  for (; j + kKeys <= n_keys; j += kKeys) {
    V acc[kRowVecs][kKeys];
    for (size_t v = 0; v < kRowVecs; ++v) {
      for (size_t c = 0; c < kKeys; ++c) acc[v][c] = hn::Zero(d);
    }
    const float* HWY_RESTRICT kj = k + j * k_stride;
    for (size_t x = 0; x < dim; ++x) {
      V q[kRowVecs];
      for (size_t v = 0; v < kRowVecs; ++v) {
        q[v] = hn::Load(d, qt + x * br + v * N);
      }
      for (size_t c = 0; c < kKeys; ++c) {
        const V kb = hn::Set(d, kj[c * k_stride + x]);
        for (size_t v = 0; v < kRowVecs; ++v) {
          acc[v][c] = hn::MulAdd(q[v], kb, acc[v][c]);
        }
      }
    }
    for (size_t c = 0; c < kKeys; ++c) {
      for (size_t v = 0; v < kRowVecs; ++v) {
        hn::Store(acc[v][c], d, st + (j + c) * br + v * N);
      }
    }
  }
  for (; j < n_keys; ++j) {
    V acc[kRowVecs];
    for (size_t v = 0; v < kRowVecs; ++v) acc[v] = hn::Zero(d);
    for (size_t x = 0; x < dim; ++x) {
      const V kb = hn::Set(d, k[j * k_stride + x]);
      for (size_t v = 0; v < kRowVecs; ++v) {
        acc[v] = hn::MulAdd(hn::Load(d, qt + x * br + v * N), kb, acc[v]);
      }
    }
    for (size_t v = 0; v < kRowVecs; ++v) {
      hn::Store(acc[v], d, st + j * br + v * N);
    }
  }
}

// Per-row description of a partial tile in tile-local key offsets t, as up
// to `slots` segments per row, slot-major (entry s * Br + r): key t of row
// r is in slot s iff lo <= t < hi, with weight clamp(w0 + t * step, 0, 1)
// (w0 = 1, step = 0 for a flat segment). A row's slots are disjoint; an
// unused slot has lo = hi. slots == 0: the caller filled wt itself (rules
// without a short description).
struct TileRows {
  const float* lo;
  const float* hi;
  const float* w0;
  const float* step;
  size_t slots;
};

// For a partial tile: wt[j * Br + r] = the weight of key j for row r (0
// where no slot holds it), and st = kMaskedScore where the weight is 0.
template <size_t kRowVecs, class D>
HWY_INLINE void MaskTile(D d, const TileRows& rows, size_t n_keys,
                         float* HWY_RESTRICT st, float* HWY_RESTRICT wt) {
  const size_t N = hn::Lanes(d);
  const size_t br = kRowVecs * N;
  const auto masked = hn::Set(d, kMaskedScore);
  const auto zero = hn::Zero(d);
  const auto one = hn::Set(d, 1.0f);
  for (size_t v = 0; v < kRowVecs; ++v) {
    if (rows.slots == 0) {  // weights given
      for (size_t j = 0; j < n_keys; ++j) {
        float* s = st + j * br + v * N;
        const auto visible = hn::Gt(hn::Load(d, wt + j * br + v * N), zero);
        hn::Store(hn::IfThenElse(visible, hn::Load(d, s), masked), d, s);
      }
      continue;
    }
    if (rows.slots == 1) {  // one segment per row: bounds in registers
      const auto lo = hn::LoadU(d, rows.lo + v * N);
      const auto hi = hn::LoadU(d, rows.hi + v * N);
      const auto w0 = hn::LoadU(d, rows.w0 + v * N);
      const auto step = hn::LoadU(d, rows.step + v * N);
      for (size_t j = 0; j < n_keys; ++j) {
        const auto t = hn::Set(d, static_cast<float>(j));
        const auto visible = hn::And(hn::Ge(t, lo), hn::Lt(t, hi));
        const auto w = hn::Min(one, hn::Max(zero, hn::MulAdd(t, step, w0)));
        float* s = st + j * br + v * N;
        hn::Store(hn::IfThenElse(visible, hn::Load(d, s), masked), d, s);
        hn::Store(hn::IfThenElseZero(visible, w), d, wt + j * br + v * N);
      }
      continue;
    }
    for (size_t j = 0; j < n_keys; ++j) {
      const auto t = hn::Set(d, static_cast<float>(j));
      auto w = zero;
      for (size_t slot = 0; slot < rows.slots; ++slot) {
        const size_t at = slot * br + v * N;
        const auto in = hn::And(hn::Ge(t, hn::LoadU(d, rows.lo + at)),
                                hn::Lt(t, hn::LoadU(d, rows.hi + at)));
        const auto ramp = hn::MulAdd(t, hn::LoadU(d, rows.step + at),
                                     hn::LoadU(d, rows.w0 + at));
        w = hn::IfThenElse(in, hn::Min(one, hn::Max(zero, ramp)), w);
      }
      float* s = st + j * br + v * N;
      hn::Store(hn::IfThenElse(hn::Gt(w, zero), hn::Load(d, s), masked), d, s);
      hn::Store(w, d, wt + j * br + v * N);
    }
  }
}

// A linear score bias (ALiBi): st[j * Br + r] += b0[r] + slope * j.
template <size_t kRowVecs, class D>
HWY_INLINE void AddLinearBias(D d, size_t n_keys, const float* HWY_RESTRICT b0,
                              float slope, float* HWY_RESTRICT st) {
  const size_t N = hn::Lanes(d);
  const size_t br = kRowVecs * N;
  const auto vslope = hn::Set(d, slope);
  for (size_t v = 0; v < kRowVecs; ++v) {
    const auto base = hn::LoadU(d, b0 + v * N);
    for (size_t j = 0; j < n_keys; ++j) {
      float* s = st + j * br + v * N;
      const auto bias =
          hn::MulAdd(hn::Set(d, static_cast<float>(j)), vslope, base);
      hn::Store(hn::Add(hn::Load(d, s), bias), d, s);
    }
  }
}

// Online softmax over one tile (Milakov & Gimelshein 2018), per row r:
//   m' = max(m, max_j s_j);  a = exp(m - m');  p_j = w_j exp(s_j - m')
//   l  = a l + sum_j p_j;    ot[:, r] *= a;    m = m'
// st is overwritten by p. wt == nullptr means every weight is 1 (full tile).
template <size_t kRowVecs, class D>
HWY_INLINE void SoftmaxTile(D d, size_t n_keys, size_t dim,
                            const float* HWY_RESTRICT wt,
                            float* HWY_RESTRICT st, float* HWY_RESTRICT m,
                            float* HWY_RESTRICT l, float* HWY_RESTRICT ot) {
  const size_t N = hn::Lanes(d);
  const size_t br = kRowVecs * N;
  const auto zero = hn::Zero(d);
  for (size_t v = 0; v < kRowVecs; ++v) {
    const auto m_old = hn::Load(d, m + v * N);
    // finite0/1 stay 0 while every score is finite (s * 0 is NaN for an
    // Inf or NaN score): then ExpClamped is exact enough. Where it keeps
    // NaN itself (kExpClampedKeepsNaN), the check is not needed.
    auto m0 = m_old, m1 = m_old, finite0 = zero, finite1 = zero;
    size_t j = 0;
    for (; j + 2 <= n_keys; j += 2) {
      const auto s0 = hn::Load(d, st + j * br + v * N);
      const auto s1 = hn::Load(d, st + (j + 1) * br + v * N);
      m0 = hn::Max(m0, s0);
      m1 = hn::Max(m1, s1);
      if constexpr (!kExpClampedKeepsNaN) {
        finite0 = hn::MulAdd(s0, zero, finite0);
        finite1 = hn::MulAdd(s1, zero, finite1);
      }
    }
    if (j < n_keys) {
      const auto s0 = hn::Load(d, st + j * br + v * N);
      m0 = hn::Max(m0, s0);
      if constexpr (!kExpClampedKeepsNaN) {
        finite0 = hn::MulAdd(s0, zero, finite0);
      }
    }
    const auto m_new = hn::Max(m0, m1);
    hn::Store(m_new, d, m + v * N);
    // ExpClamped also needs a finite max in every row: where a row has seen
    // no finite score yet (m' = kMaskedScore), its visible -inf scores must
    // give exactly 0, so that a row of only -inf scores sums to 0, as the
    // exact formula does.
    const bool fast = (kExpClampedKeepsNaN ||
                       hn::AllFalse(d, hn::IsNaN(hn::Add(finite0, finite1)))) &&
                      hn::AllFalse(d, hn::Eq(m_new, hn::Set(d, kMaskedScore)));

    // p_j = w_j exp(s_j - m'), summed in two chains (even and odd j).
    // ExpClamped gives e^-86.5 (2.7e-38) where the exact value is smaller:
    // a masked key's weight is 0, and any other term joins a sum whose
    // largest term, w e^0 for the row's max, dwarfs it.
    auto sum0 = zero, sum1 = zero;
    const auto exp_keys = [&](auto exp) HWY_ATTR {
      const auto exp_at = [&](size_t key) HWY_ATTR {
        float* s = st + key * br + v * N;
        auto p = exp(hn::Sub(hn::Load(d, s), m_new));
        if (wt != nullptr) p = hn::Mul(p, hn::Load(d, wt + key * br + v * N));
        hn::Store(p, d, s);
        return p;
      };
      for (j = 0; j + 2 <= n_keys; j += 2) {
        sum0 = hn::Add(sum0, exp_at(j));
        sum1 = hn::Add(sum1, exp_at(j + 1));
      }
      if (j < n_keys) sum0 = hn::Add(sum0, exp_at(j));
    };
    if (fast) {
      exp_keys([&](hn::Vec<D> x) HWY_ATTR { return ExpClamped(d, x); });
    } else {
      exp_keys([&](hn::Vec<D> x) HWY_ATTR { return ExpNonPositive(d, x); });
    }
    const auto alpha = ExpNonPositive(d, hn::Sub(m_old, m_new));
    const auto l_old = hn::Load(d, l + v * N);
    hn::Store(hn::MulAdd(alpha, l_old, hn::Add(sum0, sum1)), d, l + v * N);
    // Rescale the output only when some row's max moved.
    if (!hn::AllTrue(d, hn::Eq(m_old, m_new))) {
      for (size_t x = 0; x < dim; ++x) {
        float* o = ot + x * br + v * N;
        hn::Store(hn::Mul(hn::Load(d, o), alpha), d, o);
      }
    }
  }
}

// ot[x * Br + r] += sum_j st[j * Br + r] * vv[j * v_stride + x]: O += P V for
// the tile. kRowVecs row vectors x kCols output columns in registers
// across the whole key loop. kSkipMasked (a partial tile whose V holds a
// NaN or Inf): keys with weight wt = 0 leave the row untouched instead of
// adding 0 * v, so a masked key's NaN cannot reach the output.
template <size_t kRowVecs, bool kSkipMasked = false,
          size_t kCols = kKeysPerStep, class D>
HWY_INLINE void AccumulateTile(D d, const float* HWY_RESTRICT st,
                               const float* HWY_RESTRICT wt,
                               const float* HWY_RESTRICT vv, size_t v_stride,
                               size_t dim, size_t n_keys,
                               float* HWY_RESTRICT ot) {
  using V = hn::Vec<D>;
  const size_t N = hn::Lanes(d);
  const size_t br = kRowVecs * N;
  const V zero = hn::Zero(d);
  (void)wt;
  (void)zero;
  // acc + p * v, or acc where the key is masked for the row.
  const auto update = [&](V acc, V p, V v, size_t j, size_t lane_vec) HWY_ATTR {
    if constexpr (kSkipMasked) {
      const auto visible =
          hn::Gt(hn::Load(d, wt + j * br + lane_vec * N), zero);
      return hn::IfThenElse(visible, hn::MulAdd(p, v, acc), acc);
    } else {
      return hn::MulAdd(p, v, acc);
    }
  };
  size_t x = 0;
  for (; x + kCols <= dim; x += kCols) {
    V acc[kRowVecs][kCols];
    for (size_t c = 0; c < kCols; ++c) {
      for (size_t v = 0; v < kRowVecs; ++v) {
        acc[v][c] = hn::Load(d, ot + (x + c) * br + v * N);
      }
    }
    for (size_t j = 0; j < n_keys; ++j) {
      V p[kRowVecs];
      for (size_t v = 0; v < kRowVecs; ++v) {
        p[v] = hn::Load(d, st + j * br + v * N);
      }
      const float* HWY_RESTRICT vj = vv + j * v_stride + x;
      for (size_t c = 0; c < kCols; ++c) {
        const V vb = hn::Set(d, vj[c]);
        for (size_t v = 0; v < kRowVecs; ++v) {
          acc[v][c] = update(acc[v][c], p[v], vb, j, v);
        }
      }
    }
    for (size_t c = 0; c < kCols; ++c) {
      for (size_t v = 0; v < kRowVecs; ++v) {
        hn::Store(acc[v][c], d, ot + (x + c) * br + v * N);
      }
    }
  }
  for (; x < dim; ++x) {
    V acc[kRowVecs];
    for (size_t v = 0; v < kRowVecs; ++v) {
      acc[v] = hn::Load(d, ot + x * br + v * N);
    }
    for (size_t j = 0; j < n_keys; ++j) {
      const V vb = hn::Set(d, vv[j * v_stride + x]);
      for (size_t v = 0; v < kRowVecs; ++v) {
        acc[v] = update(acc[v], hn::Load(d, st + j * br + v * N), vb, j, v);
      }
    }
    for (size_t v = 0; v < kRowVecs; ++v) {
      hn::Store(acc[v], d, ot + x * br + v * N);
    }
  }
}

// o[r * stride + x] = ot[x * Br + r] * inv[r] for r < n_rows, with inv =
// 1 / l chosen by the caller (0 for a row that sees no key).
template <size_t kRowVecs, class D>
HWY_INLINE void StoreOutputBlock(D d, const float* HWY_RESTRICT ot,
                                 const float* HWY_RESTRICT inv, size_t dim,
                                 size_t stride, size_t n_rows,
                                 float* HWY_RESTRICT o) {
  UnpackRowsAsLanes(ot, inv, dim, stride, n_rows, kRowVecs * hn::Lanes(d), o);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_FLASH_TILE_INL_H_
