// The problem description shared by every variant, the oracle and the CLI:
// tensor shapes, the mask and its parameters, the softmax scale, threads.
// Layout (docs/semantics.md): Q [B, H, Nq, D], K and V [B, Hkv, Nk, D], O [B,
// H, Nq, D], fp32, row-major, contiguous. Query row i sits at key position Nk -
// Nq + i.
#ifndef ATTNBENCH_HARNESS_CONTRACT_PROBLEM_H_
#define ATTNBENCH_HARNESS_CONTRACT_PROBLEM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/contract/dtype.h"
#include "harness/contract/mask.h"

namespace attnbench {

// Thrown for input outside the allowed range. The message names the
// parameter, the value given and the allowed values.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Shape {
  int64_t B = 1;
  int64_t H = 1;
  int64_t Hkv = 1;
  int64_t Nq = 1;
  int64_t Nk = 1;
  int64_t D = 64;

  int64_t QElements() const { return B * H * Nq * D; }
  int64_t KVElements() const { return B * Hkv * Nk * D; }
  // "BxH/HkvxNqxNkxD", e.g. 1x8/8x1024x1024x64.
  std::string ToString() const;
};

inline constexpr int64_t kMaxHeadDim = 4096;
inline constexpr int kMaxThreads = 1024;

struct Problem {
  Shape shape;
  Mask mask;
  // Softmax scale; 1/sqrt(D) when unset.
  std::optional<double> scale;
  int threads = 1;
  // The element type Q, K and V are stored in for the variant (Tensors):
  // f32, or bf16 / f16 for a variant that reads half precision. The values
  // are those of the inputs' dtype either way.
  DType storage = DType::kF32;

  double Scale() const;
  std::string ToString() const;
};

// Checks every shape and mask parameter once; throws InvalidArgument naming
// the first one out of range. Also rejects sizes whose element or pair
// counts would overflow 64-bit arithmetic.
void Validate(const Problem& problem);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CONTRACT_PROBLEM_H_
