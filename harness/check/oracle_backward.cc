#include "harness/check/oracle_backward.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "harness/check/oracle.h"
#include "harness/contract/mask.h"

namespace attnbench {
namespace {

// The backward of one query row (b, h, i): its dQ row into dq_row[0, D)
// (added), and, with g, its contributions to dK, dV and dz.
void BackwardRow(const Problem& problem, const Tensors& t, const float* d_out,
                 const SpanParameters* span, int64_t b, int64_t h, int64_t i,
                 double* dq_row, OracleGradients* g) {
  const Shape& s = problem.shape;
  const double scale = problem.Scale();
  const MaskRule& rule = problem.mask.Rule();
  const double slope = rule.BiasSlope(h, s.H);
  const int64_t p = s.Nk - s.Nq + i;  // bottom-right alignment
  const int64_t kv_head = h / (s.H / s.Hkv);
  const int64_t q_row = ((b * s.H + h) * s.Nq + i) * s.D;
  const int64_t kv0 = (b * s.Hkv + kv_head) * s.Nk * s.D;
  const float* q = t.q + q_row;
  const float* k = t.k + kv0;
  const float* v = t.v + kv0;
  const float* dout = d_out + q_row;
  // Forward again: weights, scores, the max over seen keys.
  std::vector<double> w(s.Nk), score(s.Nk), prob(s.Nk, 0.0);
  bool any = false;
  double m = 0.0;
  for (int64_t j = 0; j < s.Nk; ++j) {
    w[j] = OracleWeight(problem.mask, h, p, j);
    if (w[j] <= 0.0) continue;
    double dot = 0.0;
    for (int64_t x = 0; x < s.D; ++x) {
      dot += static_cast<double>(q[x]) * static_cast<double>(k[j * s.D + x]);
    }
    score[j] = scale * dot - slope * static_cast<double>(p - j);
    m = any ? std::max(m, score[j]) : score[j];
    any = true;
  }
  if (!any) return;  // the output is the constant 0: no gradient
  double z = 0.0;
  for (int64_t j = 0; j < s.Nk; ++j) {
    if (w[j] > 0.0) z += w[j] * std::exp(score[j] - m);
  }
  std::vector<double> o(s.D, 0.0);
  for (int64_t j = 0; j < s.Nk; ++j) {
    if (w[j] <= 0.0) continue;
    prob[j] = w[j] * std::exp(score[j] - m) / z;
    for (int64_t x = 0; x < s.D; ++x) o[x] += prob[j] * v[j * s.D + x];
  }
  double d_row = 0.0;  // D_p = dO_p . o_p
  for (int64_t x = 0; x < s.D; ++x) d_row += dout[x] * o[x];
  for (int64_t j = 0; j < s.Nk; ++j) {
    if (w[j] <= 0.0) continue;
    double dp = 0.0;  // dP_pj = dO_p . v_j
    for (int64_t x = 0; x < s.D; ++x) dp += dout[x] * v[j * s.D + x];
    const double ds = prob[j] * (dp - d_row);
    for (int64_t x = 0; x < s.D; ++x) {
      dq_row[x] += scale * ds * k[j * s.D + x];
    }
    if (g == nullptr) continue;
    for (int64_t x = 0; x < s.D; ++x) {
      g->dk[kv0 + j * s.D + x] += scale * ds * q[x];
      g->dv[kv0 + j * s.D + x] += prob[j] * dout[x];
    }
    if (span != nullptr && w[j] < 1.0) {  // inside the ramp: dw/dz = 1/R
      g->dz[h] += prob[j] / w[j] * (dp - d_row) / span->ramp;
    }
  }
}

}  // namespace

OracleGradients OracleBackward(const Problem& problem, const Tensors& t,
                               const float* d_out, const SpanParameters* span) {
  const Shape& s = problem.shape;
  OracleGradients g;
  g.dq.assign(static_cast<size_t>(s.QElements()), 0.0);
  g.dk.assign(static_cast<size_t>(s.KVElements()), 0.0);
  g.dv.assign(static_cast<size_t>(s.KVElements()), 0.0);
  if (span != nullptr) g.dz.assign(static_cast<size_t>(s.H), 0.0);
  for (int64_t b = 0; b < s.B; ++b) {
    for (int64_t h = 0; h < s.H; ++h) {
      for (int64_t i = 0; i < s.Nq; ++i) {
        const int64_t q_row = ((b * s.H + h) * s.Nq + i) * s.D;
        BackwardRow(problem, t, d_out, span, b, h, i, g.dq.data() + q_row, &g);
      }
    }
  }
  return g;
}

std::vector<double> OracleDqRows(const Problem& problem, const Tensors& t,
                                 const float* d_out,
                                 const std::vector<int64_t>& rows) {
  const Shape& s = problem.shape;
  std::vector<double> dq(rows.size() * static_cast<size_t>(s.D), 0.0);
  for (size_t n = 0; n < rows.size(); ++n) {
    const int64_t row = rows[n], bh = row / s.Nq;
    BackwardRow(problem, t, d_out, nullptr, bh / s.H, bh % s.H, row % s.Nq,
                dq.data() + n * static_cast<size_t>(s.D), nullptr);
  }
  return dq;
}

std::optional<SpanParameters> SpanParametersOf(const Mask& mask) {
  if (mask.kind != "span") return std::nullopt;
  const std::string text = mask.ToString();  // span:Z[,Z...][:R]
  std::string rest = text.substr(text.find(':') + 1);
  SpanParameters p;
  const size_t colon = rest.find(':');
  if (colon != std::string::npos) {
    p.ramp = std::stod(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  size_t start = 0;
  while (true) {
    const size_t comma = rest.find(',', start);
    p.spans.push_back(std::stod(rest.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return p;
}

}  // namespace attnbench
