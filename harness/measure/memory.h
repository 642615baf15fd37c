// Memory facts for refusing configurations that would not fit, and for
// recording the peak resident memory of each measured configuration.
#ifndef ATTNBENCH_HARNESS_MEASURE_MEMORY_H_
#define ATTNBENCH_HARNESS_MEASURE_MEMORY_H_

#include <cstdint>

#include "harness/contract/problem.h"

namespace attnbench {

// Installed memory in bytes.
int64_t PhysicalMemoryBytes();

// Bytes of Q, K, V and O for a shape (fp32).
int64_t TensorBytes(const Shape& shape);

// Throws InvalidArgument, with the estimate, when tensors plus the
// variant's estimated workspace exceed 75% of the installed memory.
void RequireMemory(const Shape& shape, int64_t workspace_estimate);

// Resets the process's peak resident set (Linux clear_refs); false where
// that is not possible, and then PeakRssBytes covers the whole process.
bool ResetPeakRss();

// Peak resident set size in bytes since the last reset (VmHWM), or -1.
int64_t PeakRssBytes();

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_MEMORY_H_
