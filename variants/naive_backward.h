// naive's backward pass: the dense baseline of docs/semantics.md
// "Gradients", a materialised row of probabilities per query.
#ifndef ATTNBENCH_VARIANTS_NAIVE_BACKWARD_H_
#define ATTNBENCH_VARIANTS_NAIVE_BACKWARD_H_

#include <cstddef>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"

namespace attnbench {

// dQ, dK, dV for a validated fp32 problem (grads.dq, dk, dv overwritten).
void NaiveBackward(const Problem& problem, const Tensors& tensors,
                   const Gradients& grads);

// Per-thread scratch bytes of NaiveBackward.
size_t NaiveBackwardWorkspaceBytes(const Problem& problem);

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_NAIVE_BACKWARD_H_
