#include "harness/measure/cache_flush.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>  // _mm_clflush, _mm_mfence: SSE2, every x86-64 CPU
#define ATTNBENCH_HAVE_CLFLUSH 1
#else
#define ATTNBENCH_HAVE_CLFLUSH 0
#endif

namespace attnbench {

bool CanFlushCaches() { return ATTNBENCH_HAVE_CLFLUSH != 0; }

void FlushFromCaches(const void* p, size_t bytes) {
#if ATTNBENCH_HAVE_CLFLUSH
  constexpr uintptr_t kLine = 64;
  const auto begin = reinterpret_cast<uintptr_t>(p) & ~(kLine - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + bytes;
  for (uintptr_t a = begin; a < end; a += kLine) {
    _mm_clflush(reinterpret_cast<const void*>(a));
  }
  _mm_mfence();
#else
  (void)p, (void)bytes;
#endif
}

void FlushFromCachesOnThreads(const void* p, size_t bytes) {
  constexpr size_t kBlock = size_t{1} << 20;
  const auto* base = static_cast<const char*>(p);
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, (bytes + kBlock - 1) / kBlock, 1),
      [&](const tbb::blocked_range<size_t>& blocks) {
        for (size_t b = blocks.begin(); b != blocks.end(); ++b) {
          FlushFromCaches(base + b * kBlock,
                          std::min(kBlock, bytes - b * kBlock));
        }
      },
      tbb::simple_partitioner());
}

}  // namespace attnbench
