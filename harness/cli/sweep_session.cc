#include "harness/cli/sweep_session.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "harness/cli/sweep_records.h"
#include "harness/measure/bandwidth.h"
#include "harness/measure/peak.h"
#include "harness/measure/peak_store.h"
#include "harness/measure/quick_probes.h"
#include "kernels/target.h"

namespace attnbench::cli {

std::map<int, MachinePeaks> StartSession(const sweep::SweepSpec& spec,
                                         nlohmann::ordered_json& meta) {
  std::map<int, MachinePeaks> peaks;
  nlohmann::ordered_json session;
  session["started_utc"] = UtcNow("%Y-%m-%dT%H:%M:%SZ");
  session["highway_target"] = DispatchedTargetName();
  session["probes"] = ProbeDepthName();
  for (int t : spec.threads) {
    peaks[t] = MeasureGuardedPeaks(t);
    if (!peaks[t].noise.empty()) {
      fmt::print("warning: {} threads: {}: every row is marked noisy\n", t,
                 peaks[t].noise);
    }
    session["peak_gflops"][std::to_string(t)] = peaks[t].gflops;
    session["read_gbps"][std::to_string(t)] = peaks[t].read_gbps;
    fmt::print(
        "FMA peak with {} threads: {:.1f} GFLOP/s; read bandwidth "
        "{:.1f} GB/s\n",
        t, peaks[t].gflops, peaks[t].read_gbps);
  }
  meta["sessions"].push_back(session);
  return peaks;
}

void FinishSession(const sweep::SweepSpec& spec,
                   const std::map<int, MachinePeaks>& start,
                   nlohmann::ordered_json& meta) {
  nlohmann::ordered_json& last = meta["sessions"].back();
  for (int t : spec.threads) {
    MachinePeaks end;
    end.gflops = MeasureFmaPeak(t).gflops;
    end.read_gbps = MeasureReadBandwidth(t).gbps;
    RecordFmaPeak(t, end.gflops);
    last["peak_gflops_end"][std::to_string(t)] = end.gflops;
    last["read_gbps_end"][std::to_string(t)] = end.read_gbps;
    const MachinePeaks& begin = start.at(t);
    const double peak_drift = end.gflops / begin.probe_gflops - 1.0;
    const double read_drift = end.read_gbps / begin.read_gbps - 1.0;
    if (!QuickProbes() &&
        (std::fabs(peak_drift) > 0.1 || std::fabs(read_drift) > 0.1)) {
      fmt::print(
          "warning: with {} threads the FMA peak moved {:+.0f}% and the read "
          "bandwidth {:+.0f}% between the start and the end of the sweep: "
          "compare its rows with care (docs/semantics.md \"Noise\")\n",
          t, 100 * peak_drift, 100 * read_drift);
    }
  }
  last["finished_utc"] = UtcNow("%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace attnbench::cli
