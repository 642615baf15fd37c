// The blocked (flash-style) engine as a pipeline of named steps, per task
// (one head, one group of G query blocks of Br rows; or, where a head has
// fewer blocks than G, all blocks of several heads that share a key/value
// head):
//   PlanTasks     sizes: Br, Bc, G, heads, tasks (tile_tasks-inl.h)
//   PackGroup     Q_b = scale * Q rows, transposed;  m = -max, l = 0, O_b = 0
//                 (or, resuming, m, l and O_b of an earlier pass)
//   WalkKeyTiles  key tiles [c * Bc, (c + 1) * Bc) in reach, split by the
//                 rule into full and partial pieces (empty ones skipped)
//   ProcessTile   S = Q_b K_t^T [Br x n];  bias;  mask (partial pieces);
//                 online softmax of S into P, m, l;  O_b += P V_t
//   FinishGroup   O = O_b / l (or O_b and the state m, l, unnormalised)
// The N x N scores are never materialised: per-thread scratch is
// ScratchLayout (variants/engine/scratch_layout.h).

#include "variants/engine/blocked.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/variant.h"
#include "kernels/bf16_scores.h"
#include "variants/engine/blocked_pass.h"
#include "variants/engine/scratch_layout.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/engine/blocked.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target kernels.
#include "kernels/flash_tile-inl.h"
#include "kernels/half-inl.h"
#include "kernels/row_ops-inl.h"
#include "variants/engine/partial_tile-inl.h"
#include "variants/engine/tile_tasks-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// n_rows rows of dim elements, `stride` apart, from half-precision bits
// of type `storage` to fp32 rows dim apart.
void WidenRows(DType storage, const uint16_t* src, size_t stride, size_t n_rows,
               size_t dim, float* dst) {
  for (size_t r = 0; r < n_rows; ++r) {
    if (storage == DType::kBF16) {
      WidenRow(reinterpret_cast<const Bf16*>(src + r * stride), dim,
               dst + r * dim);
    } else {
      WidenRow(reinterpret_cast<const F16*>(src + r * stride), dim,
               dst + r * dim);
    }
  }
}

// Packs the group's Q rows and starts each block's softmax state: from
// nothing, or (resume) from O and the state of an earlier pass.
std::vector<BlockRows> PackGroup(const Problem& problem, const Tensors& t,
                                 const EnginePlan& plan, const TaskView& task,
                                 const BlockedPass& pass, GroupScratch& w) {
  const hn::ScalableTag<float> d;
  const Shape& s = problem.shape;
  const MaskRule& rule = problem.mask.Rule();
  const auto br = static_cast<int64_t>(plan.br);
  const int64_t last_block = std::min(
      plan.n_blocks, task.first_block + static_cast<int64_t>(plan.group));
  const auto stride = static_cast<size_t>(task.rs);
  std::vector<BlockRows> blocks;
  for (int64_t j = 0; j < plan.heads; ++j) {  // heads h .. h + heads - 1
    const int64_t h = task.h + j;
    for (int64_t b = task.first_block; b < last_block; ++b) {
      const int64_t i0 = b * br;
      const auto n_rows = static_cast<size_t>(std::min(br, s.Nq - i0));
      const int64_t p_first = s.Nk - s.Nq + i0;
      const int64_t p_last = p_first + static_cast<int64_t>(n_rows) - 1;
      blocks.push_back({i0,
                        n_rows,
                        p_first,
                        {rule.Bounds(h, p_first, s.Nk).begin,
                         rule.Bounds(h, p_last, s.Nk).end},
                        h,
                        task.q_head + j * s.Nq * s.D,
                        rule.BiasSlope(h, s.H)});
      const int64_t q_head = blocks.back().q_head;
      const size_t g = blocks.size() - 1;
      if (plan.bf16_dot) {
        PackBf16QueryPairs(t.q16 + q_head + i0 * task.rs, plan.dim, stride,
                           n_rows, reinterpret_cast<uint32_t*>(w.Qt(g)));
      } else if (task.storage == DType::kF32) {
        PackQueryBlock<kRowVecs>(d, t.q + q_head + i0 * task.rs, plan.dim,
                                 stride, n_rows, plan.scale, w.Qt(g));
      } else {  // widened rows first
        WidenRows(task.storage, t.q16 + q_head + i0 * task.rs, stride, n_rows,
                  plan.dim, w.q_rows);
        PackQueryBlock<kRowVecs>(d, w.q_rows, plan.dim, plan.dim, n_rows,
                                 plan.scale, w.Qt(g));
      }
      std::fill(w.M(g), w.M(g) + plan.br, kMaskedScore);
      std::fill(w.L(g), w.L(g) + plan.br, 0.0f);
      if (!pass.resume) {
        std::fill(w.Ot(g), w.Ot(g) + plan.dim * plan.br, 0.0f);
        continue;
      }
      const int64_t o0 = q_head + i0 * task.rs;
      PackRowsAsLanes(t.o + o0, plan.dim, stride, n_rows, plan.br, 1.0f,
                      w.Ot(g));
      for (size_t r = 0; r < n_rows; ++r) {
        const int64_t row = (o0 + static_cast<int64_t>(r) * task.rs) / s.D;
        w.M(g)[r] = pass.state->m[row];
        w.L(g)[r] = pass.state->l[row];
      }
    }
  }
  return blocks;
}

