// What else used the machine while a configuration was measured, from the
// kernel's accounting (Linux /proc): the CPU time of every other process
// (all CPUs' busy time in /proc/stat less this process's own, getrusage),
// the time the hypervisor stole (steal), and the load average; and the
// verdict that marks a row noisy. docs/semantics.md "Noise" gives the
// thresholds and what they cannot see (other tenants' use of the shared
// cache and memory).
#ifndef ATTNBENCH_HARNESS_MEASURE_INTERFERENCE_H_
#define ATTNBENCH_HARNESS_MEASURE_INTERFERENCE_H_

#include <chrono>
#include <string>

#include "harness/measure/canary.h"
#include "harness/measure/timing.h"

namespace attnbench {

struct CpuSample {
  bool valid = false;    // /proc/stat readable
  double busy_s = 0.0;   // all CPUs: user, nice, system, irq, softirq
  double steal_s = 0.0;  // all CPUs: stolen by the hypervisor
  double own_s = 0.0;    // this process: user + system
  std::chrono::steady_clock::time_point at;
};

CpuSample SampleCpu();

// Averages over the interval between two samples, in cores.
struct Interference {
  bool known = false;
  double other_cores = 0.0;  // CPU time of other processes per second
  double steal_cores = 0.0;  // stolen time per second
  double load_avg = 0.0;     // 1-minute load average at the end
};

Interference Between(const CpuSample& before, const CpuSample& after);

// Thresholds of a noisy measurement: other processes above 0.25 cores,
// steal above 0.1 cores, (3 runs or more) a median more than 1.3 times
// the fastest run, or (memory-bound rows only) a canary below kNoisyCanary
// of its best.
inline constexpr double kNoisyOtherCores = 0.25;
inline constexpr double kNoisyStealCores = 0.10;
inline constexpr double kNoisySpread = 1.3;

// "" when quiet, else why the measurement is noisy (one phrase per cause).
std::string NoiseReason(const Interference& interference,
                        const TimingStats& timing, const CanaryReading& canary,
                        bool memory_bound);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_INTERFERENCE_H_
