// The canary: a short memory-bound reference read (one thread summing a
// 64 MiB buffer, twice the last-level cache of a Zen 3/4/5 CCD), timed
// just before each configuration. Other tenants of a shared host slow it
// when they load the last-level cache and memory, which the CPU accounting
// of harness/measure/interference.h cannot see. Its rate is compared with
// the best this process has seen: a memory-bound row whose canary read
// below kNoisyCanary of that best is marked noisy (docs/semantics.md
// "Noise" says why compute-bound rows are not).
#ifndef ATTNBENCH_HARNESS_MEASURE_CANARY_H_
#define ATTNBENCH_HARNESS_MEASURE_CANARY_H_

namespace attnbench {

struct CanaryReading {
  double gbps = 0.0;   // this reading: best of 2 passes, about 5 ms
  double ratio = 1.0;  // gbps over the best reading of this process
};

inline constexpr double kNoisyCanary = 0.75;

// The first call allocates and fills the buffer (about 30 ms).
CanaryReading ReadCanary();

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_CANARY_H_
