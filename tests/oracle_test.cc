// The oracle against cases small enough to compute by hand.
#include "harness/check/oracle.h"

#include <gtest/gtest.h>

#include <cmath>

#include "harness/io/inputs.h"

namespace attnbench {
namespace {

struct Small {
  Shape shape;
  std::vector<float> q, k, v;
  std::vector<float> o;
  Tensors View() { return {q.data(), k.data(), v.data(), o.data()}; }
};

// 3x3 causal, D = 1, scale 1: s_pj = q_p * k_j.
TEST(Oracle, HandComputedCausal3x3) {
  Small t{{1, 1, 1, 3, 3, 1}, {0, 1, 2}, {1, 2, 3}, {1, 10, 100}, {}};
  Problem p{t.shape, Mask::Causal(), 1.0, 1};
  const std::vector<double> o = OracleOutput(p, t.View());
  const double e = std::exp(1.0);
  EXPECT_DOUBLE_EQ(o[0], 1.0);  // row 0 sees key 0 only
  // Row 1: scores 1, 2.
  EXPECT_DOUBLE_EQ(o[1], (e * 1 + e * e * 10) / (e + e * e));
  // Row 2: scores 2, 4, 6.
  const double e2 = std::exp(2.0), e4 = std::exp(4.0), e6 = std::exp(6.0);
  EXPECT_NEAR(o[2], (e2 * 1 + e4 * 10 + e6 * 100) / (e2 + e4 + e6), 1e-12);
}

TEST(Oracle, FullyMaskedRowIsZero) {
  AttentionData data = MakeInputs({1, 1, 1, 4, 4, 5}, 7);
  std::vector<double> out(5, 42.0);
  // A mask hiding every key from query row 2, causal elsewhere.
  const auto weight = [](int64_t, int64_t p, int64_t j) {
    return p == 2 ? 0.0 : (j <= p ? 1.0 : 0.0);
  };
  OracleRowWithWeights(data.shape, 0.5, data.View(), 0, 0, 2, weight,
                       out.data());
  for (double x : out) EXPECT_EQ(x, 0.0);
  OracleRowWithWeights(data.shape, 0.5, data.View(), 0, 0, 3, weight,
                       out.data());
  for (double x : out) EXPECT_NE(x, 0.0);
}

TEST(Oracle, WindowOfOneReturnsTheDiagonalValue) {
  const Shape s{2, 2, 1, 5, 9, 3};
  AttentionData data = MakeInputs(s, 3);
  Problem p{s, Mask::Window(1), std::nullopt, 1};
  const std::vector<double> o = OracleOutput(p, data.View());
  for (int64_t b = 0; b < s.B; ++b) {
    for (int64_t h = 0; h < s.H; ++h) {
      for (int64_t i = 0; i < s.Nq; ++i) {
        const int64_t pos = s.Nk - s.Nq + i;  // bottom-right alignment
        for (int64_t x = 0; x < s.D; ++x) {
          EXPECT_EQ(
              o[((b * s.H + h) * s.Nq + i) * s.D + x],
              static_cast<double>(data.v[(b * s.Hkv * s.Nk + pos) * s.D + x]));
        }
      }
    }
  }
}

// Scale 0 makes every score equal, so the output is the weighted mean of V
// with the adaptive-span ramp as the weights.
TEST(Oracle, AdaptiveSpanRampWeights) {
  Small t{
      {1, 1, 1, 4, 4, 1}, {1, 2, 3, 4}, {4, 3, 2, 1}, {1, 10, 100, 1000}, {}};
  // z = 0, R = 2: w = 1 at x = 0, 1/2 at x = 1, 0 beyond.
  Problem p{t.shape, Mask::Span({0.0}, 2.0), 0.0, 1};
  const std::vector<double> o = OracleOutput(p, t.View());
  EXPECT_DOUBLE_EQ(o[0], 1.0);
  EXPECT_DOUBLE_EQ(o[1], (10 + 0.5 * 1) / 1.5);
  EXPECT_DOUBLE_EQ(o[3], (1000 + 0.5 * 100) / 1.5);
  // z = 1, R = 2: w = 1, 1, 1/2 at x = 0, 1, 2.
  p.mask = Mask::Span({1.0}, 2.0);
  const std::vector<double> o2 = OracleOutput(p, t.View());
  EXPECT_DOUBLE_EQ(o2[3], (1000 + 100 + 0.5 * 10) / 2.5);
}

TEST(Oracle, DecodeRowSeesEveryKeyCausally) {
  const Shape s{1, 1, 1, 1, 17, 4};
  AttentionData data = MakeInputs(s, 11);
  std::vector<double> causal(4), none(4);
  OracleRow({s, Mask::Causal(), std::nullopt, 1}, data.View(), 0, 0, 0,
            causal.data());
  OracleRow({s, Mask::None(), std::nullopt, 1}, data.View(), 0, 0, 0,
            none.data());
  EXPECT_EQ(causal, none);
}

TEST(Oracle, GroupedQueryHeadsShareKeysAndValues) {
  // H = 4 on Hkv = 2: heads 0, 1 read K/V head 0; heads 2, 3 read head 1.
  const Shape s{1, 4, 2, 6, 6, 8};
  AttentionData data = MakeInputs(s, 5);
  // Give every query head the same q.
  for (int64_t h = 1; h < s.H; ++h) {
    std::copy(data.q.get(), data.q.get() + s.Nq * s.D,
              data.q.get() + h * s.Nq * s.D);
  }
  Problem p{s, Mask::Causal(), std::nullopt, 1};
  const std::vector<double> o = OracleOutput(p, data.View());
  const size_t head = s.Nq * s.D;
  for (size_t x = 0; x < head; ++x) {
    EXPECT_EQ(o[x], o[head + x]);
    EXPECT_EQ(o[2 * head + x], o[3 * head + x]);
  }
  EXPECT_NE(o[head - 1], o[2 * head + head - 1]);
}

}  // namespace
}  // namespace attnbench
