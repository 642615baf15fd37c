// The blocked engine's backward pass, per task (batch b, key/value head):
//   for each query head h of the group, each query block of Br rows:
//     pack Q_b (scaled) and dO_b as rows as lanes; m, 1/l from the forward;
//     D_r = dO_r . O_r;  dQ_b = 0
//     for each key tile in reach, in the rule's full and partial pieces:
//       S = Q_b K^T (+ bias, mask);  P = w exp(S - m) / l
//       dV += P^T dO_b;  dP = dO_b V^T;  dS = scale P (dP - D)
//       dQ_b += dS K;    dK += dS^T Q_b
//     dQ rows = dQ_b
// dK and dV of the task's head are summed over heads and blocks in that
// order; nothing depends on the thread count.

#include "variants/engine/backward.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/workspace.h"
#include "variants/engine/blocked.h"
#include "variants/engine/blocked_pass.h"
#include "variants/engine/scratch_layout.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/engine/backward.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target kernels.
#include "kernels/backward_tile-inl.h"
#include "kernels/flash_tile-inl.h"
#include "kernels/row_ops-inl.h"
#include "variants/engine/partial_tile-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Register tiles: the forward's for scores and dQ (2 x 8 with 32 vector
// registers, 3 x 4 with 16); 4 keys x 4 (or 2) vectors of d for the outer
// products of dV and dK.
constexpr bool kWide = HWY_TARGET <= HWY_AVX3;
constexpr size_t kRowVecs = kWide ? 2 : 3;
constexpr size_t kKeyStep = kWide ? 8 : 4;
constexpr size_t kOuterKeys = 4;
constexpr size_t kOuterVecs = kWide ? 4 : 2;

size_t EngineBackwardBlockRows() {
  const hn::ScalableTag<float> d;
  return kRowVecs * hn::Lanes(d);
}

// Per-thread scratch beyond the forward's GroupScratch (one block): dO_b
// as rows as lanes [D x Br], dP / dS [Bc x Br], D_r [Br], and each row's
// sum of dL/dw over ramp keys [Br] (adaptive span's dz).
struct EngineBackwardScratch {
  EngineBackwardScratch(size_t br, size_t bc, size_t dim)
      : group(br, bc, dim, 1, false), extra(BackwardExtraFloats(br, bc, dim)) {
    dot = extra.data();
    dpt = dot + dim * br;
    drow = dpt + bc * br;
    ramp = drow + br;
    ramp_end = ramp + br;
  }
  GroupScratch group;  // Qt(0), Ot(0) as dQ_b, M(0) = m, L(0) = 1/l
  ScratchBuffer<float> extra;
  float *dot, *dpt, *drow, *ramp, *ramp_end;
};

struct EngineBackwardTask {
  const Problem& problem;
  const Tensors& t;
  const Gradients& g;
  size_t br, bc, dim;
  float scale;
  int64_t h;
  int64_t q_off;  // where head h's rows of Q, O, dO and dQ start
  double slope;
  const float *q, *k, *v, *d_out;  // this head's rows
  float *dk, *dv;                  // the task's key/value head's rows
  // Adaptive span with dz wanted: head h's span z, the ramp R and this
  // (b, h)'s slots of dL/dz_h, one per query block; dz nullptr otherwise.
  double span_z, span_ramp;
  double* dz;
};

// What a walk over a block's key tiles produces: everything (one pass per
// key/value head), or, split in two passes when there are too few heads to
// keep the threads busy, dK and dV (tasks own key tiles) or dQ and dz
// (tasks own query blocks). Every sum runs in the same order either way,
// so the split changes no bit of the result.
struct Outputs {
  bool keys = true;   // dK, dV
  bool query = true;  // dQ, dz
};

