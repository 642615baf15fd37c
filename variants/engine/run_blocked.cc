// The engine's entry points: one pass for a plain rule, the parts for a
// rule that regroups, a one-line warning for a rule the engine can only
// scan, and the registration of a mask kind with its variant.
#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <tuple>

#include "harness/contract/mask.h"
#include "harness/contract/workspace.h"
#include "kernels/widen.h"
#include "variants/engine/backward.h"
#include "variants/engine/blocked.h"
#include "variants/engine/blocked_pass.h"
#include "variants/engine/decode.h"
#include "variants/engine/scratch_layout.h"

namespace attnbench {
namespace {

// Says once per mask kind that its rule (or, run as parts, a part's rule)
// has no Segments (on the decode path: no RowKeys).
void WarnIfScanned(const Mask& mask, bool decode) {
  const std::vector<ClassPart> parts =
      decode ? std::vector<ClassPart>{} : mask.Rule().Parts();
  bool scanned = decode ? !mask.Rule().HasRowKeys()
                        : parts.empty() && !mask.Rule().HasSegments();
  for (const ClassPart& part : parts) {
    scanned = scanned || !part.within->HasSegments();
  }
  if (!scanned) return;
  static std::mutex mutex;
  static std::set<std::string> warned;
  const std::lock_guard<std::mutex> lock(mutex);
  if (!warned.insert(mask.kind).second) return;
  fmt::print(stderr,
             "attnbench: warning: mask kind '{}' has no Segments(); the "
             "blocked engine evaluates every weight of the tiles in reach "
             "(correct, slow; docs/adding-a-variant.md)\n",
             mask.kind);
}

}  // namespace

// A rule with Parts on half-precision inputs: Q, K and V widened to fp32
// scratch (in parallel, a slice per task), then the fp32 engine.
void RunWidened(const Problem& problem, const Tensors& tensors,
                EngineTuning tuning) {
  const Shape& s = problem.shape;
  ScratchBuffer<float> q(static_cast<size_t>(s.QElements()));
  ScratchBuffer<float> k(static_cast<size_t>(s.KVElements()));
  ScratchBuffer<float> v(static_cast<size_t>(s.KVElements()));
  const auto widen = problem.storage == DType::kBF16 ? WidenBf16 : WidenF16;
  constexpr size_t kSlice = size_t{1} << 16;
  for (const auto& [src, dst, n] :
       {std::tuple{tensors.q16, q.data(), q.size()},
        std::tuple{tensors.k16, k.data(), k.size()},
        std::tuple{tensors.v16, v.data(), v.size()}}) {
    tbb::parallel_for(size_t{0}, (n + kSlice - 1) / kSlice, [&](size_t i) {
      const size_t begin = i * kSlice;
      widen(src + begin, std::min(kSlice, n - begin), dst + begin);
    });
  }
  Problem wide = problem;
  wide.storage = DType::kF32;
  Tensors t;
  t.q = q.data();
  t.k = k.data();
  t.v = v.data();
  t.o = tensors.o;
  RunBlocked(wide, t, tuning);
}

size_t DefaultKeyBlock(int64_t dim) {
  const auto head_dim = static_cast<size_t>(dim);
  if (head_dim <= 128) return 256;
  return std::max<size_t>(32, kKeyTileBytes / (2 * sizeof(float) * head_dim));
}

size_t BlockedWorkspaceBound(const Problem& problem) {
  if (UsesDecodePath(problem)) return DecodeWorkspaceBytes(problem);
  if (problem.storage != DType::kF32 &&
      !problem.mask.Rule().Parts().empty()) {  // widened, then run in fp32
    Problem wide = problem;
    wide.storage = DType::kF32;
    const Shape& s = problem.shape;
    return BlockedWorkspaceBound(wide) +
           static_cast<size_t>(s.QElements() + 2 * s.KVElements()) *
               sizeof(float);
  }
  return BlockedPassWorkspaceBytes(problem) +
         BlockedPartsWorkspaceBytes(problem);
}

size_t BlockedPassWorkspaceBytes(const Problem& problem) {
  const size_t br = BlockedQueryRows();
  const auto dim = static_cast<size_t>(problem.shape.D);
  const ScratchLayout layout{br, DefaultKeyBlock(problem.shape.D), dim,
                             problem.storage != DType::kF32};
  const size_t group =
      std::max<size_t>(1, BlockedGroupRowsCap(br, dim, layout.half) / br);
  return static_cast<size_t>(problem.threads) * layout.Floats(group) *
         sizeof(float);
}

std::string BlockedVariant::WhyNoBackward(const Problem& problem) const {
  return BlockedBackwardUnsupported(problem);
}

size_t BlockedVariant::EstimateBackwardWorkspaceBytes(
    const Problem& problem) const {
  return BlockedBackwardWorkspaceBytes(problem);
}

void BlockedVariant::RunForwardForBackward(const Problem& problem,
                                           const Tensors& tensors,
                                           const Gradients& grads) const {
  if (!BlockedBackwardUnsupported(problem).empty()) {
    Run(problem, tensors);  // RunBackward will say why it cannot follow
    return;
  }
  RunBlockedForwardSaving(problem, tensors, grads);
}

void BlockedVariant::RunBackward(const Problem& problem, const Tensors& tensors,
                                 const Gradients& grads) const {
  const std::string why = BlockedBackwardUnsupported(problem);
  if (!why.empty()) throw InvalidArgument(why);
  RunBlockedBackward(problem, tensors, grads);
}

void RunBlocked(const Problem& problem, const Tensors& tensors,
                EngineTuning tuning) {
  const bool decode = UsesDecodePath(problem);
  WarnIfScanned(problem.mask, decode);
  if (decode) {  // its own default chunk; any storage
    RunDecode(problem, tensors, tuning.key_block);
    return;
  }
  if (problem.storage != DType::kF32 && !problem.mask.Rule().Parts().empty()) {
    RunWidened(problem, tensors, tuning);  // the parts copy and regroup
    return;
  }
  if (tuning.key_block == 0) {
    tuning.key_block = DefaultKeyBlock(problem.shape.D);
  }
  if (!problem.mask.Rule().Parts().empty()) {
    RunBlockedParts(problem, tensors, tuning);
    return;
  }
  BlockedPass pass;
  pass.tuning = tuning;
  RunBlockedPass(problem, tensors, pass);
}

bool RegisterBlockedMaskVariant(MaskKindInfo mask, std::string summary) {
  const std::string name = mask.name;
  RegisterMaskKind(std::move(mask));
  return Registry::Get().Add(std::make_unique<BlockedVariant>(
      name, std::move(summary), std::vector<std::string>{name}));
}

}  // namespace attnbench
