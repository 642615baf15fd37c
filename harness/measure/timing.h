// Repeated wall-clock timing with a warm-up: median, min and max seconds.
#ifndef ATTNBENCH_HARNESS_MEASURE_TIMING_H_
#define ATTNBENCH_HARNESS_MEASURE_TIMING_H_

#include <functional>

namespace attnbench {

struct TimingPolicy {
  int warmup = 1;            // untimed runs first (page faults, caches)
  int min_reps = 5;          // at least this many timed runs...
  double min_seconds = 0.5;  // ...and until this much time is spent...
  int max_reps = 1000;       // ...but never more runs than this
};

struct TimingStats {
  int reps = 0;
  double median_s = 0.0;
  double min_s = 0.0;
  double max_s = 0.0;
};

// Runs fn policy.warmup times, then times it; before_each, if given, runs
// untimed before every run (e.g. to flush caches).
TimingStats TimeRepeated(const std::function<void()>& fn,
                         const TimingPolicy& policy,
                         const std::function<void()>& before_each = {});

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_TIMING_H_
