// The blocked (flash-style) attention engine shared by the flash,
// sliding-window and adaptive-span variants. For every (batch, head, block
// of Br query rows) task it walks the key blocks the mask can reach, skips
// empty tiles, runs full tiles with no per-element mask and applies the
// mask's visibility and weights only in partial tiles. The N x N scores are
// never materialised: per-thread scratch is O((Br + Bc) * D + Br * Bc).
//
// Per task, with Q_b the block's rows (scale folded in) and K_t, V_t a tile:
//   S = Q_b K_t^T;  online softmax of S into P, m, l;  O_b += P V_t
//   and at the end O_b /= l.

#include "variants/engine/blocked.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "harness/mask.h"
#include "harness/variant.h"
#include "harness/workspace.h"
#include "variants/engine/tiles.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/engine/blocked.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target kernels.
#include "kernels/flash_tile-inl.h"
#include "kernels/row_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Row vectors per query block: 2 where there are 32 vector registers (the
// 2 x 8 accumulators of the microkernels plus operands fit), else 1.
constexpr size_t kRowVecs = (HWY_TARGET <= HWY_AVX3) ? 2 : 1;

// Per-thread scratch of a group of G query blocks, carved from one
// ScratchBuffer: per block its transposed Q, output, max and sum; shared by
// the group, the score/probability tile, its weights and row descriptions.
class GroupScratch {
 public:
  GroupScratch(size_t group, size_t br, size_t bc, size_t dim)
      : per_block_(2 * dim * br + 2 * br),
        buffer_(group * per_block_ + 2 * bc * br + 4 * br + bc),
        br_(br),
        dim_(dim) {
    float* shared = buffer_.data() + group * per_block_;
    st = shared;
    wt = st + bc * br;
    lo = wt + bc * br;
    hi = lo + br;
    w0 = hi + br;
    b0 = w0 + br;
    row = b0 + br;
  }
  float* Qt(size_t g) { return buffer_.data() + g * per_block_; }
  float* Ot(size_t g) { return Qt(g) + dim_ * br_; }
  float* M(size_t g) { return Ot(g) + dim_ * br_; }
  float* L(size_t g) { return M(g) + br_; }
  // st, wt: score and weight tiles; lo, hi, w0: a partial tile's rows
  // (built-in masks); b0: per-row bias base; row: one row of a custom
  // rule's weights.
  float *st, *wt, *lo, *hi, *w0, *b0, *row;

 private:
  size_t per_block_;
  ScratchBuffer<float> buffer_;
  size_t br_, dim_;
};

// Fills the per-row description of the partial tile [c0, c0 + n_keys) for
// the rows at positions p_first + r, r < n_rows (padding rows see nothing).
void DescribeTileRows(const Mask& mask, int64_t h, int64_t p_first,
                      size_t n_rows, size_t br, int64_t nk, int64_t c0,
                      size_t n_keys, GroupScratch& s) {
  const bool ramp = mask.kind == MaskKind::kSpan;
  const double z = ramp ? mask.SpanOf(h) : 0.0;
  const auto local = [&](int64_t key) {
    return static_cast<float>(
        std::clamp<int64_t>(key - c0, 0, static_cast<int64_t>(n_keys)));
  };
  for (size_t r = 0; r < br; ++r) {
    if (r >= n_rows) {
      s.lo[r] = s.hi[r] = s.w0[r] = 0.0f;
      continue;
    }
    const int64_t p = p_first + static_cast<int64_t>(r);
    const KeyRange vis = VisibleKeys(mask, h, p, nk);
    s.lo[r] = local(vis.begin);
    s.hi[r] = local(vis.end);
    // Span weight of tile key t: (R + z - (p - c0 - t)) / R = w0 + t / R.
    s.w0[r] =
        ramp ? static_cast<float>(
                   (mask.ramp + z - static_cast<double>(p - c0)) / mask.ramp)
             : 1.0f;
  }
}