// Where a piece's K and V rows start: fp32 rows `stride` floats apart, or
// (plan.bf16_dot) K as the stored bf16 rows k16, k16_stride apart.
struct PieceRows {
  const float* k;
  const float* v;
  size_t stride;
  const uint16_t* k16;
  size_t k16_stride;
};

// Keys [c0, c1) for block g: scores, bias, mask (partial only), online
// softmax, accumulation into O_b.
void ProcessTile(const Problem& problem, const EnginePlan& plan,
                 const BlockRows& b, size_t g, int64_t c0, int64_t c1,
                 const PieceRows& kv, bool partial, GroupScratch& w) {
  const hn::ScalableTag<float> d;
  const size_t br = plan.br, dim = plan.dim, stride = kv.stride;
  const auto n_keys = static_cast<size_t>(c1 - c0);
  if (plan.bf16_dot) {
    Bf16ScoresTile(reinterpret_cast<const uint32_t*>(w.Qt(g)), dim, kv.k16,
                   kv.k16_stride, n_keys, plan.scale, w.st);
  } else {
    ScoresTile<kRowVecs, kKeyStep>(d, w.Qt(g), dim, kv.k, stride, n_keys, w.st);
  }
  BiasAndMaskScores<kRowVecs>(d, problem.mask.Rule(), b.h, b.slope, b, br, c0,
                              n_keys, partial, w);
  SoftmaxTile<kRowVecs>(d, n_keys, dim, partial ? w.wt : nullptr, w.st, w.M(g),
                        w.L(g), w.Ot(g));
  const float* vt = kv.v;
  bool finite = true;
  for (size_t j = 0; partial && finite && j < n_keys; ++j) {
    finite = AllFinite(d, vt + j * stride, dim);
  }
  if (!finite) {  // a masked key's NaN or Inf must not reach the output
    AccumulateTile<kRowVecs, /*kSkipMasked=*/true, kKeyStep>(
        d, w.st, w.wt, vt, stride, dim, n_keys, w.Ot(g));
  } else {
    AccumulateTile<kRowVecs, false, kKeyStep>(d, w.st, nullptr, vt, stride, dim,
                                              n_keys, w.Ot(g));
  }
}

// Key tiles on the absolute grid [c * Bc, (c + 1) * Bc); each block takes
// its part of a tile, in the pieces the rule splits it into, so that only
// the mask's edges are partial.
void WalkKeyTiles(const Problem& problem, const EnginePlan& plan,
                  const TaskView& task, const std::vector<BlockRows>& blocks,
                  GroupScratch& w) {
  thread_local std::vector<KeyPiece> pieces;
  const MaskRule& rule = problem.mask.Rule();
  const auto tile = static_cast<int64_t>(plan.bc);
  int64_t keys_begin = blocks.front().keys.begin;
  int64_t keys_end = blocks.back().keys.end;
  for (const BlockRows& b : blocks) {  // several heads: each its own reach
    keys_begin = std::min(keys_begin, b.keys.begin);
    keys_end = std::max(keys_end, b.keys.end);
  }
  const bool half = task.storage != DType::kF32;
  const auto task_dim = static_cast<int64_t>(plan.dim);
  for (int64_t c0 = keys_begin / tile * tile; c0 < keys_end; c0 += tile) {
    // Half precision: the tile's K and V rows that some block reaches,
    // widened once for all the group's blocks (row j at j - c0).
    const int64_t t0 = std::max(c0, keys_begin);
    const int64_t t1 = std::min(c0 + tile, keys_end);
    if (half) {
      const auto rs = static_cast<size_t>(task.rs);
      const size_t at = static_cast<size_t>(t0 - c0) * plan.dim;
      if (!plan.bf16_dot) {  // else read in place by Bf16ScoresTile
        WidenRows(task.storage, task.k16 + t0 * task.rs, rs,
                  static_cast<size_t>(t1 - t0), plan.dim, w.k_tile + at);
      }
      WidenRows(task.storage, task.v16 + t0 * task.rs, rs,
                static_cast<size_t>(t1 - t0), plan.dim, w.v_tile + at);
    }
    for (size_t g = 0; g < blocks.size(); ++g) {
      const BlockRows& b = blocks[g];
      const int64_t lo = std::max(c0, b.keys.begin);
      const int64_t hi = std::min(c0 + tile, b.keys.end);
      if (lo >= hi) continue;
      pieces.clear();
      rule.Pieces(b.h, b.p_first,
                  b.p_first + static_cast<int64_t>(b.n_rows) - 1, lo, hi,
                  pieces);
      for (const KeyPiece& piece : pieces) {
        const float* kc = half ? w.k_tile + (piece.begin - c0) * task_dim
                               : task.k + piece.begin * task.rs;
        const float* vc = half ? w.v_tile + (piece.begin - c0) * task_dim
                               : task.v + piece.begin * task.rs;
        const PieceRows kv{kc, vc,
                           half ? plan.dim : static_cast<size_t>(task.rs),
                           half ? task.k16 + piece.begin * task.rs : nullptr,
                           static_cast<size_t>(task.rs)};
        ProcessTile(problem, plan, b, g, piece.begin, piece.end, kv,
                    piece.kind == TileKind::kPartial, w);
      }
    }
  }
}

