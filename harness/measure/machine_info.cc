#include "harness/measure/machine_info.h"

#include <fmt/format.h>
#include <sys/utsname.h>

#include <fstream>
#include <string>
#include <thread>

#include "harness/measure/build_info.h"
#include "harness/measure/memory.h"

namespace attnbench {
namespace {

// The value of the first "key : value" line of /proc/cpuinfo whose key is
// exactly `key` ("model" is not "model name"), or "".
std::string CpuInfoField(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t key_end = line.find_last_not_of(" \t", colon - 1);
    if (key_end == std::string::npos ||
        line.compare(0, key_end + 1, key) != 0 || key_end + 1 != key.size()) {
      continue;
    }
    const size_t start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

// A /proc/cpuinfo number ("cpu family", "model"), or -1.
int CpuInfoNumber(const std::string& key) {
  try {
    return std::stoi(CpuInfoField(key));
  } catch (const std::exception&) {
    return -1;
  }
}

// What /proc/cpuinfo says of the CPU, read once per process.
struct CpuIdentity {
  std::string model_name, flags;
  int family = -1, model = -1;
};

const CpuIdentity& Cpu() {
  static const CpuIdentity cpu{
      CpuInfoField("model name"), CpuInfoField("flags"),
      CpuInfoNumber("cpu family"), CpuInfoNumber("model")};
  return cpu;
}

}  // namespace

std::string MachineKey() {
  // Virtual machines often report a bare model name ("AMD EPYC") for
  // several generations: the family and model numbers tell them apart.
  return fmt::format("{} (family {}, model {}), {} cores", Cpu().model_name,
                     Cpu().family, Cpu().model,
                     std::thread::hardware_concurrency());
}

nlohmann::ordered_json MachineJson() {
  nlohmann::ordered_json m;
  m["cpu_model"] = Cpu().model_name;
  m["cpu_family"] = Cpu().family;
  m["cpu_model_number"] = Cpu().model;
  m["cpu_flags"] = Cpu().flags;
  m["cores"] = std::thread::hardware_concurrency();
  m["machine_key"] = MachineKey();
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