// One piece of keys [c0, c1) for block b (rows i0 .. i0 + n_rows).
void BackwardTile(const EngineBackwardTask& task, const BlockRows& b,
                  int64_t c0, int64_t c1, bool partial, Outputs what,
                  EngineBackwardScratch& ws) {
  const hn::ScalableTag<float> d;
  GroupScratch& w = ws.group;
  const size_t br = task.br, dim = task.dim;
  const auto n_keys = static_cast<size_t>(c1 - c0);
  const float* kc = task.k + c0 * task.problem.shape.D;
  const float* vc = task.v + c0 * task.problem.shape.D;
  const float* q_rows = task.q + b.i0 * task.problem.shape.D;
  const float* do_rows = task.d_out + b.i0 * task.problem.shape.D;
  ScoresTile<kRowVecs, kKeyStep>(d, w.Qt(0), dim, kc, dim, n_keys, w.st);
  BiasAndMaskScores<kRowVecs>(d, task.problem.mask.Rule(), task.h, task.slope,
                              b, br, c0, n_keys, partial, w);
  ProbabilitiesTile<kRowVecs>(d, n_keys, partial ? w.wt : nullptr, w.M(0),
                              w.L(0), w.st);
  if (what.keys) {
    OuterAccumulate<kOuterKeys, kOuterVecs>(d, w.st, br, b.n_rows, n_keys,
                                            do_rows, dim, dim,
                                            task.dv + c0 * dim, dim);
  }
  ScoresTile<kRowVecs, kKeyStep>(d, ws.dot, dim, vc, dim, n_keys, ws.dpt);
  if (what.query && partial && task.dz != nullptr) {
    // Tile keys t < p - c0 - z lie beyond row p's flat part (x > z); for
    // an integer t that is t < ceil(p - c0 - z), a small integer, exact in
    // float (p - c0 - z itself would round in float at large p - c0).
    for (size_t r = 0; r < br; ++r) {
      ws.ramp_end[r] = r < b.n_rows
                           ? static_cast<float>(std::ceil(
                                 static_cast<double>(
                                     b.p_first + static_cast<int64_t>(r) - c0) -
                                 task.span_z))
                           : -1.0f;
    }
    RampGradRows<kRowVecs>(d, n_keys, w.st, w.wt, ws.dpt, ws.drow, ws.ramp_end,
                           ws.ramp);
  }
  ScoreGradTile<kRowVecs>(d, n_keys, w.st, ws.drow, task.scale, ws.dpt);
  if (what.query) {
    bool finite = true;
    for (size_t j = 0; partial && finite && j < n_keys; ++j) {
      finite = AllFinite(d, kc + j * dim, dim);
    }
    if (!finite) {  // a masked key's NaN or Inf must not reach dQ
      AccumulateTile<kRowVecs, true, kKeyStep>(d, ws.dpt, w.wt, kc, dim, dim,
                                               n_keys, w.Ot(0));
    } else {
      AccumulateTile<kRowVecs, false, kKeyStep>(d, ws.dpt, nullptr, kc, dim,
                                                dim, n_keys, w.Ot(0));
    }
  }
  if (what.keys) {
    OuterAccumulate<kOuterKeys, kOuterVecs>(d, ws.dpt, br, b.n_rows, n_keys,
                                            q_rows, dim, dim,
                                            task.dk + c0 * dim, dim);
  }
}

