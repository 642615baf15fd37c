// One pass of the blocked engine, as variants/engine/regroup.cc composes
// them: on a (possibly strided) view of the tensors, starting fresh or from
// an earlier pass's softmax state, finishing normalised or not.
#ifndef ATTNBENCH_VARIANTS_ENGINE_BLOCKED_PASS_H_
#define ATTNBENCH_VARIANTS_ENGINE_BLOCKED_PASS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {

// Per-row softmax state of an unnormalised output: o_p = sum_j w_pj
// exp(s_pj - m_p) v_j over the keys seen so far, running max m_p (a finite
// sentinel before any key) and sum l_p. Indexed by the row of O, i.e. a
// row's offset in O divided by D.
struct SoftmaxState {
  float* m;
  float* l;
};

// A strided view of the tensors: head bh's rows of Q and O start at
// q_head(bh) floats, the rows of K and V it attends to at kv_head(bh), and
// consecutive rows of a head are row_stride floats apart (contiguous
// [B, H, N, D]: q_head(bh) = bh * Nq * D, row_stride = D).
struct StridedLayout {
  int64_t row_stride;
  std::function<int64_t(int64_t)> q_head, kv_head;
};

struct BlockedPass {
  EngineTuning tuning;                    // Bc (set), group rows
  const StridedLayout* layout = nullptr;  // nullptr: contiguous
  const SoftmaxState* state = nullptr;    // needed by resume or !normalise
  bool resume = false;    // start from O and state instead of nothing
  bool normalise = true;  // false: leave O unnormalised, write state
  // The rule whose CountVisible tells a row that sees no key (zeros) from
  // one whose scores are all -inf (NaN); nullptr: the problem's.
  const MaskRule* visibility = nullptr;
};

// 1 / l for a row's running sum l; for l = 0, 0 when the row sees no key
// (its output is zeros) and NaN when its visible scores are all -inf, as
// the formula does. `visibility` answers which, at position p of head h.
inline float InverseSum(float l, const MaskRule& visibility, int64_t h,
                        int64_t p, int64_t nk) {
  if (l != 0.0f) return 1.0f / l;
  return visibility.CountVisible(h, p, nk) == 0
             ? 0.0f
             : std::numeric_limits<float>::quiet_NaN();
}

// o *= InverseSum(l) row by row for an unnormalised output in the original
// order, as a pass's last step does (variants/engine/regroup.cc).
void Normalise(const Problem& problem, const Tensors& t,
               const SoftmaxState& state);

// Runs one pass on the dispatched target (variants/engine/blocked.cc).
void RunBlockedPass(const Problem& problem, const Tensors& tensors,
                    const BlockedPass& pass);

// Runs a rule's Parts one after another, merging through the softmax
// state (variants/engine/regroup.cc), and their scratch bytes beyond one
// pass's.
// With `keep`: the merged softmax state is left there (each row's final
// max and sum, for the backward) and O normalised at the end.
void RunBlockedParts(const Problem& problem, const Tensors& tensors,
                     EngineTuning tuning, const SoftmaxState* keep = nullptr);

// The backward of a rule with Parts (Nq = Nk, fp32): each part's backward
// (variants/engine/backward.h) with the merged forward's max and sum, on
// copies in class order where the part regroups, its dQ, dK, dV added into
// grads' in part order. grads.row_max and row_sum come from RunBlockedParts
// with `keep`.
void RunBlockedBackwardParts(const Problem& problem, const Tensors& tensors,
                             const Gradients& grads);
size_t BlockedBackwardPartsWorkspaceBytes(const Problem& problem);
size_t BlockedPartsWorkspaceBytes(const Problem& problem);

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_ENGINE_BLOCKED_PASS_H_
