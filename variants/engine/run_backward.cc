// The blocked engine's backward entry points: which problems it runs, the
// forward that saves each row's max and sum, the backward (the tile walk
// of variants/engine/backward.cc, or a rule's parts through
// variants/engine/regroup.cc), and its scratch bound.
#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <string>

#include "harness/contract/mask.h"
#include "variants/engine/backward.h"
#include "variants/engine/blocked.h"
#include "variants/engine/blocked_pass.h"
#include "variants/engine/scratch_layout.h"

namespace attnbench {

std::string BlockedBackwardUnsupported(const Problem& problem) {
  if (problem.storage != DType::kF32) {
    return "the blocked engine's backward pass takes fp32 inputs only "
           "(--dtype f32)";
  }
  if (!problem.mask.Rule().Parts().empty() &&
      problem.shape.Nq != problem.shape.Nk) {
    return fmt::format(
        "the blocked engine's backward pass runs mask {} (whose rule "
        "regroups queries and keys into parts) for Nq = Nk only; here Nq = "
        "{}, Nk = {}; naive's runs it",
        problem.mask.kind, problem.shape.Nq, problem.shape.Nk);
  }
  return {};
}

void RunBlockedForwardSaving(const Problem& problem, const Tensors& tensors,
                             const Gradients& grads) {
  const Shape& s = problem.shape;
  const SoftmaxState state{grads.row_max, grads.row_sum};
  if (!problem.mask.Rule().Parts().empty()) {  // merged over the parts
    EngineTuning tuning;
    tuning.key_block = DefaultKeyBlock(s.D);
    RunBlockedParts(problem, tensors, tuning, &state);
    return;
  }
  BlockedPass pass;
  pass.tuning.key_block = DefaultKeyBlock(s.D);
  pass.state = &state;
  pass.normalise = false;
  RunBlockedPass(problem, tensors, pass);
  Normalise(problem, tensors, state);  // O = O_unnormalised / l
}

void RunBlockedBackward(const Problem& problem, const Tensors& tensors,
                        const Gradients& grads) {
  if (!problem.mask.Rule().Parts().empty()) {
    RunBlockedBackwardParts(problem, tensors, grads);
    return;
  }
  RunBlockedBackwardTiles(problem, tensors, grads);
}

size_t BlockedBackwardWorkspaceBytes(const Problem& problem) {
  const size_t br = BlockedBackwardBlockRows();
  const auto dim = static_cast<size_t>(problem.shape.D);
  const size_t bc = DefaultKeyBlock(problem.shape.D);
  const size_t backward =
      (ScratchLayout{br, bc, dim, false}.Floats(1) +
       BackwardExtraFloats(br, bc, dim)) *
          sizeof(float) * static_cast<size_t>(problem.threads) +
      static_cast<size_t>(problem.shape.B * problem.shape.H) *
          static_cast<size_t>(
              (problem.shape.Nq + static_cast<int64_t>(br) - 1) /
              static_cast<int64_t>(br)) *
          sizeof(double);
  if (!problem.mask.Rule().Parts().empty()) {
    return backward + BlockedBackwardPartsWorkspaceBytes(problem) +
           BlockedPassWorkspaceBytes(problem) +
           BlockedPartsWorkspaceBytes(problem);
  }
  return std::max(backward, BlockedPassWorkspaceBytes(problem));
}

}  // namespace attnbench