// The weights of a custom rule for the partial tile [c0, c0 + n_keys), in
// the rows-as-lanes layout (0 for padding rows): from the rule's components
// (weight-1 intervals) where it has them, else from its WeightRow.
void FillRuleWeights(const MaskRule& rule, int64_t h, int64_t p_first,
                     size_t n_rows, size_t br, int64_t c0, size_t n_keys,
                     GroupScratch& s) {
  thread_local std::vector<KeyRange> components;
  const int64_t c1 = c0 + static_cast<int64_t>(n_keys);
  for (size_t r = 0; r < br; ++r) {
    const int64_t p = p_first + static_cast<int64_t>(r);
    components.clear();
    if (r >= n_rows) {
      std::fill(s.row, s.row + n_keys, 0.0f);
    } else if (rule.Components(h, p, c0, c1, components)) {
      std::fill(s.row, s.row + n_keys, 0.0f);
      for (const KeyRange& c : components) {
        const int64_t a = std::max(c.begin, c0), b = std::min(c.end, c1);
        if (a < b) std::fill(s.row + (a - c0), s.row + (b - c0), 1.0f);
      }
    } else {
      rule.WeightRow(h, p, c0, static_cast<int64_t>(n_keys), s.row);
    }
    for (size_t t = 0; t < n_keys; ++t) s.wt[t * br + r] = s.row[t];
  }
}

size_t QueryBlockRows() {
  const hn::ScalableTag<float> d;
  return kRowVecs * hn::Lanes(d);
}

// One query block of a task: its rows and what its mask lets it see.
struct BlockRows {
  int64_t i0;       // first query row
  size_t n_rows;    // rows in the block (< Br only for the last one)
  int64_t p_first;  // key position of the first row
  RowBlockMask mask;
};

// Query blocks per task. A group shares every K/V tile while it is in
// cache, cutting K/V traffic G-fold (N = 65536 streams 32 MiB of K/V per
// head); its scratch (2 * G * Br * D floats) stays within 512 KiB of L2.
// Results do not depend on G (tiles lie on an absolute grid), so G may
// follow the thread count: enough tasks for 4 per thread.
size_t GroupSize(size_t br, size_t dim, int64_t n_blocks, int64_t heads,
                 int threads) {
  const size_t by_cache =
      std::max<size_t>(1, BlockedGroupRowsCap(br, dim) / br);
  const int64_t by_tasks = n_blocks * heads / (4 * int64_t{threads});
  return std::clamp<size_t>(static_cast<size_t>(std::max<int64_t>(by_tasks, 1)),
                            1, by_cache);
}

