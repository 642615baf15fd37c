// The scalar twin of kernels/flash_tile-inl.h: the same tile kernels on the
// same rows-as-lanes layout (qt[d * Br + r], st[j * Br + r], ot[d * Br + r]),
// written as plain loops. tests/flash_tile_test.cc compares every SIMD
// kernel with its twin on every compiled target at awkward sizes; the
// engine never calls these.
#ifndef ATTNBENCH_KERNELS_FLASH_TILE_REFERENCE_H_
#define ATTNBENCH_KERNELS_FLASH_TILE_REFERENCE_H_

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>

namespace attnbench::reference {

inline constexpr float kMaskedScore = -FLT_MAX / 2;

// st[j * br + r] = sum_x qt[x * br + r] * k[j * k_stride + x]
inline void ScoresTile(size_t br, const float* qt, size_t dim, const float* k,
                       size_t k_stride, size_t n_keys, float* st) {
  for (size_t j = 0; j < n_keys; ++j) {
    for (size_t r = 0; r < br; ++r) {
      float acc = 0.0f;
      for (size_t x = 0; x < dim; ++x) {
        acc = std::fma(qt[x * br + r], k[j * k_stride + x], acc);
      }
      st[j * br + r] = acc;
    }
  }
}

// st[j * br + r] += b0[r] + slope * j
inline void AddLinearBias(size_t br, size_t n_keys, const float* b0,
                          float slope, float* st) {
  for (size_t j = 0; j < n_keys; ++j) {
    for (size_t r = 0; r < br; ++r) {
      st[j * br + r] += std::fma(static_cast<float>(j), slope, b0[r]);
    }
  }
}

// The weight and visibility of key t for row r from its slots (TileRows
// layout: entry s * br + r); with slots == 0, wt already holds the weights.
inline void MaskTile(size_t br, const float* lo, const float* hi,
                     const float* w0, const float* step, size_t slots,
                     size_t n_keys, float* st, float* wt) {
  for (size_t j = 0; j < n_keys; ++j) {
    const float t = static_cast<float>(j);
    for (size_t r = 0; r < br; ++r) {
      float w = 0.0f;
      bool visible = false;
      if (slots == 0) {
        w = wt[j * br + r];
        visible = w > 0.0f;
      }
      for (size_t s = 0; s < slots; ++s) {
        const size_t at = s * br + r;
        if (lo[at] <= t && t < hi[at]) {
          w = std::clamp(std::fma(t, step[at], w0[at]), 0.0f, 1.0f);
          visible = true;
        }
      }
      if (slots > 1) visible = w > 0.0f;
      if (!visible) st[j * br + r] = kMaskedScore;
      wt[j * br + r] = visible ? w : 0.0f;
    }
  }
}

// Online softmax over one tile, per row r:
//   m' = max(m, max_j s_j);  a = exp(m - m');  p_j = w_j exp(s_j - m')
//   l  = a l + sum_j p_j;    ot[:, r] *= a;    m = m'
// wt == nullptr: every weight is 1.
inline void SoftmaxTile(size_t br, size_t n_keys, size_t dim, const float* wt,
                        float* st, float* m, float* l, float* ot) {
  for (size_t r = 0; r < br; ++r) {
    float m_new = m[r];
    for (size_t j = 0; j < n_keys; ++j) m_new = std::max(m_new, st[j * br + r]);
    float sum = 0.0f;
    for (size_t j = 0; j < n_keys; ++j) {
      float p = std::exp(st[j * br + r] - m_new);
      if (wt != nullptr) p *= wt[j * br + r];
      st[j * br + r] = p;
      sum += p;
    }
    const float alpha = std::exp(m[r] - m_new);
    l[r] = alpha * l[r] + sum;
    for (size_t x = 0; x < dim; ++x) ot[x * br + r] *= alpha;
    m[r] = m_new;
  }
}

// ot[x * br + r] += sum_j st[j * br + r] * v[j * v_stride + x]; with
// skip_masked, keys whose weight wt is 0 leave the row untouched.
inline void AccumulateTile(size_t br, const float* st, const float* wt,
                           const float* v, size_t v_stride, size_t dim,
                           size_t n_keys, bool skip_masked, float* ot) {
  for (size_t x = 0; x < dim; ++x) {
    for (size_t r = 0; r < br; ++r) {
      float acc = ot[x * br + r];
      for (size_t j = 0; j < n_keys; ++j) {
        if (skip_masked && !(wt[j * br + r] > 0.0f)) continue;
        acc = std::fma(st[j * br + r], v[j * v_stride + x], acc);
      }
      ot[x * br + r] = acc;
    }
  }
}

}  // namespace attnbench::reference

#endif  // ATTNBENCH_KERNELS_FLASH_TILE_REFERENCE_H_
