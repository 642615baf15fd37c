// Mask parsing, validation messages, and the built-in rules' segments (what
// the variants use), cross-checked against the oracle's weight definition.
#include "harness/contract/mask.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "harness/check/oracle.h"
#include "harness/contract/problem.h"

namespace attnbench {
namespace {

TEST(ParseMask, AcceptsEveryForm) {
  EXPECT_EQ(ParseMask("none").kind, "none");
  EXPECT_EQ(ParseMask("causal").kind, "causal");
  const Mask w = ParseMask("window:256");
  EXPECT_EQ(w.kind, "window");
  EXPECT_EQ(w.Rule().Params(), "256");
  const Mask s = ParseMask("span:64");
  EXPECT_EQ(s.kind, "span");
  EXPECT_EQ(s.ToString(), "span:64:32");  // the default ramp R = 32
  EXPECT_EQ(ParseMask("span:32,64,128.5:16").ToString(), "span:32,64,128.5:16");
  // The factories make the same rules as the text.
  EXPECT_EQ(Mask::Window(7).ToString(), "window:7");
  EXPECT_EQ(Mask::Span({1.5, 2}, 4).ToString(), "span:1.5,2:4");
  EXPECT_EQ(Mask().ToString(), "causal");
}

TEST(ParseMask, RoundTripsThroughToString) {
  for (const char* text : {"none", "causal", "window:1", "window:4096",
                           "span:0:32", "span:1.5,2,3:0.5"}) {
    EXPECT_EQ(ParseMask(text).ToString(), text);
  }
}

// Spans that differ in any digit print differently (a sweep keys its
// configurations by the text), and the text parses back to the same rule.
TEST(ParseMask, PrintsEverySpanDigit) {
  const Mask a = ParseMask("span:4096.0000001:0.1");
  const Mask b = ParseMask("span:4096.0000002:0.1");
  EXPECT_NE(a.ToString(), b.ToString());
  EXPECT_EQ(ParseMask(a.ToString()).ToString(), a.ToString());
  EXPECT_EQ(ParseMask("span:1e-07:3").ToString(),
            ParseMask(ParseMask("span:1e-07:3").ToString()).ToString());
}

TEST(ParseMask, RejectsBadTextNamingTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {"window:0", "W = 0"},        {"window:-2", "W = -2"},
      {"window:", "nothing after"}, {"window:3x", "W '3x'"},
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
  p.mask = Mask::Span({1.0, 2.0});
  ExpectInvalid(p, "span list has 2 values; allowed: 1 (all heads) or H = 8");
  p = ValidProblem();
  p.mask = Mask("causal", nullptr);
  ExpectInvalid(p, "mask 'causal' has no rule");
}

TEST(Validate, RejectsSizesThatOverflow) {
  Problem p = ValidProblem();
  p.shape.Nq = p.shape.Nk = int64_t{1} << 40;
  ExpectInvalid(p, "overflows 64-bit");
}

// The built-in rules' fast description (Segments, what naive and the
// engine use) against OracleWeight (the definition) for every key of many
// positions.
TEST(BuiltinSegments, MatchTheOracleWeights) {
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
        std::vector<KeySegment> segs;
        ASSERT_TRUE(mask.Rule().Segments(h, p, 0, nk, segs));
        std::vector<double> from_segments(nk, 0.0);
        for (const KeySegment& seg : segs) {
          for (int64_t j = std::max<int64_t>(0, seg.begin);
               j < std::min(seg.end, nk); ++j) {
            from_segments[j] = seg.WeightAt(j);
          }
        }
        for (int64_t j = 0; j < nk; ++j) {
          EXPECT_NEAR(from_segments[j], OracleWeight(mask, h, p, j), 1e-12)
              << mask.ToString() << " h=" << h << " p=" << p << " j=" << j;
        }
      }
    }
  }
}

TEST(SpanRule, FollowsTheRampAndFindsItsFlatPart) {
  // z = 2, R = 4: flat (w = 1) for x <= 2, then (6 - x) / 4 down to 0 at 6.
  const double expected[] = {1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0};
  const Mask m = Mask::Span({2.0}, 4.0);
  for (int64_t x = 0; x < 8; ++x) {
    EXPECT_DOUBLE_EQ(OracleWeight(m, 0, 10, 10 - x), expected[x]) << x;
  }
  EXPECT_EQ(m.Rule().Bounds(0, 10, 11).begin, 10 - 5);  // x <= 5 visible
  std::vector<KeySegment> segs;
  m.Rule().Segments(0, 10, 0, 11, segs);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].FlatKeys().begin, 10 - 2);  // x <= 2 flat
  EXPECT_EQ(segs[0].FlatKeys().end, 11);
}

