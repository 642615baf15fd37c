// The blocked engine's backward pass: FlashAttention-2's algorithm
// (docs/flash.md "Backward"). The forward saves each row's softmax max and
// sum; the backward recomputes P tile by tile from them, never
// materialising N x N, with the forward's tile classification (masked
// tiles cost nothing).
#ifndef ATTNBENCH_VARIANTS_ENGINE_BACKWARD_H_
#define ATTNBENCH_VARIANTS_ENGINE_BACKWARD_H_

#include <cstddef>
#include <string>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"

namespace attnbench {

// Empty when the engine's backward runs this problem, else why not (a rule
// with Parts, half-precision inputs).
std::string BlockedBackwardUnsupported(const Problem& problem);

// The forward for training: O (normalised) into tensors.o, and each row's
// final running max and sum into grads.row_max and row_sum.
void RunBlockedForwardSaving(const Problem& problem, const Tensors& tensors,
                             const Gradients& grads);

// dQ, dK, dV from Q, K, V, O, dO and the saved statistics. Tasks are
// (batch, key/value head) pairs: each owns its dK and dV rows and the dQ
// rows of its group's query heads, so every sum runs in one fixed order
// (bitwise identical for any thread count) without atomics.
void RunBlockedBackward(const Problem& problem, const Tensors& tensors,
                        const Gradients& grads);

// The tile walk for a rule without Parts on the dispatched target
// (variants/engine/backward.cc), and its query rows per block.
void RunBlockedBackwardTiles(const Problem& problem, const Tensors& tensors,
                             const Gradients& grads);
size_t BlockedBackwardBlockRows();

// Floats of one thread's backward scratch beyond the forward's GroupScratch
// of one block: dO as rows as lanes [D x Br], dP / dS [Bc x Br], and D_r,
// the ramp sums and their ends [Br each]. The allocation and the estimate
// both use it.
inline size_t BackwardExtraFloats(size_t br, size_t bc, size_t dim) {
  return dim * br + bc * br + 3 * br;
}

// Scratch bytes of either call, at most.
size_t BlockedBackwardWorkspaceBytes(const Problem& problem);

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_ENGINE_BACKWARD_H_
