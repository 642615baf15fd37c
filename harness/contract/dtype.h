// The element types of the input tensors: fp32, or half precision
// (bfloat16, IEEE binary16) for models that store Q, K and V that way.
// harness/io/dtype.h names, parses and rounds them; kernels/half.h holds
// their bits.
#ifndef ATTNBENCH_HARNESS_CONTRACT_DTYPE_H_
#define ATTNBENCH_HARNESS_CONTRACT_DTYPE_H_

#include <cstdint>

namespace attnbench {

enum class DType { kF32, kBF16, kF16 };

// Bytes of one element.
inline int64_t ElementBytes(DType dtype) {
  return dtype == DType::kF32 ? 4 : 2;
}

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CONTRACT_DTYPE_H_
