#include "harness/measure/cache_flush.h"

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

}  // namespace attnbench