// Ramps narrower than the rounding of p - z - R (R = 1e-30 at p = 5):
// the segments keep exactly the keys the rule sees, their flat keys have
// weight exactly 1, and a ramp the segment form cannot hold says so
// (RampPrecise), so that its weights come from the rule.
TEST(SpanRule, NarrowRampsKeepTheRuleKeysAndWeights) {
  for (double ramp : {1e-300, 1e-30, 1e-7, 0.5}) {
    for (double z : {0.0, 1e-300, 2.5, 5.0, 7.0000000000000009}) {
      const Mask m = Mask::Span({z}, ramp);
      for (int64_t p = 0; p < 40; ++p) {
        std::vector<KeySegment> segs;
        ASSERT_TRUE(m.Rule().Segments(0, p, 0, p + 1, segs));
        std::vector<double> from_segments(p + 1, 0.0);
        for (const KeySegment& seg : segs) {
          const KeyRange flat = seg.FlatKeys();
          for (int64_t j = seg.begin; j < seg.end; ++j) {
            from_segments[j] =
                seg.RampPrecise() ? seg.WeightAt(j) : OracleWeight(m, 0, p, j);
            if (j >= flat.begin && j < flat.end) {
              EXPECT_EQ(OracleWeight(m, 0, p, j), 1.0) << m.ToString() << p;
            }
          }
        }
        for (int64_t j = 0; j <= p; ++j) {
          const double w = OracleWeight(m, 0, p, j);
          EXPECT_NEAR(from_segments[j], w, 1e-9)  // RampPrecise: 2^-31
              << m.ToString() << " p=" << p << " j=" << j;
          EXPECT_EQ(w, p - j <= z ? 1.0 : w) << m.ToString();  // x <= z: 1
        }
      }
    }
  }
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

// Even keys up to p, with no Segments: MinimalKvBytes scans its weights.
class EvenKeysRule final : public MaskRule {
 public:
  std::string Params() const override { return ""; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && j % 2 == 0 ? 1.0 : 0.0;
  }
};

TEST(MinimalKvBytes, CountsTheKeysSomeQueryOfTheGroupSees) {
  Problem p;
  p.shape = {2, 4, 2, 1, 1000, 8};      // decode, 2 query heads per K/V head
  const int64_t row_bytes = 2 * 8 * 4;  // a key's K and V rows
  p.mask = Mask::Causal();
  EXPECT_EQ(MinimalKvBytes(p), 2 * 2 * 1000 * row_bytes);
  p.mask = Mask::Window(100);
  EXPECT_EQ(MinimalKvBytes(p), 2 * 2 * 100 * row_bytes);
  // Per-head spans: a K/V head reads what its widest head sees (z + R).
  p.mask = Mask::Span({10, 50, 0, 5}, 4.0);
  EXPECT_EQ(MinimalKvBytes(p), 2 * (54 + 9) * row_bytes);
  // A rule without Segments: its weights, while the rows are few.
  p.mask = Mask("even_keys_test", std::make_shared<EvenKeysRule>());
  EXPECT_EQ(MinimalKvBytes(p), 2 * 2 * 500 * row_bytes);
  p.shape.Nq = 1000;  // prefill: every key
  p.mask = Mask::Window(100);
  EXPECT_EQ(MinimalKvBytes(p), 2 * 2 * 1000 * row_bytes);
}

// The keys themselves: what the cold-cache protocol flushes.
TEST(KeysToRead, ListsEachKvHeadsSeenKeysAsDisjointRanges) {
  Problem p;
  p.shape = {1, 4, 2, 1, 1000, 8};  // decode, 2 query heads per K/V head
  const auto ranges = [&] {
    std::vector<std::vector<std::pair<int64_t, int64_t>>> out;
    for (const std::vector<KeyRange>& head : KeysToRead(p)) {
      out.emplace_back();
      for (const KeyRange& r : head) out.back().emplace_back(r.begin, r.end);
    }
    return out;
  };
  using Ranges = std::vector<std::vector<std::pair<int64_t, int64_t>>>;
  p.mask = Mask::Causal();
  EXPECT_EQ(ranges(), (Ranges{{{0, 1000}}, {{0, 1000}}}));
  p.mask = Mask::Window(100);
  EXPECT_EQ(ranges(), (Ranges{{{900, 1000}}, {{900, 1000}}}));
  // Heads 0, 1 read K/V head 0 (spans 10 and 50, ramp 4); 2, 3 head 1.
  p.mask = Mask::Span({10, 50, 0, 5}, 4.0);
  EXPECT_EQ(ranges(), (Ranges{{{946, 1000}}, {{991, 1000}}}));
  // Every other key: single keys, none joined.
  p.mask = Mask("even_keys_test", std::make_shared<EvenKeysRule>());
  const Ranges even = ranges();
  ASSERT_EQ(even.size(), 2u);
  ASSERT_EQ(even[0].size(), 500u);
  EXPECT_EQ(even[0][0], (std::pair<int64_t, int64_t>{0, 1}));
  EXPECT_EQ(even[0][499], (std::pair<int64_t, int64_t>{998, 999}));
  EXPECT_EQ(even[1], even[0]);
}

}  // namespace
}  // namespace attnbench
