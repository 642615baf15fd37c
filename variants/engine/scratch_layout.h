// The blocked engine's per-thread scratch, in floats: one function that the
// allocation (GroupScratch in blocked.cc) and the workspace estimate
// (BlockedWorkspaceBound) both use, so that they cannot drift apart.
#ifndef ATTNBENCH_VARIANTS_ENGINE_SCRATCH_LAYOUT_H_
#define ATTNBENCH_VARIANTS_ENGINE_SCRATCH_LAYOUT_H_

#include <algorithm>
#include <cstddef>

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
// Most query rows a group holds however small D is.
inline constexpr size_t kMaxGroupRows = 256;

// Rows of Q a task's group of query blocks may hold: kMaxGroupRows, fewer
// for large D, at least one block of br rows.
inline size_t BlockedGroupRowsCap(size_t br, size_t dim) {
  return std::clamp<size_t>(kGroupBytes / (2 * sizeof(float) * dim), br,
                            std::max(br, kMaxGroupRows));
}

struct ScratchLayout {
  size_t br, bc, dim;
  // Per query block: transposed Q and output (D x Br each), max and sum.
  size_t PerBlock() const { return 2 * dim * br + 2 * br; }
  // Shared by a group: score and weight tiles (Bc x Br each), the partial
  // tile's slots (lo, hi, w0, step: kMaxTileSlots x Br each), the bias base
  // (Br) and one row of weights (Bc).
  size_t Shared() const {
    return 2 * bc * br + (4 * kMaxTileSlots + 1) * br + bc;
  }
  size_t Floats(size_t group) const { return group * PerBlock() + Shared(); }
};

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_ENGINE_SCRATCH_LAYOUT_H_
