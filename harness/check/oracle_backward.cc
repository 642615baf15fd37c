#include "harness/check/oracle_backward.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "harness/check/oracle.h"
#include "harness/contract/mask.h"

namespace attnbench {
namespace {

// The first-order bound on an fp32 kernel's error of each gradient
// (docs/semantics.md "Gradient error bound"): every fp32 operation rounds
// with relative error at most u = 2^-24, an exponential is within 4u, and a
// sum of n terms in any order and blocking errs by at most
// gamma(n) = n u / (1 - n u) times the sum of the terms' magnitudes.
constexpr double kUnitRoundoff = 0x1p-24;

double Gamma(double n) {
  const double nu = n * kUnitRoundoff;
  return nu < 0.5 ? nu / (1.0 - nu) : 1.0;  // past n u = 1/2: no claim
}

// Per head: dz's ramp terms and the sum of their magnitudes, for the
// summation part of dz's bound (added once every row is in).
struct DzSums {
  std::vector<double> terms, magnitude;
};

// The backward of one query row (b, h, i): its dQ row into dq_row[0, D)
// (added) and its bound into dq_bound_row (if not null), and, with g, its
// contributions to dK, dV and dz and to their bounds (dz's sums into
// dz_sums).
// ramp: the mask's span parameters where it is a span (for the bound on
// its weights), whether or not dz is wanted (span).
void BackwardRow(const Problem& problem, const Tensors& t, const float* d_out,
                 const SpanParameters* span, const SpanParameters* ramp,
                 int64_t b, int64_t h, int64_t i, double* dq_row,
                 double* dq_bound_row, OracleGradients* g, DzSums* dz_sums) {
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
  const double u = kUnitRoundoff;
  // Forward again: weights, scores, the max over seen keys; with each
  // score's rounding bound es (a D-term dot product, the scale, the bias).
  std::vector<double> w(s.Nk), score(s.Nk), prob(s.Nk, 0.0), es(s.Nk, 0.0);
  bool any = false;
  double m = 0.0;
  int64_t seen = 0;
  for (int64_t j = 0; j < s.Nk; ++j) {
    w[j] = OracleWeight(problem.mask, h, p, j);
    if (w[j] <= 0.0) continue;
    double dot = 0.0, dot_abs = 0.0;
    for (int64_t x = 0; x < s.D; ++x) {
      const double term =
          static_cast<double>(q[x]) * static_cast<double>(k[j * s.D + x]);
      dot += term;
      dot_abs += std::fabs(term);
    }
    const double bias = slope * static_cast<double>(p - j);
    score[j] = scale * dot - bias;
    es[j] = Gamma(static_cast<double>(s.D + 3)) *
            (std::fabs(scale) * dot_abs + std::fabs(bias));
    m = any ? std::max(m, score[j]) : score[j];
    any = true;
    ++seen;
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
  // The relative error of each probability as a kernel forms it, P_pj =
  // w exp(s - m) / l: its own score's and weight's error, exp(s - m) of a
  // rounded difference, and the sum l (whose terms carry their own errors,
  // weighted by P; m's error cancels between numerator and l):
  //   rho_j = es_j + ew_j + u |s_j - m| + A + 8u + gamma(2 n + 16),
  //   A = sum_j P_j (es_j + ew_j + u |s_j - m|),
  // with 2 n + 16 covering the online softmax's rescalings of l. A partial
  // weight w (a span's ramp) errs by at most 4u (1 + |z|/R) absolutely.
  const double ramp_error =
      ramp != nullptr
          ? 4.0 * u * (1.0 + std::fabs(ramp->SpanOf(h)) / ramp->ramp)
          : 4.0 * u;
  std::vector<double> own(s.Nk, 0.0), rho(s.Nk, 0.0);
  double spread = 0.0;  // A
  for (int64_t j = 0; j < s.Nk; ++j) {
    if (w[j] <= 0.0) continue;
    const double ew = w[j] < 1.0 ? ramp_error / w[j] : 0.0;
    own[j] = es[j] + ew + u * std::fabs(score[j] - m);
    spread += prob[j] * own[j];
  }
  const auto n = static_cast<double>(seen);
  for (int64_t j = 0; j < s.Nk; ++j) {
    if (w[j] > 0.0) rho[j] = own[j] + spread + 8.0 * u + Gamma(2.0 * n + 16.0);
  }
  // The output's error (a kernel's O, which D_p may read), then D_p's.
  double d_row = 0.0, d_row_error = 0.0;  // D_p = dO_p . o_p, its bound
  for (int64_t x = 0; x < s.D; ++x) {
    double o_error = 0.0;
    for (int64_t j = 0; j < s.Nk; ++j) {
      if (w[j] <= 0.0) continue;
      o_error +=
          prob[j] * std::fabs(v[j * s.D + x]) * (rho[j] + Gamma(2.0 * n));
    }
    d_row += dout[x] * o[x];
    d_row_error += Gamma(static_cast<double>(s.D)) * std::fabs(dout[x] * o[x]) +
                   std::fabs(dout[x]) * o_error;
  }
  // Terms summed into one key's dK and dV: every row of the group's heads.
  const auto kv_terms = static_cast<double>(s.Nq * (s.H / s.Hkv) + 1);
  for (int64_t j = 0; j < s.Nk; ++j) {
    if (w[j] <= 0.0) continue;
    double dp = 0.0, dp_abs = 0.0;  // dP_pj = dO_p . v_j
    for (int64_t x = 0; x < s.D; ++x) {
      dp += dout[x] * v[j * s.D + x];
      dp_abs += std::fabs(dout[x] * v[j * s.D + x]);
    }
    const double ds = prob[j] * (dp - d_row);
    // dS_pj = P_pj (dP_pj - D_p): the errors of dP and D_p scaled by P,
    // and P's own relative error (plus the product's and difference's).
    const double dp_error = Gamma(static_cast<double>(s.D)) * dp_abs;
    const double ds_error =
        prob[j] * (dp_error + d_row_error) + (rho[j] + 2.0 * u) * std::fabs(ds);
    for (int64_t x = 0; x < s.D; ++x) {
      dq_row[x] += scale * ds * k[j * s.D + x];
      if (dq_bound_row != nullptr) {
        dq_bound_row[x] += std::fabs(scale) *
                           (ds_error + Gamma(n + 1.0) * std::fabs(ds)) *
                           std::fabs(k[j * s.D + x]);
      }
    }
    if (g == nullptr) continue;
    for (int64_t x = 0; x < s.D; ++x) {
      g->dk[kv0 + j * s.D + x] += scale * ds * q[x];
      g->dv[kv0 + j * s.D + x] += prob[j] * dout[x];
      g->dk_bound[kv0 + j * s.D + x] +=
          std::fabs(scale) * (ds_error + Gamma(kv_terms) * std::fabs(ds)) *
          std::fabs(q[x]);
      g->dv_bound[kv0 + j * s.D + x] +=
          prob[j] * std::fabs(dout[x]) * (rho[j] + Gamma(kv_terms));
    }
    if (span != nullptr && w[j] < 1.0) {  // inside the ramp: dw/dz = 1/R
      // (P / w) does not carry w's error: w cancels in exp(s - m) / l.
      const double ratio = prob[j] / w[j];
      g->dz[h] += ratio * (dp - d_row) / span->ramp;
      g->dz_bound[h] += ratio *
                        (dp_error + d_row_error +
                         (rho[j] + 3.0 * u) * std::fabs(dp - d_row)) /
                        span->ramp;
      dz_sums->terms[h] += 1.0;
      dz_sums->magnitude[h] += ratio * std::fabs(dp - d_row) / span->ramp;
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
  const std::optional<SpanParameters> ramp = SpanParametersOf(problem.mask);
  g.dq_bound.assign(g.dq.size(), 0.0);
  g.dk_bound.assign(g.dk.size(), 0.0);
  g.dv_bound.assign(g.dv.size(), 0.0);
  DzSums dz_sums;
  if (span != nullptr) {
    for (auto* dz : {&g.dz, &g.dz_bound, &dz_sums.terms, &dz_sums.magnitude}) {
      dz->assign(static_cast<size_t>(s.H), 0.0);
    }
  }
  for (int64_t b = 0; b < s.B; ++b) {
    for (int64_t h = 0; h < s.H; ++h) {
      for (int64_t i = 0; i < s.Nq; ++i) {
        const int64_t q_row = ((b * s.H + h) * s.Nq + i) * s.D;
        BackwardRow(problem, t, d_out, span, ramp ? &*ramp : nullptr, b, h, i,
                    g.dq.data() + q_row, g.dq_bound.data() + q_row, &g,
                    &dz_sums);
      }
    }
  }
  // dz_h sums every ramp term of the head: gamma of their count.
  for (size_t h = 0; h < g.dz.size(); ++h) {
    g.dz_bound[h] += Gamma(dz_sums.terms[h] + 1.0) * dz_sums.magnitude[h];
  }
  return g;
}

std::vector<double> OracleDqRows(const Problem& problem, const Tensors& t,
                                 const float* d_out,
                                 const std::vector<int64_t>& rows,
                                 std::vector<double>* bounds) {
  const Shape& s = problem.shape;
  std::vector<double> dq(rows.size() * static_cast<size_t>(s.D), 0.0);
  if (bounds != nullptr) bounds->assign(dq.size(), 0.0);
  const std::optional<SpanParameters> ramp = SpanParametersOf(problem.mask);
  for (size_t n = 0; n < rows.size(); ++n) {
    const int64_t row = rows[n], bh = row / s.Nq;
    const size_t at = n * static_cast<size_t>(s.D);
    BackwardRow(problem, t, d_out, nullptr, ramp ? &*ramp : nullptr, bh / s.H,
                bh % s.H, row % s.Nq, dq.data() + at,
                bounds != nullptr ? bounds->data() + at : nullptr, nullptr,
                nullptr);
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
