// The machine's FP32 FMA peak, measured by the suite itself on the
// dispatched Highway target with a given number of threads. pct_peak of a
// result is its effective GFLOP/s over this figure, measured in the same
// process with the same target and thread count.
#ifndef ATTNBENCH_HARNESS_MEASURE_PEAK_H_
#define ATTNBENCH_HARNESS_MEASURE_PEAK_H_

#include <optional>
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

// The bfloat16 dot-product peak (AVX-512 BF16's vdpbf16ps, 4 FLOPs per
// fp32 lane: two products and their sums) where the CPU has one, measured
// the same way; nothing elsewhere. The peak a native bf16 kernel's
// pct_peak would divide by.
std::optional<PeakResult> MeasureBf16DotPeak(int threads, int reps = 5,
                                             double seconds_per_rep = 0.1);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_PEAK_H_
