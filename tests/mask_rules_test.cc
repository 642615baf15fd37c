// Every registered mask kind, the built-in ones included
// (harness/contract/mask_rule.h), against its own Weight,
// element by element: the pieces the engine walks, the visible counts that
// the work accounting uses, the bounds and the weight rows.
#include <gtest/gtest.h>

#include "harness/contract/mask.h"
#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"

namespace attnbench {
namespace {

TEST(MaskRules, FastPathsMatchTheWeights) {
  const Shape s{1, 2, 2, 90, 90, 8};
  int rules = 0;
  for (const MaskKindInfo* kind : MaskKinds()) {
    for (const std::string& text : kind->check_examples(s)) {
      const Mask mask = ParseMask(text);
      ASSERT_EQ(mask.ToString(), text);
      const MaskRule& rule = *mask.rule;
      ++rules;
      for (int64_t h = 0; h < s.H; ++h) {
        for (int64_t p = 0; p < s.Nk; ++p) {
          const KeyRange b = rule.Bounds(h, p, s.Nk);
          int64_t count = 0;
          std::vector<float> row(s.Nk);
          rule.WeightRow(h, p, 0, s.Nk, row.data());
          for (int64_t j = 0; j < s.Nk; ++j) {
            const double w = rule.Weight(h, p, j);
            ASSERT_GE(w, 0.0);
            ASSERT_LE(w, 1.0);
            count += w > 0;
            ASSERT_EQ(row[j], static_cast<float>(w)) << text;
            if (j < b.begin || j >= b.end) {
              ASSERT_EQ(w, 0.0) << text << " p=" << p << " j=" << j;
            }
          }
          ASSERT_EQ(rule.CountVisible(h, p, s.Nk), count) << text << " p=" << p;
          // The fast description holds exactly the visible keys, with
          // the rule's weights.
          std::vector<KeySegment> segs;
          if (!rule.Segments(h, p, 0, s.Nk, segs)) continue;
          std::vector<double> from_segments(s.Nk, 0.0);
          for (const KeySegment& seg : segs) {
            for (int64_t j = std::max<int64_t>(seg.begin, 0);
                 j < std::min(seg.end, s.Nk); ++j) {
              ASSERT_EQ(from_segments[j], 0.0) << text << ": segments overlap";
              from_segments[j] = seg.WeightAt(j);
            }
          }
          for (int64_t j = 0; j < s.Nk; ++j) {
            ASSERT_NEAR(from_segments[j], rule.Weight(h, p, j), 1e-12)
                << text << " p=" << p << " j=" << j;
          }
        }
        for (int64_t rows : {1, 7, 32}) {
          for (int64_t p0 = 0; p0 + rows <= s.Nk; p0 += 11) {
            const int64_t p1 = p0 + rows - 1;
            for (int64_t c0 = 0; c0 < s.Nk; c0 += 13) {
              const int64_t c1 = std::min(s.Nk, c0 + 40);
              std::vector<KeyPiece> pieces;
              rule.Pieces(h, p0, p1, c0, c1, pieces);
              int64_t at = c0;
              std::vector<TileKind> kind_of(c1 - c0, TileKind::kEmpty);
              for (const KeyPiece& piece : pieces) {
                ASSERT_GE(piece.begin, at) << text << ": pieces out of order";
                ASSERT_LE(piece.end, c1);
                for (int64_t j = piece.begin; j < piece.end; ++j) {
                  kind_of[j - c0] = piece.kind;
                }
                at = piece.end;
              }
              for (int64_t j = c0; j < c1; ++j) {
                for (int64_t p = p0; p <= p1; ++p) {
                  const double w = rule.Weight(h, p, j);
                  const TileKind k = kind_of[j - c0];
                  const std::string where =
                      text + " rows " + std::to_string(p0) + ".." +
                      std::to_string(p1) + " key " + std::to_string(j);
                  if (k == TileKind::kEmpty) {
                    ASSERT_EQ(w, 0.0) << where;
                  }
                  if (k == TileKind::kFull) {
                    ASSERT_EQ(w, 1.0) << where;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  std::printf("checked %d rules of %zu mask kinds\n", rules,
              MaskKinds().size());
}

// A rule that says every head sees the same weights (the decode path then
// asks for one head's keys) does: Weight agrees across heads everywhere.
TEST(MaskRules, SameWeightsForEveryHeadHolds) {
  const Shape s{1, 4, 2, 90, 90, 8};
  int claimed = 0;
  for (const MaskKindInfo* kind : MaskKinds()) {
    for (const std::string& text : kind->check_examples(s)) {
      const Mask mask = ParseMask(text);
      const MaskRule& rule = *mask.rule;
      if (!rule.SameWeightsForEveryHead()) continue;
      ++claimed;
      for (int64_t h = 1; h < s.H; ++h) {
        for (int64_t p = 0; p < s.Nk; ++p) {
          for (int64_t j = 0; j < s.Nk; ++j) {
            ASSERT_EQ(rule.Weight(h, p, j), rule.Weight(0, p, j))
                << text << " head " << h << " p=" << p << " j=" << j;
          }
        }
      }
    }
  }
  EXPECT_GT(claimed, 0);
}

// RowKeys, where a rule has them (the decode path reads only these keys):
// within any [c0, c1), increasing disjoint non-empty segments holding
// exactly the keys of positive weight, with the rule's weights.
TEST(MaskRules, RowKeysHoldExactlyTheVisibleKeys) {
  const Shape s{1, 2, 2, 90, 90, 8};
  int described = 0;
  for (const MaskKindInfo* kind : MaskKinds()) {
    for (const std::string& text : kind->check_examples(s)) {
      const Mask mask = ParseMask(text);
      const MaskRule& rule = *mask.rule;
      if (!rule.HasRowKeys()) continue;
      ++described;
      for (int64_t h = 0; h < s.H; ++h) {
        for (int64_t p = 0; p < s.Nk; ++p) {
          for (int64_t c0 = 0; c0 < s.Nk; c0 += 7) {
            const int64_t c1 = std::min(s.Nk, c0 + 1 + c0 % 50);
            std::vector<KeySegment> keys;
            ASSERT_TRUE(rule.RowKeys(h, p, c0, c1, keys));
            std::vector<double> weight(s.Nk, 0.0);
            int64_t at = c0;
            for (const KeySegment& k : keys) {
              const std::string where = text + " p=" + std::to_string(p) +
                                        " [" + std::to_string(k.begin) + ", " +
                                        std::to_string(k.end) + ")";
              ASSERT_GE(k.begin, at) << where << ": out of order or overlap";
              ASSERT_LT(k.begin, k.end) << where << ": empty";
              ASSERT_LE(k.end, c1) << where;
              for (int64_t j = k.begin; j < k.end; ++j)
                weight[j] = k.WeightAt(j);
              at = k.end;
            }
            for (int64_t j = c0; j < c1; ++j) {
              ASSERT_NEAR(weight[j], rule.Weight(h, p, j), 1e-12)
                  << text << " p=" << p << " j=" << j << " in [" << c0 << ", "
                  << c1 << ")";
            }
          }
        }
      }
    }
  }
  EXPECT_GT(described, 0);
  // Every rule with Segments has them, and sparse_strided, which has none.
  for (const MaskKindInfo* kind : MaskKinds()) {
    for (const std::string& text : kind->check_examples(s)) {
      const Mask mask = ParseMask(text);
      const MaskRule& rule = *mask.rule;
      EXPECT_TRUE(rule.HasRowKeys() || !rule.HasSegments()) << text;
    }
  }
  EXPECT_TRUE(ParseMask("sparse_strided:4").rule->HasRowKeys());
  // Parameters at the 2^40 limit cost a row its keys in range, not W.
  const Mask wide = ParseMask("dilated:1099511627776:1");
  std::vector<KeySegment> keys;
  ASSERT_TRUE(wide.Rule().RowKeys(0, 1000, 10, 2000, keys));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].begin, 10);
  EXPECT_EQ(keys[0].end, 1001);
  EXPECT_EQ(wide.Rule().CountVisible(0, 1000, 5000), 1001);
}

}  // namespace
}  // namespace attnbench
