#include "harness/measure/peak_store.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness/io/atomic_file.h"
#include "harness/measure/bandwidth.h"
#include "harness/measure/machine_info.h"
#include "harness/measure/peak.h"
#include "harness/measure/quick_probes.h"
#include "kernels/target.h"

namespace attnbench {
namespace {

std::string Key(int threads) {
  return fmt::format("{} | {} | {} threads", MachineKey(),
                     DispatchedTargetName(), threads);
}

nlohmann::json ReadStore(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  const nlohmann::json store = nlohmann::json::parse(in, nullptr, false);
  return store.is_object() ? store : nlohmann::json::object();
}

}  // namespace

std::filesystem::path PeakStorePath() {
  if (const char* own = std::getenv("ATTNBENCH_PEAK_STORE")) {
    return std::string(own) == "none" ? std::filesystem::path()
                                      : std::filesystem::path(own);
  }
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache) {
    return std::filesystem::path(cache) / "attnbench" / "peaks.json";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".cache" / "attnbench" / "peaks.json";
  }
  return {};
}

std::optional<double> StoredFmaPeak(int threads) {
  const std::filesystem::path path = PeakStorePath();
  if (path.empty()) return std::nullopt;
  const nlohmann::json store = ReadStore(path);
  const auto it = store.find(Key(threads));
  if (it == store.end() || !it->is_object() || !it->contains("fma_gflops") ||
      !(*it)["fma_gflops"].is_number()) {
    return std::nullopt;
  }
  const double gflops = (*it)["fma_gflops"].get<double>();
  if (!(gflops > 0.0)) return std::nullopt;
  return gflops;
}

void RecordFmaPeak(int threads, double gflops) {
  const std::filesystem::path path = PeakStorePath();
  if (path.empty() || !(gflops > 0.0) || QuickProbes()) return;
  nlohmann::json store = ReadStore(path);
  nlohmann::json& entry = store[Key(threads)];
  if (entry.is_object() && entry.contains("fma_gflops") &&
      entry["fma_gflops"].is_number() &&
      entry["fma_gflops"].get<double>() >= gflops) {
    return;
  }
  entry = {{"fma_gflops", gflops}};
  try {
    std::filesystem::create_directories(path.parent_path());
    WriteFileAtomically(path, store.dump(2) + "\n");
  } catch (const std::exception& e) {
    fmt::print(stderr, "warning: the FMA peak was not stored: {}\n", e.what());
  }
}

MachinePeaks MeasureGuardedPeaks(int threads) {
  MachinePeaks peaks;
  const std::optional<double> stored = StoredFmaPeak(threads);
  peaks.probe_gflops = stored ? MeasureFmaPeak(threads, 3, 0.05).gflops
                              : MeasureFmaPeak(threads).gflops;
  peaks.stored_gflops = stored.value_or(0.0);
  peaks.gflops = std::max(peaks.probe_gflops, peaks.stored_gflops);
  // A quick probe (quick_probes.h) is too short to judge the host by
  // (RecordFmaPeak does not keep it either).
  if (!QuickProbes() && stored &&
      peaks.probe_gflops < kPeakProbeFloor * *stored) {
    peaks.noise = fmt::format(
        "FMA peak probe {:.1f} GFLOP/s below {} of this machine's stored "
        "{:.1f}",
        peaks.probe_gflops, kPeakProbeFloor, *stored);
  }
  RecordFmaPeak(threads, peaks.probe_gflops);
  peaks.read_gbps = MeasureReadBandwidth(threads).gbps;
  return peaks;
}

}  // namespace attnbench
