#include "harness/io/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace attnbench {

void AdviseHugePages(void* p, size_t bytes) {
  const auto begin = reinterpret_cast<uintptr_t>(p);
  const uintptr_t first = (begin + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const uintptr_t last = (begin + bytes) & ~(kHugePageBytes - 1);
  if (last > first) {
    (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
}

void* AllocateHugePageBytes(void* /*opaque*/, size_t bytes) {
  const size_t whole = (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  void* p = std::aligned_alloc(kHugePageBytes, whole);
  // Huge pages over the whole 2 MiB pages of `bytes` only: the tail of the
  // last one holds Highway's offset past the payload's end, a few bytes,
  // and on 4 KiB pages it costs no resident 2 MiB.
  if (p != nullptr) AdviseHugePages(p, bytes);
  return p;
}

void FreeHugePageBytes(void* /*opaque*/, void* memory) { std::free(memory); }

}  // namespace attnbench
