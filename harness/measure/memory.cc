#include "harness/measure/memory.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace attnbench {

int64_t PhysicalMemoryBytes() {
  return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<int64_t>(sysconf(_SC_PAGE_SIZE));
}

int64_t TensorBytes(const Shape& s) {
  return 4 * 2 * (s.QElements() + s.KVElements());
}

void RequireMemory(const Shape& shape, int64_t workspace_estimate) {
  const double need = static_cast<double>(TensorBytes(shape)) +
                      static_cast<double>(workspace_estimate);
  const double limit = 0.75 * static_cast<double>(PhysicalMemoryBytes());
  if (need > limit) {
    throw InvalidArgument(fmt::format(
        "Q, K, V, O and the workspace need {:.2f} GiB (estimate); allowed: "
        "at most {:.2f} GiB (75% of this machine's memory); reduce B, H, N "
        "or D",
        need / (1 << 30), limit / (1 << 30)));
  }
}

bool ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  if (!clear) return false;
  clear << "5";
  return static_cast<bool>(clear.flush());
}

int64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stoll(line.substr(6)) * 1024;  // reported in kB
    }
  }
  return -1;
}

}  // namespace attnbench
