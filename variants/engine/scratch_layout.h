// The blocked engine's per-thread scratch, in floats: one layout that the
// allocation (GroupScratch, below) and the workspace estimate
// (BlockedWorkspaceBound) both use, so that they cannot drift apart.
#ifndef ATTNBENCH_VARIANTS_ENGINE_SCRATCH_LAYOUT_H_
#define ATTNBENCH_VARIANTS_ENGINE_SCRATCH_LAYOUT_H_

#include <algorithm>
#include <cstddef>

#include "harness/contract/workspace.h"

namespace attnbench {

// Segments per row a partial tile describes in registers (kernels'
// TileRows); rows with more have their weights filled in memory instead.
inline constexpr size_t kMaxTileSlots = 4;

// K and V tiles (2 * Bc * D floats) kept within this many bytes, so that
// they stay in a 1 MiB L2 while a group of query blocks reuses them.
inline constexpr size_t kKeyTileBytes = 256 * 1024;
// A group's transposed Q and output (2 * rows * D floats) kept within this
// many bytes of L2.
inline constexpr size_t kGroupBytes = 512 * 1024;
// Most query rows a group holds however small D is. Half precision widens
// each K/V tile once per group, so larger groups pay that less often:
// 512 rows there (causal N=4096 D=64 bf16, 2 threads, Zen 5: +0.8-1.1% over
// 256, three interleaved rounds).
inline constexpr size_t kMaxGroupRows = 256;
inline constexpr size_t kMaxGroupRowsHalf = 512;

// Rows of Q a task's group of query blocks may hold: kMaxGroupRows (or
// kMaxGroupRowsHalf), fewer for large D, at least one block of br rows.
inline size_t BlockedGroupRowsCap(size_t br, size_t dim, bool half) {
  const size_t most = half ? kMaxGroupRowsHalf : kMaxGroupRows;
  return std::clamp<size_t>(kGroupBytes / (2 * sizeof(float) * dim), br,
                            std::max(br, most));
}

struct ScratchLayout {
  size_t br, bc, dim;
  // Q, K and V stored in half precision: a block of Q rows and the K and
  // V tiles widened to fp32 (Br x D + 2 x Bc x D) besides.
  bool half = false;
  // Per query block: transposed Q and output (D x Br each), max and sum.
  size_t PerBlock() const { return 2 * dim * br + 2 * br; }
  // Shared by a group: score and weight tiles (Bc x Br each), the partial
  // tile's slots (lo, hi, w0, step: kMaxTileSlots x Br each), the bias base
  // (Br) and one row of weights (Bc).
  size_t Shared() const {
    return 2 * bc * br + (4 * kMaxTileSlots + 1) * br + bc + Widened();
  }
  size_t Widened() const { return half ? (br + 2 * bc) * dim : 0; }
  size_t Floats(size_t group) const { return group * PerBlock() + Shared(); }
};

// Per-thread scratch of a group, carved from one ScratchBuffer as
// ScratchLayout says.
class GroupScratch {
 public:
  GroupScratch(size_t br, size_t bc, size_t dim, size_t group, bool half)
      : layout_{br, bc, dim, half}, buffer_(layout_.Floats(group)) {
    float* shared = buffer_.data() + group * layout_.PerBlock();
    const size_t slots = kMaxTileSlots * br;
    st = shared;
    wt = st + bc * br;
    lo = wt + bc * br;
    hi = lo + slots;
    w0 = hi + slots;
    step = w0 + slots;
    b0 = step + slots;
    row = b0 + br;
    q_rows = row + bc;
    k_tile = q_rows + br * dim;
    v_tile = k_tile + bc * dim;
  }
  // Qt, Ot [D x Br]; M, L [Br] of block g of the group.
  float* Qt(size_t g) { return buffer_.data() + g * layout_.PerBlock(); }
  float* Ot(size_t g) { return Qt(g) + layout_.dim * layout_.br; }
  float* M(size_t g) { return Ot(g) + layout_.dim * layout_.br; }
  float* L(size_t g) { return M(g) + layout_.br; }
  // st, wt [Bc x Br]: scores and weights; lo, hi, w0, step [slots x Br]:
  // a partial tile's segments; b0 [Br]: bias base; row [Bc]: one row's
  // weights.
  float *st, *wt, *lo, *hi, *w0, *step, *b0, *row;
  // Half-precision inputs only: a block's Q rows [Br x D] and the K and V
  // rows of a key tile [Bc x D each], widened.
  float *q_rows, *k_tile, *v_tile;

 private:
  ScratchLayout layout_;
  ScratchBuffer<float> buffer_;
};

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_ENGINE_SCRATCH_LAYOUT_H_
