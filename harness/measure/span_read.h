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
//
// Where decode fetches its rows ahead with the hint T1
// (kernels/prefetch_hint.h: AMD family 25) the loop fetches ahead too
// (harness/measure/piece_fetcher.h): without it, it read a sparse rule's
// scattered rows at demand-miss latency, and decode, which fetches them
// ahead, read them 1.3-2x as fast; with it the loop read sparse_strided:128's
// rows (512-byte rows 64 KiB apart) about 2x as fast as before (AMD Zen 4,
// 2 threads, Nk=65536). With T0 it fetches nothing ahead: there 8 KiB of
// such rows fetched ahead made it slower (the same Zen 4 with
// `--prefetch-hint t0`; docs/semantics.md "Work accounting").
float ReadSpansOnThreads(const SpanTasks& tasks);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_SPAN_READ_H_
