// Buffers that large streams read: allocated aligned, with transparent huge
// pages (2 MiB) asked for where the kernel offers them on request
// ("madvise" mode, Debian's default).
#ifndef ATTNBENCH_HARNESS_IO_HUGE_PAGES_H_
#define ATTNBENCH_HARNESS_IO_HUGE_PAGES_H_

#include <cstddef>
#include <new>

#include "hwy/aligned_allocator.h"

namespace attnbench {

// Asks for huge pages over the whole 2 MiB pages of [p, p + bytes). Advice
// only: a kernel without transparent huge pages refuses it, and that is
// fine.
void AdviseHugePages(void* p, size_t bytes);

// n elements of T, aligned, on huge pages where the kernel offers them;
// throws std::bad_alloc when the allocation fails.
template <typename T>
hwy::AlignedFreeUniquePtr<T[]> AllocateOnHugePages(size_t n) {
  auto p = hwy::AllocateAligned<T>(n);
  if (!p) throw std::bad_alloc();
  AdviseHugePages(p.get(), n * sizeof(T));
  return p;
}

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_IO_HUGE_PAGES_H_