// Query block `block` of the task's head: pack, walk its key tiles within
// [keys_lo, keys_hi) (tile-aligned), and write its dQ rows and dz slot when
// `what` asks for them.
void BackwardBlock(const EngineBackwardTask& task, int64_t block, Outputs what,
                   int64_t keys_lo, int64_t keys_hi,
                   EngineBackwardScratch& ws) {
  const hn::ScalableTag<float> d;
  thread_local std::vector<KeyPiece> pieces;
  GroupScratch& w = ws.group;
  const Shape& s = task.problem.shape;
  const MaskRule& rule = task.problem.mask.Rule();
  const size_t br = task.br, dim = task.dim;
  const int64_t i0 = block * static_cast<int64_t>(br);
  const auto n_rows =
      static_cast<size_t>(std::min(static_cast<int64_t>(br), s.Nq - i0));
  const int64_t p_first = s.Nk - s.Nq + i0;
  const int64_t p_last = p_first + static_cast<int64_t>(n_rows) - 1;
  const BlockRows b{i0,
                    n_rows,
                    p_first,
                    {rule.Bounds(task.h, p_first, s.Nk).begin,
                     rule.Bounds(task.h, p_last, s.Nk).end}};
  if (std::max(b.keys.begin, keys_lo) >= std::min(b.keys.end, keys_hi) &&
      !what.query) {
    return;  // no key of the range in reach
  }
  const int64_t first_row = task.q_off / s.D;  // of the head, in O's rows
  PackQueryBlock<kRowVecs>(d, task.q + i0 * s.D, dim, dim, n_rows, task.scale,
                           w.Qt(0));
  PackRowsAsLanes(task.d_out + i0 * s.D, dim, dim, n_rows, br, 1.0f, ws.dot);
  for (size_t r = 0; r < br; ++r) {
    w.M(0)[r] = 0.0f;
    w.L(0)[r] = 0.0f;  // padding rows: P = 0
    ws.drow[r] = 0.0f;
    if (r >= n_rows) continue;
    const int64_t row = first_row + i0 + static_cast<int64_t>(r);
    w.M(0)[r] = task.g.row_max[row];
    w.L(0)[r] = InverseSum(task.g.row_sum[row], rule, task.h,
                           p_first + static_cast<int64_t>(r), s.Nk);
    const float* o = task.t.o + row * s.D;
    const float* dout = task.g.d_out + row * s.D;
    float dot = 0.0f;
    for (size_t x = 0; x < dim; ++x) dot = std::fma(dout[x], o[x], dot);
    ws.drow[r] = dot;
  }
  std::fill(w.Ot(0), w.Ot(0) + dim * br, 0.0f);
  std::fill(ws.ramp, ws.ramp + br, 0.0f);
  const auto tile = static_cast<int64_t>(task.bc);
  const int64_t first_tile = std::max(b.keys.begin, keys_lo) / tile * tile;
  const int64_t end = std::min(b.keys.end, keys_hi);
  for (int64_t c0 = first_tile; c0 < end; c0 += tile) {
    const int64_t lo = std::max(c0, b.keys.begin);
    const int64_t hi = std::min(c0 + tile, b.keys.end);
    if (lo >= hi) continue;
    pieces.clear();
    rule.Pieces(task.h, p_first, p_last, lo, hi, pieces);
    for (const KeyPiece& piece : pieces) {
      BackwardTile(task, b, piece.begin, piece.end,
                   piece.kind == TileKind::kPartial, what, ws);
    }
  }
  if (!what.query) return;
  if (task.dz != nullptr) {
    double sum = 0.0;
    for (size_t r = 0; r < n_rows; ++r) sum += ws.ramp[r];
    task.dz[block] = sum / task.span_ramp;
  }
  std::fill(w.L(0), w.L(0) + br, 1.0f);  // unscaled
  UnpackRowsAsLanes(w.Ot(0), w.L(0), dim, dim, n_rows, br,
                    task.g.dq + task.q_off + i0 * s.D);
}

