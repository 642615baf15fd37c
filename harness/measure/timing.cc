#include "harness/measure/timing.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace attnbench {

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
  std::sort(seconds.begin(), seconds.end());
  TimingStats stats;
  stats.reps = static_cast<int>(seconds.size());
  const size_t n = seconds.size();
  stats.median_s =
      n % 2 ? seconds[n / 2] : 0.5 * (seconds[n / 2 - 1] + seconds[n / 2]);
  stats.min_s = seconds.front();
  stats.max_s = seconds.back();
  return stats;
}

}  // namespace attnbench
