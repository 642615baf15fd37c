// PinTarget: kernels/target.h's TryPinTarget for user input, with the
// suite's one-line error naming the allowed targets.
#ifndef ATTNBENCH_HARNESS_MEASURE_PIN_TARGET_H_
#define ATTNBENCH_HARNESS_MEASURE_PIN_TARGET_H_

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "harness/contract/problem.h"
#include "kernels/bf16_scores.h"
#include "kernels/target.h"

namespace attnbench {

// Pins dispatch to the target named (or "best"); throws InvalidArgument
// naming the runnable targets for any other name.
inline void PinTarget(std::string_view name) {
  if (TryPinTarget(name)) return;
  std::string names = "best";
  for (int64_t t : RunnableTargets()) names += ", " + TargetNameOf(t);
  throw InvalidArgument(fmt::format(
      "target '{}' is not compiled in or not supported by this CPU; "
      "allowed: {}",
      name, names));
}

// The help line of `--no-bf16-dot` (run, check, sweep, the benchmark
// binary), whose value goes to SetBf16DotEnabled.
inline constexpr char kNoBf16DotHelp[] =
    "bf16 inputs: form Q K^T from widened fp32 rows with FMAs instead of "
    "AVX-512 BF16's vdpbf16ps, in prefill and decode (matters only on a CPU "
    "that has it; for A/B studies)";

// The help line of `--prefetch-hint` (run, sweep, the benchmark binary),
// whose value goes to SetPrefetchHint (kernels/prefetch_hint.h).
inline constexpr char kPrefetchHintHelp[] =
    "decode's software prefetches: auto (this CPU's default: t1 on AMD "
    "family 25, else t0) | t0 (into all caches) | t1 (into L2 and beyond; "
    "the plain read of the rows then fetches ahead too); for A/B studies";

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_PIN_TARGET_H_
