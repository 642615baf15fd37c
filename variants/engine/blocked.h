// The blocked (flash-style) attention engine shared by the flash,
// sliding-window and adaptive-span variants: tiles of Br query rows x Bc
// keys, classified empty / full / partial by the mask (tiles.h), an online
// softmax per row, never the N x N scores. Dispatches to the best Highway
// target. Implementation: blocked.cc; kernels: kernels/flash_tile-inl.h.
#ifndef ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_
#define ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/problem.h"
#include "harness/variant.h"

namespace attnbench {

// Computes O for a validated problem with any mask, in the caller's oneTBB
// arena; key_block = Bc, or 0 for DefaultKeyBlock(D).
void RunBlocked(const Problem& problem, const Tensors& tensors,
                size_t key_block = 0);

// Per-row softmax state of a run whose output is left unnormalised:
// o_p = sum_j w_pj exp(s_pj - m_p) v_j over the keys the run saw, with the
// running max m_p (a finite sentinel when none was seen) and sum l_p.
// Arrays of B * H * Nq floats, indexed like the rows of O.
struct SoftmaxState {
  float* m;
  float* l;
};

// A strided view of the tensors for one run: head bh's rows of Q and O
// start at q_head(bh) floats, kv head kv's rows of K and V at kv_head(kv),
// and consecutive rows of a head are row_stride floats apart (contiguous
// [B, H, N, D] is q_head(bh) = bh * Nq * D, row_stride = D).
struct StridedLayout {
  int64_t row_stride;
  std::function<int64_t(int64_t)> q_head, kv_head;
};

// RunBlocked without the final normalisation: for variants that combine
// runs over disjoint key sets (variants/sparse_strided.cc does), optionally
// on a strided view of the tensors.
void RunBlockedPartial(const Problem& problem, const Tensors& tensors,
                       const SoftmaxState& state,
                       const StridedLayout* layout = nullptr);

// Bc for head dimension `dim`: 256 keys up to D = 128, then 32768 / D (at
// least 32), so that the K and V tiles (2 * Bc * D * 4 bytes, at most
// 256 KiB) stay in a 1 MiB L2 while a group of query blocks reuses them.
// Measured in docs/flash.md.
size_t DefaultKeyBlock(int64_t dim);

// Rows of Q a task's group of query blocks may hold: 256, fewer for large D
// (2 * rows * D floats of scratch stay within 512 KiB), at least one block.
inline size_t BlockedGroupRowsCap(size_t br, size_t dim) {
  return std::clamp<size_t>(65536 / dim, br, std::max<size_t>(br, 256));
}

// Upper bound of the engine's scratch bytes for the problem with the
// default key block: per thread, a group's transposed Q and output (at most
// 256 rows, or one block) plus the score and weight tiles.
size_t BlockedWorkspaceBound(const Problem& problem);

// Br on the dispatched target: 2 vectors of rows where there are 32 vector
// registers (AVX3), else 1 (e.g. 32 rows on AVX3, 8 on AVX2).
size_t BlockedQueryRows();

// A variant that is the blocked engine over the masks it names: most
// variants are one of these plus a mask rule.
class BlockedVariant final : public Variant {
 public:
  BlockedVariant(std::string name, std::string summary,
                 std::vector<std::string> masks)
      : name_(std::move(name)),
        summary_(std::move(summary)),
        masks_(std::move(masks)) {}
  std::string_view Name() const override { return name_; }
  std::string_view Summary() const override { return summary_; }
  std::vector<std::string> SupportedMasks() const override { return masks_; }
  size_t EstimateWorkspaceBytes(const Problem& problem) const override {
    return BlockedWorkspaceBound(problem);
  }
  void Run(const Problem& problem, const Tensors& tensors) const override {
    RunBlocked(problem, tensors);
  }

 private:
  std::string name_, summary_;
  std::vector<std::string> masks_;
};

}  // namespace attnbench

// Registers BlockedVariant(name, summary, {masks...}) from a variant's file.
#define ATTNBENCH_REGISTER_BLOCKED_VARIANT(tag, name, summary, ...) \
  ATTNBENCH_REGISTER_VARIANT_INSTANCE(                              \
      tag, std::make_unique<::attnbench::BlockedVariant>(           \
               name, summary, std::vector<std::string> __VA_ARGS__))

#endif  // ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_
