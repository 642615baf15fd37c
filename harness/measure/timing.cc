#include "harness/measure/timing.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace attnbench {

int MedianIntervalRank(int n) {
  // cdf = P(Bin(n, 1/2) <= j), term by term in log space (n may be 1000);
  // k = j + 1 is valid while cdf = P(Bin < k) <= 0.025.
  int k = 1;
  double cdf = 0.0;
  for (int j = 0; j < n; ++j) {
    cdf += std::exp(std::lgamma(n + 1.0) - std::lgamma(j + 1.0) -
                    std::lgamma(n - j + 1.0) - n * std::log(2.0));
    if (cdf > 0.025) break;
    k = j + 1;
  }
  return k;
}

TimingStats TimeRepeated(const std::function<void()>& fn,
                         const TimingPolicy& policy,
                         const std::function<void()>& before_each) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < policy.warmup; ++i) {
    if (before_each) before_each();
    fn();
  }
  const int max_reps = std::max(1, policy.max_reps);
  const int min_reps = std::clamp(policy.min_reps, 1, max_reps);
  std::vector<double> seconds;
  double total = 0.0;
  while (static_cast<int>(seconds.size()) < max_reps &&
         (static_cast<int>(seconds.size()) < min_reps ||
          total < policy.min_seconds)) {
    if (before_each) before_each();
    const auto start = Clock::now();
    fn();
    const double s =
        std::chrono::duration<double>(Clock::now() - start).count();
    seconds.push_back(s);
    total += s;
  }
  return StatsOf(std::move(seconds));
}

TimingStats StatsOf(std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  TimingStats stats;
  stats.reps = static_cast<int>(seconds.size());
  const size_t n = seconds.size();
  stats.median_s =
      n % 2 ? seconds[n / 2] : 0.5 * (seconds[n / 2 - 1] + seconds[n / 2]);
  stats.min_s = seconds.front();
  stats.max_s = seconds.back();
  const auto k = static_cast<size_t>(MedianIntervalRank(stats.reps));
  stats.median_lo_s = seconds[k - 1];
  stats.median_hi_s = seconds[n - k];
  stats.samples = std::move(seconds);
  return stats;
}

}  // namespace attnbench
