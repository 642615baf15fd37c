// The blocked (flash-style) attention engine that most variants are: tiles
// of Br query rows x Bc keys, split by the mask rule into empty (skipped),
// full (no per-element mask) and partial pieces, an online softmax per row,
// never the N x N scores. Any mask rule runs on it; a rule with Parts runs
// as its parts, regrouped by residue class (variants/engine/regroup.cc).
// Dispatches to the best Highway target. docs/flash.md describes it.
#ifndef ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_
#define ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"

namespace attnbench {

// The engine's tunable sizes; 0 takes the default. Results do not depend
// on them beyond the tile grid Bc (docs/flash.md); the engine study
// (harness/bench/engine_study.cc) times each.
struct EngineTuning {
  size_t key_block = 0;   // Bc; default DefaultKeyBlock(D)
  size_t group_rows = 0;  // most query rows per group; BlockedGroupRowsCap
};

// Computes O for a validated problem with any mask, in the caller's oneTBB
// arena.
void RunBlocked(const Problem& problem, const Tensors& tensors,
                EngineTuning tuning = {});

// RunBlocked for half-precision storage and a rule with Parts (which copy
// and regroup the tensors): Q, K and V widened to fp32 scratch, then the
// fp32 engine.
void RunWidened(const Problem& problem, const Tensors& tensors,
                EngineTuning tuning);

// Bc for head dimension `dim`: 256 keys up to D = 128, then fewer, so that
// the K and V tiles stay within kKeyTileBytes of L2 (docs/flash.md).
size_t DefaultKeyBlock(int64_t dim);

// Upper bound of the engine's scratch bytes for the problem with the
// default key block: per thread the largest group's ScratchLayout, plus
// the softmax states (and permuted copies) of a rule run as Parts, plus
// fp32 Q, K and V where half-precision inputs are widened (prefill).
size_t BlockedWorkspaceBound(const Problem& problem);
// The part of it one pass of the tile path (fp32, no parts) takes.
size_t BlockedPassWorkspaceBytes(const Problem& problem);

// Br on the dispatched target: the register tile's row vectors times the
// lanes: 2 x 16 = 32 rows on AVX3, 3 x 8 = 24 on AVX2, 3 x 4 = 12 on SSE4.
size_t BlockedQueryRows();

// Whether the engine's tile path on the dispatched target forms Q K^T of
// `problem` with vdpbf16ps (kernels/bf16_scores.h): bf16 storage, even D,
// an AVX3 target and Bf16DotEnabled().
bool BlockedFormsBf16Scores(const Problem& problem);

// A variant that is the blocked engine over the mask kinds it names.
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
  // Half-precision Q, K and V are widened in registers (decode) or a tile
  // at a time (prefill); docs/flash.md "Half precision".
  bool ReadsHalfPrecision() const override { return true; }
  void Run(const Problem& problem, const Tensors& tensors) const override {
    RunBlocked(problem, tensors);
  }
  // FlashAttention-2's backward (variants/engine/backward.h).
  bool HasBackward() const override { return true; }
  std::string WhyNoBackward(const Problem& problem) const override;
  bool ReturnsSpanGradient() const override { return true; }
  size_t EstimateBackwardWorkspaceBytes(const Problem& problem) const override;
  void RunForwardForBackward(const Problem& problem, const Tensors& tensors,
                             const Gradients& grads) const override;
  void RunBackward(const Problem& problem, const Tensors& tensors,
                   const Gradients& grads) const override;

 private:
  std::string name_, summary_;
  std::vector<std::string> masks_;
};

// Registers a mask kind and the blocked-engine variant of the same name
// together, from one file: the mask kind's registration fields ({name,
// usage, make, check examples, sweep example}), then the variant's summary.
bool RegisterBlockedMaskVariant(MaskKindInfo mask, std::string summary);

}  // namespace attnbench

#define ATTNBENCH_ENGINE_CONCAT2(a, b) a##b
#define ATTNBENCH_ENGINE_CONCAT(a, b) ATTNBENCH_ENGINE_CONCAT2(a, b)

// Registers BlockedVariant(name, summary, {mask kinds...}) from a variant's
// file, for mask kinds registered elsewhere (the built-in ones).
#define ATTNBENCH_REGISTER_BLOCKED_VARIANT(tag, name, summary, ...) \
  ATTNBENCH_REGISTER_VARIANT_INSTANCE(                              \
      tag, std::make_unique<::attnbench::BlockedVariant>(           \
               name, summary, std::vector<std::string> __VA_ARGS__))

// ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT({mask kind fields}, "summary"):
// the mask kind NAME and the variant NAME on the blocked engine.
#define ATTNBENCH_REGISTER_BLOCKED_MASK_VARIANT(...)          \
  [[maybe_unused]] static const bool ATTNBENCH_ENGINE_CONCAT( \
      attnbench_mask_variant_registered_, __LINE__) =         \
      ::attnbench::RegisterBlockedMaskVariant(__VA_ARGS__)

#endif  // ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_