// state == nullptr: O normalised. Otherwise O is left unnormalised and each
// row's running max and sum go to state->m and state->l.
// layout == nullptr: contiguous [B, H, N, D] tensors.
void BlockedAttention(const Problem& problem, const Tensors& t, size_t bc,
                      const SoftmaxState* state, const StridedLayout* layout) {
  const hn::ScalableTag<float> d;
  const Shape& s = problem.shape;
  const size_t br = kRowVecs * hn::Lanes(d);
  const size_t dim = static_cast<size_t>(s.D);
  const int64_t n_blocks =
      (s.Nq + static_cast<int64_t>(br) - 1) / static_cast<int64_t>(br);
  const int64_t heads = s.B * s.H;
  const size_t group = GroupSize(br, dim, n_blocks, heads, problem.threads);
  const int64_t n_groups = (n_blocks + static_cast<int64_t>(group) - 1) /
                           static_cast<int64_t>(group);
  const int64_t tile = static_cast<int64_t>(bc);
  const float scale = static_cast<float>(problem.Scale());
  const float w_step = problem.mask.kind == MaskKind::kSpan
                           ? static_cast<float>(1.0 / problem.mask.ramp)
                           : 0.0f;
  const MaskRule* rule = problem.mask.kind == MaskKind::kCustom
                             ? problem.mask.rule.get()
                             : nullptr;

  tbb::enumerable_thread_specific<GroupScratch> scratch(
      [&] { return GroupScratch(group, br, bc, dim); });

  const auto run_task = [&](int64_t task) HWY_ATTR {
    // Head-major, groups in order: the tasks a thread runs back to back
    // (oneTBB hands out contiguous ranges) are neighbouring groups of one
    // head, whose windows share most of their K/V tiles in cache.
    const int64_t first_block = (task % n_groups) * static_cast<int64_t>(group);
    const int64_t bh = task / n_groups;
    const int64_t h = bh % s.H;
    const int64_t kv = (bh / s.H) * s.Hkv + h / (s.H / s.Hkv);
    const double slope = BiasSlope(problem.mask, h, s.H);
    // Where this head's rows start, and how far apart they are.
    const int64_t q_head = layout ? layout->q_head(bh) : bh * s.Nq * s.D;
    const int64_t kv_head = layout ? layout->kv_head(kv) : kv * s.Nk * s.D;
    const int64_t rs = layout ? layout->row_stride : s.D;
    const size_t stride = static_cast<size_t>(rs);
    const float* k = t.k + kv_head;
    const float* v = t.v + kv_head;
    GroupScratch& w = scratch.local();

    std::vector<BlockRows> blocks;
    for (int64_t b = first_block;
         b < std::min(n_blocks, first_block + static_cast<int64_t>(group));
         ++b) {
      const int64_t i0 = b * static_cast<int64_t>(br);
      const size_t n_rows =
          static_cast<size_t>(std::min<int64_t>(br, s.Nq - i0));
      const int64_t p_first = s.Nk - s.Nq + i0;
      blocks.push_back(
          {i0, n_rows, p_first,
           RowBlockMask(problem.mask, h, p_first,
                        p_first + static_cast<int64_t>(n_rows) - 1, s.Nk)});
      const size_t g = blocks.size() - 1;
      PackQueryBlock<kRowVecs>(d, t.q + q_head + i0 * rs, dim, stride, n_rows,
                               scale, w.Qt(g));
      std::fill(w.M(g), w.M(g) + br, kMaskedScore);
      std::fill(w.L(g), w.L(g) + br, 0.0f);
      std::fill(w.Ot(g), w.Ot(g) + dim * br, 0.0f);
    }

    // Keys [c0, c1) for block g, with a per-element mask or without.
    const auto process = [&](size_t g, int64_t c0, int64_t c1,
                             bool partial) HWY_ATTR {
      const BlockRows& b = blocks[g];
      const size_t n_keys = static_cast<size_t>(c1 - c0);
      ScoresTile<kRowVecs>(d, w.Qt(g), dim, k + c0 * rs, stride, n_keys, w.st);
      if (slope != 0.0) {
        // ALiBi: bias of tile key t for row r is -slope (p_r - c0 - t).
        for (size_t r = 0; r < br; ++r) {
          w.b0[r] = static_cast<float>(
              -slope *
              static_cast<double>(b.p_first + static_cast<int64_t>(r) - c0));
        }
        AddLinearBias<kRowVecs>(d, n_keys, w.b0, static_cast<float>(slope),
                                w.st);
      }
      const float* weights = nullptr;
      if (partial && rule != nullptr) {
        FillRuleWeights(*rule, h, b.p_first, b.n_rows, br, c0, n_keys, w);
        MaskTileByWeights<kRowVecs>(d, n_keys, w.wt, w.st);
        weights = w.wt;
      } else if (partial) {
        DescribeTileRows(problem.mask, h, b.p_first, b.n_rows, br, s.Nk, c0,
                         n_keys, w);
        MaskTile<kRowVecs>(d, TileRows{w.lo, w.hi, w.w0, w_step}, n_keys, w.st,
                           w.wt);
        weights = w.wt;
      }
      SoftmaxTile<kRowVecs>(d, n_keys, dim, weights, w.st, w.M(g), w.L(g),
                            w.Ot(g));
      const float* vt = v + c0 * rs;
      const auto finite = [&] {
        for (size_t j = 0; j < n_keys; ++j) {
          if (!AllFinite(d, vt + j * stride, dim)) return false;
        }
        return true;
      };
      if (partial && !finite()) {
        AccumulateTile<kRowVecs, /*kSkipMasked=*/true>(
            d, w.st, w.wt, vt, stride, dim, n_keys, w.Ot(g));
      } else {
        AccumulateTile<kRowVecs>(d, w.st, nullptr, vt, stride, dim, n_keys,
                                 w.Ot(g));
      }
    };

    // Key tiles on the absolute grid [c * Bc, (c + 1) * Bc); each block
    // takes its part of a tile, split where its full keys begin and end so
    // that only the mask's edges are partial.
    const int64_t keys_begin = blocks.front().mask.Keys().begin;
    const int64_t keys_end = blocks.back().mask.Keys().end;
    std::vector<KeyPiece> pieces;
    for (int64_t c0 = keys_begin / tile * tile; c0 < keys_end; c0 += tile) {
      for (size_t g = 0; g < blocks.size(); ++g) {
        const KeyRange keys = blocks[g].mask.Keys();
        const KeyRange full = blocks[g].mask.FullKeys();
        const int64_t lo = std::max(c0, keys.begin);
        const int64_t hi = std::min(c0 + tile, keys.end);
        if (lo >= hi) continue;
        if (rule != nullptr) {  // a custom rule splits its tiles itself
          pieces.clear();
          const int64_t p0 = blocks[g].p_first;
          rule->Pieces(h, p0, p0 + static_cast<int64_t>(blocks[g].n_rows) - 1,
                       lo, hi, pieces);
          for (const KeyPiece& piece : pieces) {
            if (piece.kind == TileKind::kEmpty || piece.end <= piece.begin) {
              continue;
            }
            process(g, piece.begin, piece.end,
                    piece.kind == TileKind::kPartial);
          }
          continue;
        }
        if (full.size() == 0) {
          process(g, lo, hi, /*partial=*/true);
          continue;
        }
        const int64_t f0 = std::clamp(full.begin, lo, hi);
        const int64_t f1 = std::clamp(full.end, f0, hi);
        if (lo < f0) process(g, lo, f0, /*partial=*/true);
        if (f0 < f1) process(g, f0, f1, /*partial=*/false);
        if (f1 < hi) process(g, f1, hi, /*partial=*/true);
      }
    }
    for (size_t g = 0; g < blocks.size(); ++g) {
      // 1 / l; a row that sees no key outputs zeros, and one whose visible
      // scores are all -inf (l = 0 with keys in view) NaN, as the formula.
      float* l = w.L(g);
      const int64_t row0 = bh * s.Nq + blocks[g].i0;
      for (size_t r = 0; r < blocks[g].n_rows; ++r) {
        const int64_t p = blocks[g].p_first + static_cast<int64_t>(r);
        if (state != nullptr) {  // unnormalised, with the state
          state->m[row0 + static_cast<int64_t>(r)] = w.M(g)[r];
          state->l[row0 + static_cast<int64_t>(r)] = l[r];
          l[r] = 1.0f;
          continue;
        }
        l[r] = l[r] != 0.0f ? 1.0f / l[r]
               : VisibleKeys(problem.mask, h, p, s.Nk).size() == 0
                   ? 0.0f
                   : std::numeric_limits<float>::quiet_NaN();
      }
      StoreOutputBlock<kRowVecs>(d, w.Ot(g), l, dim, stride, blocks[g].n_rows,
                                 t.o + q_head + blocks[g].i0 * rs);
    }
  };

  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, n_groups * heads, 1),
      [&](const tbb::blocked_range<int64_t>& r) HWY_ATTR {
        for (int64_t task = r.begin(); task != r.end(); ++task) run_task(task);
      },
      tbb::simple_partitioner());
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(BlockedAttention);
HWY_EXPORT(QueryBlockRows);

