// Half-precision elements widened to fp32 in bulk, on the dispatched
// Highway target (kernels/half-inl.h does the per-vector work).
#ifndef ATTNBENCH_KERNELS_WIDEN_H_
#define ATTNBENCH_KERNELS_WIDEN_H_

#include <cstddef>
#include <cstdint>

namespace attnbench {

// dst[i] = the value of bfloat16 bits src[i], for i < n.
void WidenBf16(const uint16_t* src, size_t n, float* dst);
// dst[i] = the value of binary16 bits src[i], for i < n.
void WidenF16(const uint16_t* src, size_t n, float* dst);

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_WIDEN_H_