void EngineBackwardImpl(const Problem& problem, const Tensors& t,
                        const Gradients& g) {
  const Shape& s = problem.shape;
  const MaskRule& rule = problem.mask.Rule();
  const size_t br = EngineBackwardBlockRows();
  const size_t bc = DefaultKeyBlock(s.D);
  const auto dim = static_cast<size_t>(s.D);
  const int64_t n_blocks =
      (s.Nq + static_cast<int64_t>(br) - 1) / static_cast<int64_t>(br);
  const auto tile = static_cast<int64_t>(bc);
  const int64_t n_tiles = (s.Nk + tile - 1) / tile;
  const int64_t group = s.H / s.Hkv;
  // dz: one slot per (b, h, query block), summed in that order afterwards.
  const bool want_dz = g.dz != nullptr && rule.SpanOf(0).has_value();
  ScratchBuffer<double> dz_slots(
      want_dz ? static_cast<size_t>(s.B * s.H * n_blocks) : 0);
  std::fill(dz_slots.data(), dz_slots.data() + dz_slots.size(), 0.0);
  const auto task_for = [&](int64_t b, int64_t h) {
    const int64_t kv_off = (b * s.Hkv + h / group) * s.Nk * s.D;
    const int64_t q_off = (b * s.H + h) * s.Nq * s.D;
    return EngineBackwardTask{
        problem,
        t,
        g,
        br,
        bc,
        dim,
        static_cast<float>(problem.Scale()),
        h,
        q_off,
        rule.BiasSlope(h, s.H),
        t.q + q_off,
        t.k + kv_off,
        t.v + kv_off,
        g.d_out + q_off,
        g.dk + kv_off,
        g.dv + kv_off,
        want_dz ? rule.SpanOf(h)->z : 0.0,
        want_dz ? rule.SpanOf(h)->ramp : 1.0,
        want_dz ? dz_slots.data() + (b * s.H + h) * n_blocks : nullptr};
  };
  tbb::enumerable_thread_specific<EngineBackwardScratch> scratch(
      [&] { return EngineBackwardScratch(br, bc, dim); });
  const auto parallel = [&](int64_t n, const auto& body) {
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, n, 1),
        [&](const tbb::blocked_range<int64_t>& range) HWY_ATTR {
          EngineBackwardScratch& ws = scratch.local();
          for (int64_t i = range.begin(); i != range.end(); ++i) body(i, ws);
        },
        tbb::simple_partitioner());
  };
  if (s.B * s.Hkv >= 2 * int64_t{problem.threads} || n_tiles == 1) {
    // One task per (b, key/value head): all outputs in one walk.
    parallel(s.B * s.Hkv, [&](int64_t unit, EngineBackwardScratch& ws) {
      const int64_t b = unit / s.Hkv, kv_head = unit % s.Hkv;
      float* dk = g.dk + unit * s.Nk * s.D;
      float* dv = g.dv + unit * s.Nk * s.D;
      std::fill(dk, dk + s.Nk * s.D, 0.0f);
      std::fill(dv, dv + s.Nk * s.D, 0.0f);
      for (int64_t j = 0; j < group; ++j) {
        const EngineBackwardTask bt = task_for(b, kv_head * group + j);
        for (int64_t block = 0; block < n_blocks; ++block) {
          BackwardBlock(bt, block, Outputs{}, 0, s.Nk, ws);
        }
      }
    });
  } else {
    // Too few key/value heads for the threads: dK and dV with a task per
    // (b, key/value head, key tile), then dQ with a task per (b, head,
    // query block). S, P and dP are computed twice (7 matrix products
    // instead of 5), in exchange for every thread having work.
    parallel(s.B * s.Hkv * n_tiles,
             [&](int64_t unit, EngineBackwardScratch& ws) {
               const int64_t kv = unit / n_tiles, c = unit % n_tiles;
               const int64_t b = kv / s.Hkv, kv_head = kv % s.Hkv;
               const int64_t c0 = c * tile, c1 = std::min(c0 + tile, s.Nk);
               std::fill(g.dk + (kv * s.Nk + c0) * s.D,
                         g.dk + (kv * s.Nk + c1) * s.D, 0.0f);
               std::fill(g.dv + (kv * s.Nk + c0) * s.D,
                         g.dv + (kv * s.Nk + c1) * s.D, 0.0f);
               for (int64_t j = 0; j < group; ++j) {
                 const EngineBackwardTask bt = task_for(b, kv_head * group + j);
                 for (int64_t block = 0; block < n_blocks; ++block) {
                   BackwardBlock(bt, block, Outputs{true, false}, c0, c1, ws);
                 }
               }
             });
    parallel(
        s.B * s.H * n_blocks, [&](int64_t unit, EngineBackwardScratch& ws) {
          const int64_t bh = unit / n_blocks;
          const EngineBackwardTask bt = task_for(bh / s.H, bh % s.H);
          BackwardBlock(bt, unit % n_blocks, Outputs{false, true}, 0, s.Nk, ws);
        });
  }
  if (!want_dz) return;
  for (int64_t h = 0; h < s.H; ++h) {
    double sum = 0.0;
    for (int64_t b = 0; b < s.B; ++b) {
      const double* slots = dz_slots.data() + (b * s.H + h) * n_blocks;
      for (int64_t i = 0; i < n_blocks; ++i) sum += slots[i];
    }
    g.dz[h] = static_cast<float>(sum);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(EngineBackwardImpl);
HWY_EXPORT(EngineBackwardBlockRows);

void RunBlockedBackwardTiles(const Problem& problem, const Tensors& tensors,
                             const Gradients& grads) {
  HWY_DYNAMIC_DISPATCH(EngineBackwardImpl)(problem, tensors, grads);
}

size_t BlockedBackwardBlockRows() {
  return HWY_DYNAMIC_DISPATCH(EngineBackwardBlockRows)();
}

}  // namespace attnbench
#endif  // HWY_ONCE
