// The machine's memory read bandwidth, measured by the suite itself on the
// dispatched Highway target with a given number of threads: a read loop
// (kernels/read_sum.h) over a buffer far larger than the last-level cache,
// as STREAM's, with one software prefetch per 4 KiB page 64 KiB ahead
// (since a366ca9: 4-22% more on the Zen 5 VM). pct_bandwidth of a memory-bound
// result is its GB/s (minimal K/V bytes over the median time) over this figure.
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

// Which bytes of the buffer are read: all of them (period 0, the default),
// or runs of run_bytes starting every period_bytes, as a sparse mask's
// decode reads its keys (sparse_fixed:256:32 at D = 128: 16 KiB of K every
// 128 KiB). Both multiples of 64, 0 < run <= period <= 64 MiB.
struct ReadPattern {
  int64_t run_bytes = 0;
  int64_t period_bytes = 0;
};

// The buffer: 8 times the last-level cache, at least 256 MiB, at most 1 GiB,
// on transparent huge pages where the kernel offers them, as the tensors
// are (harness/io/huge_pages.h): on 4 KiB pages the loop read 10-20% less
// on Zen 5, and page faults made the allocation take seconds.
int64_t BandwidthBufferBytes();

// Fills the buffer (pages touched by the threads that read them), then
// times `reps` repetitions of reading it (the pattern's bytes) `passes`
// times. GB/s count the bytes read.
BandwidthResult MeasureReadBandwidth(int threads, int reps = 5, int passes = 2,
                                     ReadPattern pattern = {});

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_BANDWIDTH_H_
