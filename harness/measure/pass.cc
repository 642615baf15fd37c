#include "harness/measure/pass.h"

#include <fmt/format.h>

#include "harness/contract/problem.h"

namespace attnbench {

std::string_view PassName(Pass pass) {
  switch (pass) {
    case Pass::kForward:
      return "forward";
    case Pass::kBackward:
      return "backward";
    case Pass::kBoth:
      return "both";
  }
  return "forward";
}

const std::vector<std::string>& PassNames() {
  static const std::vector<std::string> names = {"forward", "backward", "both"};
  return names;
}

Pass ParsePass(std::string_view name) {
  for (Pass p : {Pass::kForward, Pass::kBackward, Pass::kBoth}) {
    if (PassName(p) == name) return p;
  }
  throw InvalidArgument(fmt::format(
      "--pass '{}' is not a pass; allowed: forward, backward, both", name));
}

double PassWorkFactor(Pass pass) {
  switch (pass) {
    case Pass::kForward:
      return 1.0;
    case Pass::kBackward:
      return 2.5;
    case Pass::kBoth:
      return 3.5;
  }
  return 1.0;
}

uint64_t GradOutputSeed(uint64_t seed) {
  return seed ^ 0x644F'0000'0000'0000ULL;  // "dO"
}

}  // namespace attnbench
