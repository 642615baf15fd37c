#include "harness/cli/sweep_records.h"

#include <fmt/format.h>

#include <ctime>

#include "harness/measure/build_info.h"
#include "harness/measure/machine_info.h"
#include "harness/measure/measure.h"
#include "kernels/target.h"

namespace attnbench::cli {

std::string UtcNow(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), format, &tm);
  return buffer;
}

std::string Describe(const sweep::SweepConfig& c) {
  const Shape& s = c.problem.shape;
  const std::string size =
      s.Nq == s.Nk ? fmt::format("N={}", s.Nk)
                   : fmt::format("Nq={} Nk={} H={}/{}", s.Nq, s.Nk, s.H, s.Hkv);
  return fmt::format("{} {} {} D={} threads={}", c.variant->Name(),
                     c.problem.mask.ToString(), size, s.D, c.problem.threads);
}

nlohmann::ordered_json SkippedRow(const sweep::SweepConfig& c,
                                  const std::string& reason) {
  nlohmann::ordered_json row = ConfigRow(*c.variant, c.problem, "skipped");
  row["skip_reason"] = reason;
  return row;
}

nlohmann::ordered_json NewMeta(const sweep::SweepSpec& spec,
                               const std::string& run_id) {
  nlohmann::ordered_json meta;
  meta["run_id"] = run_id;
  meta["created_utc"] = UtcNow("%Y-%m-%dT%H:%M:%SZ");
  meta["machine"] = MachineJson();
  meta["build"] = BuildJson();
  meta["highway_target"] = DispatchedTargetName();
  meta["sweep"] = spec.ToJson();
  meta["sessions"] = nlohmann::ordered_json::array();
  return meta;
}

}  // namespace attnbench::cli
