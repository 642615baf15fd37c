// Seeded, platform-independent input tensors (values uniform in [-1, 1)),
// and the owning buffers behind a Tensors view.
#ifndef ATTNBENCH_HARNESS_INPUTS_H_
#define ATTNBENCH_HARNESS_INPUTS_H_

#include <cstdint>

#include "harness/problem.h"
#include "harness/variant.h"
#include "hwy/aligned_allocator.h"

namespace attnbench {

struct AttentionData {
  Shape shape;
  hwy::AlignedFreeUniquePtr<float[]> q, k, v, o;

  Tensors View() const { return {q.get(), k.get(), v.get(), o.get()}; }
  // Bytes held by Q, K, V and O together.
  int64_t Bytes() const;
};

// Q, K and V from independent streams of one seed; O zero-filled. The same
// seed gives the same bits on every platform (SplitMix64, not <random>).
AttentionData MakeInputs(const Shape& shape, uint64_t seed);

// Fills x[0, n) with values uniform in [-1, 1) from the stream `seed`.
void FillUniform(float* x, int64_t n, uint64_t seed);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_INPUTS_H_
