// The memory-read probe behind `attnbench peak`'s bandwidth: a sum over a
// buffer with enough independent accumulators that the loads, not the
// adds, set the pace, on the dispatched Highway target.
#ifndef ATTNBENCH_KERNELS_READ_SUM_H_
#define ATTNBENCH_KERNELS_READ_SUM_H_

#include <cstddef>

namespace attnbench {

// sum_i x[i] for i < n; every element is read, so the compiler cannot drop
// any load. n may be anything; x any alignment.
float ReadSum(const float* x, size_t n);

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_READ_SUM_H_