size_t DefaultKeyBlock(int64_t dim) {
  // K + V tiles of 2 * Bc * D floats: 256 KiB at D = 128.
  if (dim <= 128) return 256;
  return std::max<size_t>(32, 32768 / static_cast<size_t>(dim));
}

size_t BlockedQueryRows() { return HWY_DYNAMIC_DISPATCH(QueryBlockRows)(); }

size_t BlockedWorkspaceBound(const Problem& problem) {
  const size_t br = BlockedQueryRows();
  const size_t dim = static_cast<size_t>(problem.shape.D);
  // GroupScratch: G * (2 * D * Br + 2 * Br) + 2 * Bc * Br + 4 * Br + Bc
  // floats, with G * Br <= the group's row cap.
  const size_t rows = BlockedGroupRowsCap(br, dim);
  const size_t bc = DefaultKeyBlock(problem.shape.D);
  const size_t floats = rows * (2 * dim + 2) + (2 * bc + 4) * br + bc;
  return static_cast<size_t>(problem.threads) * floats * sizeof(float);
}

void RunBlocked(const Problem& problem, const Tensors& tensors,
                size_t key_block) {
  HWY_DYNAMIC_DISPATCH(BlockedAttention)
  (problem, tensors,
   key_block != 0 ? key_block : DefaultKeyBlock(problem.shape.D), nullptr,
   nullptr);
}

void RunBlockedPartial(const Problem& problem, const Tensors& tensors,
                       const SoftmaxState& state, const StridedLayout* layout) {
  HWY_DYNAMIC_DISPATCH(BlockedAttention)
  (problem, tensors, DefaultKeyBlock(problem.shape.D), &state, layout);
}

}  // namespace attnbench
#endif  // HWY_ONCE
