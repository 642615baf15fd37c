// Tile classification of the blocked engine against the per-element truth
// (the oracle's weights) for every mask kind and many block placements.
#include "variants/engine/tiles.h"

#include <gtest/gtest.h>

#include "harness/oracle.h"

namespace attnbench {
namespace {

TEST(RowBlockMask, ClassifiesTilesLikeTheElementWeights) {
  const int64_t nk = 96;
  const Mask masks[] = {Mask::None(),           Mask::Causal(),
                        Mask::Window(1),        Mask::Window(13),
                        Mask::Window(200),      Mask::Span({0.0}, 4.0),
                        Mask::Span({9.5}, 3.0), Mask::Span({100.0}, 32.0)};
  for (const Mask& mask : masks) {
    for (int64_t rows : {1, 8, 16}) {
      for (int64_t p0 = 0; p0 + rows <= nk; p0 += 5) {
        const RowBlockMask block(mask, 0, p0, p0 + rows - 1, nk);
        const KeyRange keys = block.Keys();
        const KeyRange full = block.FullKeys();
        for (int64_t c0 = 0; c0 < nk; c0 += 7) {
          for (int64_t len : {1, 7, 32}) {
            const int64_t c1 = std::min(nk, c0 + len);
            bool any = false, all_one = true;
            for (int64_t p = p0; p < p0 + rows; ++p) {
              for (int64_t j = c0; j < c1; ++j) {
                const double w = OracleWeight(mask, 0, p, j);
                any |= w > 0;
                all_one &= w == 1.0;
                // Keys outside Keys() are invisible to every row; keys
                // inside FullKeys() have weight 1 for every row.
                if (j < keys.begin || j >= keys.end) {
                  EXPECT_EQ(w, 0.0);
                }
                if (j >= full.begin && j < full.end) {
                  EXPECT_EQ(w, 1.0);
                }
              }
            }
            const TileKind kind = block.Classify(c0, c1);
            const std::string where =
                mask.ToString() + " rows " + std::to_string(p0) + "+" +
                std::to_string(rows) + " keys " + std::to_string(c0) + ".." +
                std::to_string(c1);
            if (kind == TileKind::kEmpty) {
              EXPECT_FALSE(any) << where;
            }
            if (kind == TileKind::kFull) {
              EXPECT_TRUE(all_one) << where;
            }
            // Exact classification is promised where it matters most.
            if (all_one) {
              EXPECT_EQ(kind, TileKind::kFull) << where;
            }
            if (!any && (c1 <= keys.begin || c0 >= keys.end)) {
              EXPECT_EQ(kind, TileKind::kEmpty) << where;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace attnbench
