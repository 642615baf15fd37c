// A plain read loop over given spans of memory, on the threads of the
// calling oneTBB arena: timed after a flush of the same spans, the read
// bandwidth of exactly the bytes a problem must read, in the order and
// pattern its keys lie in (a sparse rule's rows, a window's last keys),
// against which a memory-bound row's own GB/s is set (`pattern_read_gbps`,
// docs/semantics.md "Work accounting").
#ifndef ATTNBENCH_HARNESS_MEASURE_SPAN_READ_H_
#define ATTNBENCH_HARNESS_MEASURE_SPAN_READ_H_

#include "harness/measure/cache_flush.h"

namespace attnbench {

// Reads every 4-byte word of the tasks' pieces (kernels/read_sum.h, per
// piece), the tasks spread over the arena's threads as the flush spreads
// them; returns the sum, so that no load can be dropped.
float ReadSpansOnThreads(const SpanTasks& tasks);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_SPAN_READ_H_
