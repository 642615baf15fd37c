// The machine's memory read bandwidth, measured by the suite itself on the
// dispatched Highway target with a given number of threads: a read loop
// (kernels/read_sum.h) over a buffer far larger than the last-level cache,
// as STREAM's. pct_bandwidth of a memory-bound result is its GB/s (minimal
// K/V bytes over the median time) over this figure.
#ifndef ATTNBENCH_HARNESS_MEASURE_BANDWIDTH_H_
#define ATTNBENCH_HARNESS_MEASURE_BANDWIDTH_H_

#include <cstdint>

namespace attnbench {

struct BandwidthResult {
  double gbps = 0.0;         // the best of the repetitions
  double median_gbps = 0.0;  // for judging the noise
  int64_t buffer_bytes = 0;
  int threads = 0;
  int reps = 0;
};

// The buffer: 8 times the last-level cache, at least 256 MiB, at most 1 GiB.
int64_t BandwidthBufferBytes();

// Fills the buffer (pages touched by the threads that read them), then
// times `reps` repetitions of reading it `passes` times.
BandwidthResult MeasureReadBandwidth(int threads, int reps = 5, int passes = 2);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_BANDWIDTH_H_
