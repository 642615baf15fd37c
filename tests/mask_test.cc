// Mask parsing, validation messages, and the visible-key ranges the variants
// use, cross-checked against the oracle's direct weight definition.
#include "harness/mask.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "harness/oracle.h"
#include "harness/problem.h"

namespace attnbench {
namespace {

TEST(ParseMask, AcceptsEveryForm) {
  EXPECT_EQ(ParseMask("none").kind, MaskKind::kNone);
  EXPECT_EQ(ParseMask("causal").kind, MaskKind::kCausal);
  const Mask w = ParseMask("window:256");
  EXPECT_EQ(w.kind, MaskKind::kWindow);
  EXPECT_EQ(w.window, 256);
  const Mask s = ParseMask("span:64");
  EXPECT_EQ(s.kind, MaskKind::kSpan);
  EXPECT_EQ(s.spans, std::vector<double>{64.0});
  EXPECT_EQ(s.ramp, 32.0);
  const Mask per_head = ParseMask("span:32,64,128.5:16");
  EXPECT_EQ(per_head.spans, (std::vector<double>{32.0, 64.0, 128.5}));
  EXPECT_EQ(per_head.ramp, 16.0);
}

TEST(ParseMask, RoundTripsThroughToString) {
  for (const char* text : {"none", "causal", "window:1", "window:4096",
                           "span:0:32", "span:1.5,2,3:0.5"}) {
    EXPECT_EQ(ParseMask(text).ToString(), text);
  }
}

TEST(ParseMask, RejectsBadTextNamingTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {"window:0", "W = 0"},        {"window:-2", "W = -2"},
      {"window:", "W ''"},          {"window:3x", "W '3x'"},
      {"window", "W is missing"},   {"span:-1", "Z = -1"},
      {"span:inf", "Z = inf"},      {"span:1,,2", "Z ''"},
      {"span:4:0", "R = 0"},        {"span:4:-1", "R = -1"},
      {"causal:3", "no parameter"}, {"diagonal", "unknown mask kind"},
      {"", "unknown mask kind"},
  };
  for (const auto& [text, expected] : cases) {
    try {
      ParseMask(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
          << text << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("allowed:"), std::string::npos);
    }
  }
}

Problem ValidProblem() {
  Problem p;
  p.shape = {2, 8, 4, 100, 120, 64};
  p.mask = Mask::Causal();
  p.threads = 2;
  return p;
}

void ExpectInvalid(const Problem& p, const std::string& expected) {
  try {
    Validate(p);
    ADD_FAILURE() << "accepted " << p.ToString();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
        << e.what();
  }
}

TEST(Validate, AcceptsAValidProblem) {
  EXPECT_NO_THROW(Validate(ValidProblem()));
}

TEST(Validate, NamesEachOutOfRangeParameter) {
  Problem p = ValidProblem();
  p.shape.B = 0;
  ExpectInvalid(p, "B = 0");
  p = ValidProblem();
  p.shape.H = -1;
  ExpectInvalid(p, "H = -1");
  p = ValidProblem();
  p.shape.Hkv = 3;
  ExpectInvalid(p, "Hkv = 3 does not divide H = 8");
  p = ValidProblem();
  p.shape.Hkv = 16;
  ExpectInvalid(p, "Hkv = 16 is out of range; allowed: 1..8");
  p = ValidProblem();
  p.shape.Nq = 121;
  ExpectInvalid(p, "Nq = 121 is out of range; allowed: 1..120");
  p = ValidProblem();
  p.shape.Nk = 0;
  ExpectInvalid(p, "Nk = 0");
  p = ValidProblem();
  p.shape.D = kMaxHeadDim + 1;
  ExpectInvalid(p, "D = 4097 is out of range; allowed: 1..4096");
  p = ValidProblem();
  p.threads = 0;
  ExpectInvalid(p, "threads = 0");
  p = ValidProblem();
  p.scale = std::numeric_limits<double>::quiet_NaN();
  ExpectInvalid(p, "scale = nan");
  p = ValidProblem();
  p.mask = Mask::Window(0);
  ExpectInvalid(p, "window W = 0");
  p = ValidProblem();
  p.mask = Mask::Span({1.0, 2.0});
  ExpectInvalid(p, "span list has 2 values; allowed: 1 (all heads) or H = 8");
  p = ValidProblem();
  p.mask = Mask::Span({-1.0});
  ExpectInvalid(p, "span z[0] = -1");
  p = ValidProblem();
  p.mask = Mask::Span({1.0}, 0.0);
  ExpectInvalid(p, "span ramp R = 0");
}

TEST(Validate, RejectsSizesThatOverflow) {
  Problem p = ValidProblem();
  p.shape.Nq = p.shape.Nk = int64_t{1} << 40;
  ExpectInvalid(p, "overflows 64-bit");
}

// VisibleKeys and MaskWeight (used by the variants) against OracleWeight
// (written from DESIGN.md) for every key of many positions.
TEST(VisibleKeys, MatchesTheOracleWeights) {
  std::vector<double> per_head = {0.0, 1.5, 7.0, 40.0};
  const Mask masks[] = {Mask::None(),           Mask::Causal(),
                        Mask::Window(1),        Mask::Window(5),
                        Mask::Window(100),      Mask::Span({0.0}, 1.0),
                        Mask::Span({2.5}, 4.0), Mask::Span(per_head, 3.0),
                        Mask::Span({3.0}, 0.25)};
  const int64_t nk = 60;
  for (const Mask& mask : masks) {
    for (int64_t h = 0; h < 4; ++h) {
      for (int64_t p = 0; p < nk; ++p) {
        const KeyRange r = VisibleKeys(mask, h, p, nk);
        for (int64_t j = 0; j < nk; ++j) {
          const double w = OracleWeight(mask, h, p, j);
          EXPECT_EQ(w > 0.0, j >= r.begin && j < r.end)
              << mask.ToString() << " h=" << h << " p=" << p << " j=" << j;
          EXPECT_EQ(MaskWeight(mask, h, p, j), w);
        }
      }
    }
  }
}

TEST(SpanWeight, FollowsTheRamp) {
  // z = 2, R = 4: flat (w = 1) for x <= 2, then (6 - x) / 4 down to 0 at 6.
  const double expected[] = {1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0};
  const Mask m = Mask::Span({2.0}, 4.0);
  for (int64_t x = 0; x < 8; ++x) {
    EXPECT_DOUBLE_EQ(SpanWeight(2.0, 4.0, x), expected[x]) << x;
    EXPECT_DOUBLE_EQ(OracleWeight(m, 0, 10, 10 - x), expected[x]) << x;
  }
  EXPECT_EQ(VisibleKeys(m, 0, 10, 11).begin, 10 - 5);  // x <= 5 visible
}

TEST(CountVisiblePairs, CountsEachMask) {
  Problem p;
  p.shape = {2, 3, 1, 10, 10, 8};
  p.mask = Mask::None();
  EXPECT_EQ(CountVisiblePairs(p), 2 * 3 * 100);
  p.mask = Mask::Causal();
  EXPECT_EQ(CountVisiblePairs(p), 2 * 3 * 55);
  p.mask = Mask::Window(3);  // rows see 1, 2, 3, 3, ... keys
  EXPECT_EQ(CountVisiblePairs(p), 2 * 3 * (1 + 2 + 3 * 8));
  p.mask = Mask::Span({0.0}, 2.0);  // x < 2: same as window 2
  EXPECT_EQ(CountVisiblePairs(p), 2 * 3 * (1 + 2 * 9));
  p.shape.Nq = 1;  // decode: the one query sees every key causally
  p.mask = Mask::Causal();
  EXPECT_EQ(CountVisiblePairs(p), 2 * 3 * 10);
  EXPECT_DOUBLE_EQ(EffectiveFlops(p), 4.0 * 8 * 60);
}

}  // namespace
}  // namespace attnbench
