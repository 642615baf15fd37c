// Flushing a buffer out of every cache level, so that the next run reads it
// from memory: decode, chunked prefill and memory-bound configurations are
// timed this way (WantsColdKv in harness/measure/kv_cache.h), as a decode
// step finds its layer's K and V after the other layers ran.
#ifndef ATTNBENCH_HARNESS_MEASURE_CACHE_FLUSH_H_
#define ATTNBENCH_HARNESS_MEASURE_CACHE_FLUSH_H_

#include <cstddef>
#include <functional>
#include <vector>

namespace attnbench {

// Whether FlushFromCachesOnThreads works on this architecture (x86:
// clflushopt where the CPU has it, else clflush).
bool CanFlushCaches();

// A run of bytes: [p, p + bytes).
struct ByteSpan {
  const void* p = nullptr;
  size_t bytes = 0;
};

// Spans cut and joined into tasks of about 1 MiB (long spans cut, short
// ones joined, in order): task t is pieces [begin[t], begin[t + 1]).
struct SpanTasks {
  std::vector<ByteSpan> pieces;
  std::vector<size_t> begin = {0};
  size_t size() const { return begin.size() - 1; }
};
SpanTasks CutIntoTasks(const std::vector<ByteSpan>& spans);

// task(t) for every task t, spread over the threads of the calling oneTBB
// arena (each task whole on one thread).
void RunTasksOnThreads(const SpanTasks& tasks,
                       const std::function<void(size_t)>& task);

// Writes back and evicts every cache line of the spans from every level (a
// no-op where CanFlushCaches() is false), the tasks spread over the threads
// of the calling oneTBB arena: faster, and the run timed next finds those
// threads awake, as a decode step does after the other layers ran on them
// (flushed by the calling thread alone, a 70 us decode step also paid for
// waking the other threads: dilated:64:4 at Nk=65536, 78-98 us against 42-49).
// The cold-cache protocol flushes just the K and V rows a problem must read
// (harness/measure/measure.cc, docs/semantics.md "Work accounting").
void FlushFromCachesOnThreads(const SpanTasks& tasks);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_CACHE_FLUSH_H_
