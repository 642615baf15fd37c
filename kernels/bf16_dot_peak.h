// The bfloat16 dot-product probe behind `attnbench peak`: independent
// chains of AVX-512 BF16's vdpbf16ps (acc += a0 b0 + a1 b1 per fp32 lane,
// from pairs of bf16), the instruction a native bf16 attention kernel would
// use for Q K^T and P V. Highway 1.0.3 has no target for it, so this is
// plain target-attributed code behind a run-time check of the CPU.
#ifndef ATTNBENCH_KERNELS_BF16_DOT_PEAK_H_
#define ATTNBENCH_KERNELS_BF16_DOT_PEAK_H_

#include <cstdint>

namespace attnbench {

// Whether this CPU executes AVX-512 BF16 (x86 only; false elsewhere).
bool HasBf16Dot();

// Runs `iterations` steps of the chains (HasBf16Dot() must be true); the
// result depends on every instruction, so the compiler cannot drop any.
float RunBf16DotChains(int64_t iterations);

// FLOPs that RunBf16DotChains(iterations) performs: per instruction 16
// lanes x 2 products x (multiply + add).
double Bf16DotChainFlops(int64_t iterations);

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_BF16_DOT_PEAK_H_
