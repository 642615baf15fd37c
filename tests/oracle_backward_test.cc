// The oracle's gradients against central finite differences of the forward
// oracle, for the loss L = sum dO . O, on a small problem with grouped-query
// heads, for every mask kind: flat weights, a bias (ALiBi), ramps
// (adaptive span, whose dz is checked too) and sparse patterns. Not per
// target: the oracle is scalar (it sits with the SIMD tests for the
// registered mask kinds).
#include "harness/check/oracle_backward.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "harness/check/gradient_bound.h"
#include "harness/check/oracle.h"
#include "harness/contract/mask.h"

namespace attnbench {
namespace {

// Values on a grid of 2^-6 in [-1, 1): a step of 2^-10 is exact in fp32.
std::vector<float> GridValues(size_t n, uint32_t seed) {
  std::vector<float> out(n);
  uint32_t state = seed * 2654435761u + 1;
  for (float& x : out) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(static_cast<int>(state >> 25) - 64) / 64.0f;
  }
  return out;
}

struct Case {
  Problem problem;
  std::vector<float> q, k, v, d_out;
  Tensors View() const { return {q.data(), k.data(), v.data(), nullptr}; }
};

Case MakeCase(const std::string& mask) {
  Case c;
  c.problem.shape = {1, 4, 2, 5, 7, 3};  // B, H, Hkv, Nq, Nk, D
  c.problem.mask = ParseMask(mask);
  const Shape& s = c.problem.shape;
  c.q = GridValues(static_cast<size_t>(s.QElements()), 1);
  c.k = GridValues(static_cast<size_t>(s.KVElements()), 2);
  c.v = GridValues(static_cast<size_t>(s.KVElements()), 3);
  c.d_out = GridValues(static_cast<size_t>(s.QElements()), 4);
  return c;
}

double Loss(const Problem& problem, const Case& c) {
  const std::vector<double> o = OracleOutput(problem, c.View());
  double loss = 0.0;
  for (size_t i = 0; i < o.size(); ++i) loss += c.d_out[i] * o[i];
  return loss;
}

// Central differences of the loss in every element of `x` (one of the
// case's tensors), against the analytic gradient.
void ExpectGradient(Case& c, std::vector<float>& x,
                    const std::vector<double>& analytic, const char* name,
                    const std::string& mask) {
  constexpr float kStep = 1.0f / 1024;
  for (size_t i = 0; i < x.size(); ++i) {
    const float saved = x[i];
    x[i] = saved + kStep;
    const double up = Loss(c.problem, c);
    x[i] = saved - kStep;
    const double down = Loss(c.problem, c);
    x[i] = saved;
    const double numeric = (up - down) / (2.0 * kStep);
    EXPECT_NEAR(analytic[i], numeric, 2e-5) << name << "[" << i << "] " << mask;
  }
}

TEST(OracleBackward, MatchesFiniteDifferences) {
  // The built-in kinds (the registered ones, such as alibi, live with the
  // variants; harness_tests links neither).
  for (const std::string mask :
       {"none", "causal", "window:3", "window:1", "span:1.5:2.25",
        "span:0.5,1.5,2.25,5.75:2.25"}) {
    Case c = MakeCase(mask);
    const OracleGradients g =
        OracleBackward(c.problem, c.View(), c.d_out.data());
    ExpectGradient(c, c.q, g.dq, "dq", mask);
    ExpectGradient(c, c.k, g.dk, "dk", mask);
    ExpectGradient(c, c.v, g.dv, "dv", mask);
  }
}

// dz of adaptive span: the loss as a function of each head's span, the
// other spans fixed, differentiated numerically. No key sits on a kink
// (x = z or x = z + R, where the two sides' derivatives differ): the spans
// and z + R are not integers below Nk.
TEST(OracleBackward, SpanGradientMatchesFiniteDifferences) {
  const SpanParameters span{{0.5, 1.5, 2.25, 5.75}, 2.25};
  Case c = MakeCase("span:0.5,1.5,2.25,5.75:2.25");
  const OracleGradients g =
      OracleBackward(c.problem, c.View(), c.d_out.data(), &span);
  ASSERT_EQ(g.dz.size(), 4u);
  constexpr double kStep = 1e-6;
  bool some_nonzero = false;
  for (size_t h = 0; h < span.spans.size(); ++h) {
    std::vector<double> up = span.spans, down = span.spans;
    up[h] += kStep;
    down[h] -= kStep;
    Problem p_up = c.problem, p_down = c.problem;
    p_up.mask = Mask::Span(up, span.ramp);
    p_down.mask = Mask::Span(down, span.ramp);
    const double numeric = (Loss(p_up, c) - Loss(p_down, c)) / (2.0 * kStep);
    EXPECT_NEAR(g.dz[h], numeric, 1e-7) << "dz[" << h << "]";
    some_nonzero = some_nonzero || std::fabs(g.dz[h]) > 1e-3;
  }
  EXPECT_TRUE(some_nonzero) << "the ramp must carry a gradient";
}

// The derived bounds are neither vacuous nor violated by rounding alone:
// the oracle's gradients rounded to fp32 pass; moved by a relative 2^-9 (the
// rounding of a probability stored in bf16, an error a kernel must not
// make) each of dQ, dK, dV fails; and no element's bound is as large as
// its gradient's magnitude scale (max |g|).
TEST(OracleBackward, BoundsCatchAPrecisionLossAndPassRounding) {
  Problem problem;
  problem.shape = {1, 4, 2, 48, 48, 16};
  problem.mask = ParseMask("causal");
  const Shape& s = problem.shape;
  const std::vector<float> q = GridValues(s.QElements(), 5);
  const std::vector<float> k = GridValues(s.KVElements(), 6);
  const std::vector<float> v = GridValues(s.KVElements(), 7);
  const std::vector<float> d_out = GridValues(s.QElements(), 8);
  const Tensors t{q.data(), k.data(), v.data(), nullptr};
  const OracleGradients g = OracleBackward(problem, t, d_out.data());
  for (const auto& [name, ref, bound] :
       {std::tuple{"dQ", &g.dq, &g.dq_bound},
        std::tuple{"dK", &g.dk, &g.dk_bound},
        std::tuple{"dV", &g.dv, &g.dv_bound}}) {
    std::vector<float> rounded(ref->size()), moved(ref->size());
    double largest = 0.0, widest = 0.0;
    for (size_t i = 0; i < ref->size(); ++i) {
      rounded[i] = static_cast<float>((*ref)[i]);
      moved[i] = static_cast<float>((*ref)[i] * (1.0 + 0x1p-9));
      largest = std::max(largest, std::fabs((*ref)[i]));
      widest = std::max(widest, (*bound)[i]);
    }
    const GradientCheck pass = CheckGradient(rounded.data(), *ref, *bound);
    EXPECT_TRUE(pass.Pass()) << name << " ratio " << pass.ratio;
    const GradientCheck fail = CheckGradient(moved.data(), *ref, *bound);
    EXPECT_FALSE(fail.Pass()) << name << " ratio " << fail.ratio;
    EXPECT_LT(widest, 1e-3 * largest) << name;
  }
}

}  // namespace
}  // namespace attnbench
