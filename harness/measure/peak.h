// The machine's FP32 FMA peak, measured by the suite itself on the
// dispatched Highway target with a given number of threads. pct_peak of a
// result is its effective GFLOP/s over this figure, measured in the same
// process with the same target and thread count.
#ifndef ATTNBENCH_HARNESS_MEASURE_PEAK_H_
#define ATTNBENCH_HARNESS_MEASURE_PEAK_H_

#include <string>

namespace attnbench {

struct PeakResult {
  double gflops = 0.0;         // the best of the repetitions (a peak)
  double median_gflops = 0.0;  // for judging the noise
  int threads = 0;
  int reps = 0;
  std::string target;
};

// Runs `reps` repetitions of about `seconds_per_rep` each. Every repetition
// gives each thread many short tasks so that no thread idles.
PeakResult MeasureFmaPeak(int threads, int reps = 5,
                          double seconds_per_rep = 0.1);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_PEAK_H_
