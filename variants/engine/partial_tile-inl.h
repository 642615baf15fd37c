// What the forward and backward passes of the blocked engine share about a
// query block: its rows and the keys they reach (BlockRows), and the
// description of a partial tile's weights that the kernels take
// (DescribePartialTile, into a GroupScratch's slots).

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_VARIANTS_ENGINE_PARTIAL_TILE_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_VARIANTS_ENGINE_PARTIAL_TILE_INL_H_
#undef ATTNBENCH_VARIANTS_ENGINE_PARTIAL_TILE_INL_H_
#else
#define ATTNBENCH_VARIANTS_ENGINE_PARTIAL_TILE_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/contract/mask_rule.h"
#include "hwy/highway.h"
#include "kernels/flash_tile-inl.h"
#include "variants/engine/scratch_layout.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

// One query block of a group: its rows and the keys they can reach; the
// forward pass's tasks may hold blocks of several heads of one key/value
// head (tile_tasks-inl.h), so each block says whose rows it holds.
struct BlockRows {
  int64_t i0;          // first query row
  size_t n_rows;       // rows in the block (< Br only for the last one)
  int64_t p_first;     // key position of the first row
  KeyRange keys;       // from the first row's first key to the last row's last
  int64_t h = 0;       // query head
  int64_t q_head = 0;  // first element of the head's Q (and O) rows
  double slope = 0.0;  // score bias -slope (p - j); 0 without one
};

// Fills the partial tile's per-row segments (TileRows) for keys [c0, c0 +
// n_keys): up to kMaxTileSlots per row in the slot arrays, or, for a rule
// without Segments or a row with more, every weight in wt.
inline TileRows DescribePartialTile(const MaskRule& rule, int64_t h,
                                    const BlockRows& b, size_t br, int64_t c0,
                                    size_t n_keys, GroupScratch& w) {
  thread_local std::vector<KeySegment> segs;
  thread_local std::vector<size_t> used;  // slots row r filled
  const int64_t c1 = c0 + static_cast<int64_t>(n_keys);
  used.assign(br, 0);
  size_t slots = 1;
  bool in_slots = true;
  for (size_t r = 0; r < b.n_rows && in_slots; ++r) {
    segs.clear();
    in_slots =
        rule.Segments(h, b.p_first + static_cast<int64_t>(r), c0, c1, segs);
    for (const KeySegment& seg : segs) {
      const int64_t a = std::max(seg.begin, c0), e = std::min(seg.end, c1);
      if (a >= e || !in_slots) continue;
      if (used[r] == kMaxTileSlots) {
        in_slots = false;
        continue;
      }
      const size_t at = used[r]++ * br + r;
      w.lo[at] = static_cast<float>(a - c0);
      w.hi[at] = static_cast<float>(e - c0);
      w.w0[at] =
          seg.Flat()
              ? 1.0f
              : static_cast<float>((static_cast<double>(c0) - seg.ramp_zero) /
                                   seg.ramp_width);
      w.step[at] = seg.Flat() ? 0.0f : static_cast<float>(1.0 / seg.ramp_width);
      // The kernels form w0 + t * step in fp32: exact to about 2^-24 of the
      // largest |value| over the tile. Beyond 16 (a ramp steeper than the
      // tile, say span:5:1e-7), weights are written from the rule instead.
      const float last = w.w0[at] + static_cast<float>(n_keys) * w.step[at];
      if (std::fabs(w.w0[at]) > 16.0f || std::fabs(last) > 16.0f ||
          !seg.RampPrecise()) {
        in_slots = false;
      }
    }
    slots = std::max(slots, used[r]);
  }
  if (in_slots) {
    // Slots a row does not use (padding rows: none) hold empty segments.
    for (size_t r = 0; r < br; ++r) {
      for (size_t k = used[r]; k < slots; ++k) {
        const size_t at = k * br + r;
        w.lo[at] = w.hi[at] = w.w0[at] = w.step[at] = 0.0f;
      }
    }
    return {w.lo, w.hi, w.w0, w.step, slots};
  }
  // Weights in memory, rows as lanes (0 for padding rows).
  for (size_t r = 0; r < br; ++r) {
    if (r < b.n_rows) {
      rule.WeightRow(h, b.p_first + static_cast<int64_t>(r), c0,
                     static_cast<int64_t>(n_keys), w.row);
    } else {
      std::fill(w.row, w.row + n_keys, 0.0f);
    }
    for (size_t t = 0; t < n_keys; ++t) w.wt[t * br + r] = w.row[t];
  }
  return {w.lo, w.hi, w.w0, w.step, 0};
}

// After S = Q K^T of keys [c0, c0 + n_keys) for block b: ALiBi's bias
// (slope != 0: -slope (p_r - c0 - t) = b0[r] + slope t) and, for a partial
// piece, the mask (masked scores set to kMaskedScore, weights into w.wt).
// The forward and the backward pass alike.
template <size_t kRowVecs, class D>
HWY_INLINE void BiasAndMaskScores(D d, const MaskRule& rule, int64_t h,
                                  double slope, const BlockRows& b, size_t br,
                                  int64_t c0, size_t n_keys, bool partial,
                                  GroupScratch& w) {
  if (slope != 0.0) {
    for (size_t r = 0; r < br; ++r) {
      w.b0[r] = static_cast<float>(
          -slope *
          static_cast<double>(b.p_first + static_cast<int64_t>(r) - c0));
    }
    AddLinearBias<kRowVecs>(d, n_keys, w.b0, static_cast<float>(slope), w.st);
  }
  if (partial) {
    const TileRows rows = DescribePartialTile(rule, h, b, br, c0, n_keys, w);
    MaskTile<kRowVecs>(d, rows, n_keys, w.st, w.wt);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_VARIANTS_ENGINE_PARTIAL_TILE_INL_H_
