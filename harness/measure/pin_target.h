// PinTarget: kernels/target.h's TryPinTarget for user input, with the
// suite's one-line error naming the allowed targets.
#ifndef ATTNBENCH_HARNESS_MEASURE_PIN_TARGET_H_
#define ATTNBENCH_HARNESS_MEASURE_PIN_TARGET_H_

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "harness/contract/problem.h"
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

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_PIN_TARGET_H_
