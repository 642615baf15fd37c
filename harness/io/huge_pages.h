// Buffers that large streams read: allocated aligned, with transparent huge
// pages (2 MiB) asked for where the kernel offers them on request
// ("madvise" mode, Debian's default).
#ifndef ATTNBENCH_HARNESS_IO_HUGE_PAGES_H_
#define ATTNBENCH_HARNESS_IO_HUGE_PAGES_H_

#include <cstddef>
#include <new>

#include "hwy/aligned_allocator.h"

namespace attnbench {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Asks for huge pages over the whole 2 MiB pages of [p, p + bytes). Advice
// only: a kernel without transparent huge pages refuses it, and that is
// fine.
void AdviseHugePages(void* p, size_t bytes);

// Highway's allocation hooks for AllocateOnHugePages: `bytes` from the
// start of a 2 MiB page, huge pages asked for over its whole ones (nullptr
// when out of memory); and its release.
void* AllocateHugePageBytes(void* opaque, size_t bytes);
void FreeHugePageBytes(void* opaque, void* memory);

// n elements of T, aligned, on huge pages where the kernel offers them;
// throws std::bad_alloc when the allocation fails. A buffer of 2 MiB or
// more starts and ends on a huge page of its own: an allocator's buffer
// lies across page boundaries at random, and the 4 KiB pages at its ends
// were up to half of a 4 MiB tensor (a short decode step read it at 0.83
// of a plain loop's rate, a long one at 0.91).
template <typename T>
hwy::AlignedFreeUniquePtr<T[]> AllocateOnHugePages(size_t n) {
  auto p = n * sizeof(T) >= kHugePageBytes
               ? hwy::AllocateAligned<T>(n, AllocateHugePageBytes,
                                         FreeHugePageBytes, nullptr)
               : hwy::AllocateAligned<T>(n);
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_IO_HUGE_PAGES_H_
