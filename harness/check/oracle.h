// The oracle: scalar double-precision attention, written plainly, with no
// Highway and no threads. It is the only definition of "correct":
//   o_p = sum_j w_pj exp(s_pj - m) v_j / sum_j w_pj exp(s_pj - m),
//   s_pj = scale * q_p . k_j (+ a mask's bias), m = max of s_pj over keys
//   with w_pj > 0.
// A row whose weights are all zero is zero.
#ifndef ATTNBENCH_HARNESS_CHECK_ORACLE_H_
#define ATTNBENCH_HARNESS_CHECK_ORACLE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"

namespace attnbench {

// The weight of docs/semantics.md for head h, query position p and key j:
// the rule's definition (MaskRule::Weight) in double precision, not the
// fast description (Segments) that naive and the engine use, so that the
// two are checked against each other.
double OracleWeight(const Mask& mask, int64_t h, int64_t p, int64_t j);

// Output row (b, h, i) into out[0, D), for any weight function
// double weight(int64_t h, int64_t p, int64_t j) in [0, 1] and score bias
// double bias(int64_t p, int64_t j) (s = scale q.k + bias).
inline double NoBias(int64_t, int64_t) { return 0.0; }
template <class WeightFn, class BiasFn = decltype(&NoBias)>
void OracleRowWithWeights(const Shape& s, double scale, const Tensors& t,
                          int64_t b, int64_t h, int64_t i,
                          const WeightFn& weight, double* out,
                          const BiasFn& bias = &NoBias);

// Output row (b, h, i) of problem.mask into out[0, D).
void OracleRow(const Problem& problem, const Tensors& t, int64_t b, int64_t h,
               int64_t i, double* out);

// The whole output, [B, H, Nq, D].
std::vector<double> OracleOutput(const Problem& problem, const Tensors& t);

// ---------------------------------------------------------------------------

template <class WeightFn, class BiasFn>
void OracleRowWithWeights(const Shape& s, double scale, const Tensors& t,
                          int64_t b, int64_t h, int64_t i,
                          const WeightFn& weight, double* out,
                          const BiasFn& bias) {
  const int64_t p = s.Nk - s.Nq + i;          // bottom-right alignment
  const int64_t kv_head = h / (s.H / s.Hkv);  // grouped-query attention
  const float* q = t.q + ((b * s.H + h) * s.Nq + i) * s.D;
  const float* k = t.k + (b * s.Hkv + kv_head) * s.Nk * s.D;
  const float* v = t.v + (b * s.Hkv + kv_head) * s.Nk * s.D;

  std::vector<double> score(s.Nk), w(s.Nk);
  bool any = false;
  double m = 0.0;
  for (int64_t j = 0; j < s.Nk; ++j) {
    w[j] = weight(h, p, j);
    if (w[j] <= 0.0) continue;
    double dot = 0.0;
    for (int64_t x = 0; x < s.D; ++x) {
      dot += static_cast<double>(q[x]) * static_cast<double>(k[j * s.D + x]);
    }
    score[j] = scale * dot + bias(p, j);
    m = any ? std::max(m, score[j]) : score[j];
    any = true;
  }
  for (int64_t x = 0; x < s.D; ++x) out[x] = 0.0;
  if (!any) return;

  double denominator = 0.0;
  for (int64_t j = 0; j < s.Nk; ++j) {
    if (w[j] <= 0.0) continue;
    const double e = w[j] * std::exp(score[j] - m);
    denominator += e;
    for (int64_t x = 0; x < s.D; ++x) out[x] += e * v[j * s.D + x];
  }
  for (int64_t x = 0; x < s.D; ++x) out[x] /= denominator;
}

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CHECK_ORACLE_H_
