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

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Row vectors per query block: 2 where there are 32 vector registers (the
// 2 x 8 accumulators of the microkernels plus operands fit), else 1.
constexpr size_t kRowVecs = (HWY_TARGET <= HWY_AVX3) ? 2 : 1;

// Per-thread scratch of one query block, carved from one ScratchBuffer.
class BlockScratch {
 public:
  BlockScratch(size_t br, size_t bc, size_t dim)
      : buffer_(2 * dim * br + 2 * bc * br + 5 * br) {
    float* p = buffer_.data();
    qt = p;
    ot = qt + dim * br;
    st = ot + dim * br;
    wt = st + bc * br;
    m = wt + bc * br;
    l = m + br;
    lo = l + br;
    hi = lo + br;
    w0 = hi + br;
  }
  float *qt, *ot, *st, *wt, *m, *l, *lo, *hi, *w0;

 private:
  ScratchBuffer<float> buffer_;
};

// Fills the per-row description of the partial tile [c0, c0 + n_keys) for
// the rows at positions p_first + r, r < n_rows (padding rows see nothing).
void DescribeTileRows(const Mask& mask, int64_t h, int64_t p_first,
                      size_t n_rows, size_t br, int64_t nk, int64_t c0,
                      size_t n_keys, BlockScratch& s) {
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

size_t QueryBlockRows() {
  const hn::ScalableTag<float> d;
  return kRowVecs * hn::Lanes(d);
}

void BlockedAttention(const Problem& problem, const Tensors& t, size_t bc) {
  const hn::ScalableTag<float> d;
  const Shape& s = problem.shape;
  const size_t br = kRowVecs * hn::Lanes(d);
  const size_t dim = static_cast<size_t>(s.D);
  const int64_t n_blocks =
      (s.Nq + static_cast<int64_t>(br) - 1) / static_cast<int64_t>(br);
  const int64_t heads = s.B * s.H;
  const float scale = static_cast<float>(problem.Scale());
  const float w_step = problem.mask.kind == MaskKind::kSpan
                           ? static_cast<float>(1.0 / problem.mask.ramp)
                           : 0.0f;

  tbb::enumerable_thread_specific<BlockScratch> scratch(
      [&] { return BlockScratch(br, bc, dim); });

  const auto run_task = [&](int64_t task) HWY_ATTR {
    // Last query blocks first: under causal masks they carry the most work.
    const int64_t block = n_blocks - 1 - task / heads;
    const int64_t bh = task % heads;
    const int64_t h = bh % s.H;
    const int64_t kv = (bh / s.H) * s.Hkv + h / (s.H / s.Hkv);
    const int64_t i0 = block * static_cast<int64_t>(br);
    const size_t n_rows = static_cast<size_t>(std::min<int64_t>(br, s.Nq - i0));
    const int64_t p_first = s.Nk - s.Nq + i0;
    const float* k = t.k + kv * s.Nk * s.D;
    const float* v = t.v + kv * s.Nk * s.D;
    BlockScratch& w = scratch.local();

    PackQueryBlock<kRowVecs>(d, t.q + (bh * s.Nq + i0) * s.D, dim, n_rows,
                             scale, w.qt);
    std::fill(w.m, w.m + br, kMaskedScore);
    std::fill(w.l, w.l + br, 0.0f);
    std::fill(w.ot, w.ot + dim * br, 0.0f);

    const RowBlockMask block_mask(problem.mask, h, p_first,
                                  p_first + static_cast<int64_t>(n_rows) - 1,
                                  s.Nk);
    for (const KeyRange band : KeyBands(block_mask)) {
      for (int64_t c0 = band.begin; c0 < band.end;
           c0 += static_cast<int64_t>(bc)) {
        const int64_t c1 = std::min(c0 + static_cast<int64_t>(bc), band.end);
        const TileKind kind = block_mask.Classify(c0, c1);
        if (kind == TileKind::kEmpty) continue;
        const size_t n_keys = static_cast<size_t>(c1 - c0);
        ScoresTile<kRowVecs>(d, w.qt, dim, k + c0 * s.D, n_keys, w.st);
        const float* weights = nullptr;
        if (kind == TileKind::kPartial) {
          DescribeTileRows(problem.mask, h, p_first, n_rows, br, s.Nk, c0,
                           n_keys, w);
          MaskTile<kRowVecs>(d, TileRows{w.lo, w.hi, w.w0, w_step}, n_keys,
                             w.st, w.wt);
          weights = w.wt;
        }
        SoftmaxTile<kRowVecs>(d, n_keys, dim, weights, w.st, w.m, w.l, w.ot);
        AccumulateTile<kRowVecs>(d, w.st, v + c0 * s.D, dim, n_keys, w.ot);
      }
    }
    StoreOutputBlock<kRowVecs>(d, w.ot, w.l, dim, n_rows,
                               t.o + (bh * s.Nq + i0) * s.D);
  };

  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, n_blocks * heads, 1),
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
  return dim <= 64 ? 256 : (dim <= 128 ? 128 : 64);
}

size_t BlockedQueryRows() { return HWY_DYNAMIC_DISPATCH(QueryBlockRows)(); }

void RunBlocked(const Problem& problem, const Tensors& tensors,
                size_t key_block) {
  HWY_DYNAMIC_DISPATCH(BlockedAttention)
  (problem, tensors,
   key_block != 0 ? key_block : DefaultKeyBlock(problem.shape.D));
}

}  // namespace attnbench
#endif  // HWY_ONCE
