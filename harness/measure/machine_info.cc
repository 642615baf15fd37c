#include "harness/measure/machine_info.h"

#include <sys/utsname.h>

#include <fstream>
#include <string>
#include <thread>

#include "harness/measure/build_info.h"
#include "harness/measure/memory.h"

namespace attnbench {
namespace {

// The value of the first "key : value" line of /proc/cpuinfo, or "".
std::string CpuInfoField(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

}  // namespace

nlohmann::ordered_json MachineJson() {
  nlohmann::ordered_json m;
  m["cpu_model"] = CpuInfoField("model name");
  m["cpu_flags"] = CpuInfoField("flags");
  m["cores"] = std::thread::hardware_concurrency();
  m["memory_bytes"] = PhysicalMemoryBytes();
  utsname u{};
  if (uname(&u) == 0) {
    m["kernel"] = std::string(u.sysname) + " " + u.release;
  }
  return m;
}

nlohmann::ordered_json BuildJson() {
  const BuildInfo& b = GetBuildInfo();
  nlohmann::ordered_json j;
  j["git_revision"] = b.git_revision;
  j["compiler"] = b.compiler;
  j["build_type"] = b.build_type;
  j["highway"] = b.highway;
  j["onetbb"] = b.tbb;
  j["fmt"] = b.fmt;
  return j;
}

}  // namespace attnbench
