#include "harness/measure/quick_probes.h"

#include <cstdlib>
#include <string_view>

namespace attnbench {

bool QuickProbes() {
  static const bool quick = [] {
    const char* value = std::getenv("ATTNBENCH_QUICK_PROBES");
    return value != nullptr && std::string_view(value) == "1";
  }();
  return quick;
}

const char* ProbeDepthName() { return QuickProbes() ? "quick" : "full"; }

}  // namespace attnbench
