// The pass a measurement times (`--pass`): the forward, the backward (after
// an untimed forward that saves what it needs), or both, and the work each
// counts (docs/semantics.md "Gradients").
#ifndef ATTNBENCH_HARNESS_MEASURE_PASS_H_
#define ATTNBENCH_HARNESS_MEASURE_PASS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnbench {

enum class Pass { kForward, kBackward, kBoth };

std::string_view PassName(Pass pass);
const std::vector<std::string>& PassNames();  // forward, backward, both
// InvalidArgument naming the allowed values for anything else.
Pass ParsePass(std::string_view name);

// Effective FLOPs of the pass in units of the forward's: FlashAttention-2's
// benchmark convention, five matrix products backward against two forward:
// 1, 2.5, 3.5.
double PassWorkFactor(Pass pass);

// The seed of dO's stream: generated like Q from this seed, so that it is
// reproducible and differs from every input of the same seed.
uint64_t GradOutputSeed(uint64_t seed);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_PASS_H_
