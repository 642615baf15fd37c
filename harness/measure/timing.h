// Repeated wall-clock timing with a warm-up: median, min and max seconds.
#ifndef ATTNBENCH_HARNESS_MEASURE_TIMING_H_
#define ATTNBENCH_HARNESS_MEASURE_TIMING_H_

#include <functional>
#include <vector>

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
  // A distribution-free confidence interval of the median (MedianInterval):
  // about 95% for 6 runs or more, [min, max] below.
  double median_lo_s = 0.0;
  double median_hi_s = 0.0;
  std::vector<double> samples;  // every timed run, sorted
};

// The statistics of the given timed runs (at least one).
TimingStats StatsOf(std::vector<double> seconds);

// The order statistics [x_(k), x_(n+1-k)] (1-based, of n sorted values)
// that hold the population median with probability >= 0.95: the largest k
// with P(Binomial(n, 1/2) < k) <= 0.025. No k exists for n < 6 (the
// interval is then [min, max], covering 1 - 2^(1-n) of the time: 94% at
// 5 runs). Returns k (1 when none).
int MedianIntervalRank(int n);

// Runs fn policy.warmup times, then times it; before_each, if given, runs
// untimed before every run (e.g. to flush caches).
TimingStats TimeRepeated(const std::function<void()>& fn,
                         const TimingPolicy& policy,
                         const std::function<void()>& before_each = {});

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_TIMING_H_
