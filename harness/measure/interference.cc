#include "harness/measure/interference.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace attnbench {

CpuSample SampleCpu() {
  CpuSample s;
  s.at = std::chrono::steady_clock::now();
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    s.own_s =
        static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
        1e-6 * static_cast<double>(usage.ru_utime.tv_usec +
                                   usage.ru_stime.tv_usec);
  }
  std::ifstream stat("/proc/stat");
  std::string line;
  if (!std::getline(stat, line) || line.rfind("cpu ", 0) != 0) return s;
  std::istringstream fields(line.substr(4));
  // user nice system idle iowait irq softirq steal (guest time is in user)
  unsigned long long v[8] = {};
  for (auto& x : v) fields >> x;
  if (!fields) return s;
  const double tick = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  s.busy_s = tick * static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6]);
  s.steal_s = tick * static_cast<double>(v[7]);
  s.valid = true;
  return s;
}

Interference Between(const CpuSample& before, const CpuSample& after) {
  Interference i;
  const double seconds =
      std::chrono::duration<double>(after.at - before.at).count();
  if (!before.valid || !after.valid || seconds <= 0.0) return i;
  i.known = true;
  const double busy = after.busy_s - before.busy_s;
  const double own = after.own_s - before.own_s;
  // /proc/stat counts clock ticks (10 ms) per CPU, so each end of the
  // interval may be off by a tick a CPU: that much is not counted against
  // other processes (over 0.1 s on 2 CPUs, 0.4 cores of slack).
  const double tick = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  const double slack =
      2.0 * tick *
      static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  i.other_cores = std::max(0.0, busy - own - slack) / seconds;
  i.steal_cores = std::max(0.0, after.steal_s - before.steal_s) / seconds;
  double load[1] = {0.0};
  if (getloadavg(load, 1) == 1) i.load_avg = load[0];
  return i;
}

std::string NoiseReason(const Interference& interference,
                        const TimingStats& timing, const CanaryReading& canary,
                        bool memory_bound) {
  std::string reason;
  const auto add = [&reason](const std::string& part) {
    reason += (reason.empty() ? "" : "; ") + part;
  };
  if (interference.known && interference.other_cores > kNoisyOtherCores) {
    add(fmt::format("other processes used {:.2f} cores",
                    interference.other_cores));
  }
  if (interference.known && interference.steal_cores > kNoisyStealCores) {
    add(fmt::format("the hypervisor stole {:.2f} cores",
                    interference.steal_cores));
  }
  if (timing.reps >= 3 && timing.min_s > 0.0 &&
      timing.median_s > kNoisySpread * timing.min_s) {
    add(fmt::format("median {:.2f} times the fastest run",
                    timing.median_s / timing.min_s));
  }
  if (memory_bound && canary.ratio < kNoisyCanary) {
    add(fmt::format("the canary read memory at {:.2f} of its best",
                    canary.ratio));
  }
  return reason;
}

}  // namespace attnbench
