#include "harness/measure/cache_flush.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>  // _mm_clflush (SSE2, every x86-64 CPU), _mm_clflushopt
#define ATTNBENCH_HAVE_CLFLUSH 1
#else
#define ATTNBENCH_HAVE_CLFLUSH 0
#endif

namespace attnbench {

namespace {

#if ATTNBENCH_HAVE_CLFLUSH
constexpr uintptr_t kLine = 64;

// Whether the CPU has clflushopt (CPUID leaf 7, EBX bit 23): Intel since
// Skylake, AMD since Zen.
bool HasClflushopt() {
  static const bool has = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 && (b & (1u << 23));
  }();
  return has;
}

// clflushopt of every line of [begin, end): as clflush, but the lines are
// flushed side by side, where each clflush waits for the one before (a
// KVM guest on an Intel Xeon, family 6 model 167: 176 ns a line against
// 3.9; the K and V of causal decode at Nk=65536 took 0.7 s to flush on 2
// threads). While a slow flush ran, the host's other tenants evicted the
// rest of the process's data and code as well: a short step paid for
// that (dilated:64:4 at Nk=65536, 81 us after clflushopt against 118 us
// after clflush, 4 interleaved rounds).
__attribute__((target("clflushopt"))) void FlushLinesOpt(uintptr_t begin,
                                                         uintptr_t end) {
  for (uintptr_t a = begin; a < end; a += kLine) {
    _mm_clflushopt(reinterpret_cast<void*>(a));
  }
}
#endif

// Every line of [p, p + bytes) written back and evicted, without the fence.
void FlushLines(const void* p, size_t bytes) {
#if ATTNBENCH_HAVE_CLFLUSH
  const auto begin = reinterpret_cast<uintptr_t>(p) & ~(kLine - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + bytes;
  if (HasClflushopt()) {
    FlushLinesOpt(begin, end);
    return;
  }
  for (uintptr_t a = begin; a < end; a += kLine) {
    _mm_clflush(reinterpret_cast<const void*>(a));
  }
#else
  (void)p, (void)bytes;
#endif
}

// Waits for the flushes before it (mfence orders clflush and clflushopt).
void Fence() {
#if ATTNBENCH_HAVE_CLFLUSH
  _mm_mfence();
#endif
}

}  // namespace

bool CanFlushCaches() { return ATTNBENCH_HAVE_CLFLUSH != 0; }

SpanTasks CutIntoTasks(const std::vector<ByteSpan>& spans) {
  constexpr size_t kTaskBytes = size_t{1} << 20;
  SpanTasks tasks;
  size_t in_task = 0;
  for (const ByteSpan& span : spans) {
    const auto* at = static_cast<const char*>(span.p);
    for (size_t done = 0; done < span.bytes;) {
      const size_t take = std::min(kTaskBytes - in_task, span.bytes - done);
      tasks.pieces.push_back({at + done, take});
      done += take;
      in_task += take;
      if (in_task == kTaskBytes) {
        tasks.begin.push_back(tasks.pieces.size());
        in_task = 0;
      }
    }
  }
  if (tasks.begin.back() != tasks.pieces.size()) {
    tasks.begin.push_back(tasks.pieces.size());
  }
  return tasks;
}

void RunTasksOnThreads(const SpanTasks& tasks,
                       const std::function<void(size_t)>& task) {
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, tasks.size(), 1),
      [&](const tbb::blocked_range<size_t>& range) {
        for (size_t t = range.begin(); t != range.end(); ++t) task(t);
      },
      tbb::simple_partitioner());
}

void FlushFromCachesOnThreads(const SpanTasks& tasks) {
  RunTasksOnThreads(tasks, [&](size_t t) {
    for (size_t i = tasks.begin[t]; i < tasks.begin[t + 1]; ++i) {
      FlushLines(tasks.pieces[i].p, tasks.pieces[i].bytes);
    }
    Fence();  // one per task
  });
}

}  // namespace attnbench
