// Tile classification for the blocked engine, in the spirit of
// FlexAttention's BlockMask: a (query block, key block) tile is empty (never
// visited), full (every weight is 1: no per-element mask) or partial (mask
// and weights applied per element). Works for every mask of harness/mask.h
// because their visible range [begin, end) and flat begin are non-decreasing
// in the query position, so a block's first and last rows bound the rest.
#ifndef ATTNBENCH_VARIANTS_ENGINE_TILES_H_
#define ATTNBENCH_VARIANTS_ENGINE_TILES_H_

#include <algorithm>
#include <cstdint>

#include "harness/mask.h"

namespace attnbench {

// The mask restricted to query positions [p_first, p_last] of head h.
class RowBlockMask {
 public:
  RowBlockMask(const Mask& mask, int64_t h, int64_t p_first, int64_t p_last,
               int64_t nk)
      : first_(VisibleKeys(mask, h, p_first, nk)),
        last_(VisibleKeys(mask, h, p_last, nk)),
        last_flat_begin_(FlatBegin(mask, h, p_last, nk)) {}

  // Keys any row of the block sees: the key blocks to walk.
  KeyRange Keys() const { return {first_.begin, last_.end}; }

  // Keys that every row of the block sees with weight 1 (may be empty):
  // tiles inside need no per-element mask.
  KeyRange FullKeys() const { return {last_flat_begin_, first_.end}; }

  // Kind of the tile of keys [c0, c1).
  TileKind Classify(int64_t c0, int64_t c1) const {
    if (c1 <= first_.begin || c0 >= last_.end) return TileKind::kEmpty;
    if (last_flat_begin_ <= c0 && c1 <= first_.end) return TileKind::kFull;
    return TileKind::kPartial;
  }

 private:
  KeyRange first_, last_;
  int64_t last_flat_begin_;
};

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_ENGINE_TILES_H_
