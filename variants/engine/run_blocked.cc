// The engine's entry points: one pass for a plain rule, the parts for a
// rule that regroups, a one-line warning for a rule the engine can only
// scan, and the registration of a mask kind with its variant.
#include <fmt/format.h>

#include <mutex>
#include <set>

#include "harness/contract/mask.h"
#include "variants/engine/blocked.h"
#include "variants/engine/blocked_pass.h"
#include "variants/engine/decode.h"
#include "variants/engine/scratch_layout.h"

namespace attnbench {
namespace {

// Says once per mask kind that its rule has no Segments.
void WarnIfScanned(const Mask& mask) {
  const std::vector<ClassPart> parts = mask.Rule().Parts();
  bool scanned = parts.empty() && !mask.Rule().HasSegments();
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

size_t DefaultKeyBlock(int64_t dim) {
  const auto head_dim = static_cast<size_t>(dim);
  if (head_dim <= 128) return 256;
  return std::max<size_t>(32, kKeyTileBytes / (2 * sizeof(float) * head_dim));
}

size_t BlockedWorkspaceBound(const Problem& problem) {
  if (UsesDecodePath(problem)) return DecodeWorkspaceBytes(problem);
  const size_t br = BlockedQueryRows();
  const auto dim = static_cast<size_t>(problem.shape.D);
  const ScratchLayout layout{br, DefaultKeyBlock(problem.shape.D), dim};
  const size_t group = std::max<size_t>(1, BlockedGroupRowsCap(br, dim) / br);
  return static_cast<size_t>(problem.threads) * layout.Floats(group) *
             sizeof(float) +
         BlockedPartsWorkspaceBytes(problem);
}

void RunBlocked(const Problem& problem, const Tensors& tensors,
                EngineTuning tuning) {
  if (const std::string why = WhyBlockedCannotRun(problem); !why.empty()) {
    throw InvalidArgument(why);
  }
  WarnIfScanned(problem.mask);
  if (UsesDecodePath(problem)) {  // its own default chunk
    RunDecode(problem, tensors, tuning.key_block);
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

std::string WhyBlockedCannotRun(const Problem& problem) {
  const Shape& s = problem.shape;
  for (const ClassPart& part : problem.mask.Rule().Parts()) {
    if (part.modulus != 1 && s.Nq != s.Nk) {
      return fmt::format(
          "mask {} regroups queries and keys alike by residue class mod {}, "
          "so it needs Nq = Nk; got Nq = {}, Nk = {}",
          problem.mask.kind, part.modulus, s.Nq, s.Nk);
    }
  }
  return {};
}

bool RegisterBlockedMaskVariant(MaskKindInfo mask, std::string summary) {
  const std::string name = mask.name;
  RegisterMaskKind(std::move(mask));
  return Registry::Get().Add(std::make_unique<BlockedVariant>(
      name, std::move(summary), std::vector<std::string>{name}));
}

}  // namespace attnbench