// Writes O_b / l (InverseSum), or O_b and the state (unnormalised).
void FinishGroup(const Problem& problem, const Tensors& t,
                 const EnginePlan& plan, const TaskView& task,
                 const std::vector<BlockRows>& blocks, const BlockedPass& pass,
                 GroupScratch& w) {
  const hn::ScalableTag<float> d;
  const Shape& s = problem.shape;
  const MaskRule& visibility =
      pass.visibility ? *pass.visibility : problem.mask.Rule();
  for (size_t g = 0; g < blocks.size(); ++g) {
    const BlockRows& b = blocks[g];
    const int64_t o0 = b.q_head + b.i0 * task.rs;
    float* l = w.L(g);
    for (size_t r = 0; r < b.n_rows; ++r) {
      const int64_t p = b.p_first + static_cast<int64_t>(r);
      if (!pass.normalise) {
        const int64_t row = (o0 + static_cast<int64_t>(r) * task.rs) / s.D;
        pass.state->m[row] = w.M(g)[r];
        pass.state->l[row] = l[r];
        l[r] = 1.0f;
      } else {
        l[r] = InverseSum(l[r], visibility, b.h, p, s.Nk);
      }
    }
    StoreOutputBlock<kRowVecs>(d, w.Ot(g), l, plan.dim,
                               static_cast<size_t>(task.rs), b.n_rows,
                               t.o + o0);
  }
}

void BlockedPassImpl(const Problem& problem, const Tensors& t,
                     const BlockedPass& pass) {
  const EnginePlan plan =
      PlanTasks(problem, pass.tuning, pass.layout == nullptr);
  if (plan.bf16_dot) NoteBf16DotUsed();
  tbb::enumerable_thread_specific<GroupScratch> scratch([&] {
    return GroupScratch(plan.br, plan.bc, plan.dim, plan.TaskBlocks(),
                        problem.storage != DType::kF32);
  });
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, plan.tasks, 1),
      [&](const tbb::blocked_range<int64_t>& range) HWY_ATTR {
        GroupScratch& w = scratch.local();
        for (int64_t i = range.begin(); i != range.end(); ++i) {
          const TaskView task = MakeTask(problem, t, plan, pass.layout, i);
          const std::vector<BlockRows> blocks =
              PackGroup(problem, t, plan, task, pass, w);
          WalkKeyTiles(problem, plan, task, blocks, w);
          FinishGroup(problem, t, plan, task, blocks, pass, w);
        }
      },
      tbb::simple_partitioner());
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(BlockedPassImpl);
HWY_EXPORT(QueryBlockRows);
HWY_EXPORT(FormsBf16Scores);

size_t BlockedQueryRows() { return HWY_DYNAMIC_DISPATCH(QueryBlockRows)(); }

bool BlockedFormsBf16Scores(const Problem& problem) {
  return HWY_DYNAMIC_DISPATCH(FormsBf16Scores)(problem);
}

void RunBlockedPass(const Problem& problem, const Tensors& tensors,
                    const BlockedPass& pass) {
  HWY_DYNAMIC_DISPATCH(BlockedPassImpl)(problem, tensors, pass);
}

}  // namespace attnbench
#endif  // HWY_ONCE
