// Scalar twins of the decode kernels (kernels/decode_tile-inl.h), for
// tests/decode_tile_test.cc: the same buffers and formulas, one plain loop
// each, summed in double.
#ifndef ATTNBENCH_KERNELS_DECODE_REFERENCE_H_
#define ATTNBENCH_KERNELS_DECODE_REFERENCE_H_

#include <cstddef>

namespace attnbench::reference {

// s[r * ld + t] = sum_x q[r * dim + x] * k[t * k_stride + x].
inline void DecodeScores(const float* q, size_t dim, size_t n_rows,
                         const float* k, size_t k_stride, size_t n_keys,
                         float* s, size_t ld) {
  for (size_t r = 0; r < n_rows; ++r) {
    for (size_t t = 0; t < n_keys; ++t) {
      double acc = 0.0;
      for (size_t x = 0; x < dim; ++x) {
        acc += static_cast<double>(q[r * dim + x]) * k[t * k_stride + x];
      }
      s[r * ld + t] = static_cast<float>(acc);
    }
  }
}

// o[r * dim + x] += sum_t p[r * ld + t] * v[t * v_stride + x].
inline void DecodeAccumulate(const float* p, size_t ld, size_t n_rows,
                             const float* v, size_t v_stride, size_t dim,
                             size_t n_keys, float* o) {
  for (size_t r = 0; r < n_rows; ++r) {
    for (size_t x = 0; x < dim; ++x) {
      double acc = o[r * dim + x];
      for (size_t t = 0; t < n_keys; ++t) {
        acc += static_cast<double>(p[r * ld + t]) * v[t * v_stride + x];
      }
      o[r * dim + x] = static_cast<float>(acc);
    }
  }
}

}  // namespace attnbench::reference

#endif  // ATTNBENCH_KERNELS_DECODE_REFERENCE_H_
