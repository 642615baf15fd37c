// Decode's scores from bfloat16 Q and K with AVX-512 BF16's vdpbf16ps (per
// fp32 lane: acc += a0 b0 + a1 b1 from pairs of bf16): four query rows by
// four keys at a time, d as lanes, the 16 dot products reduced at once, as
// the fp32 kernel does (kernels/decode_scores_avx3-inl.h) with half the
// instructions. A product of two bf16 values is exact in fp32, so the
// scores carry the rounding of an fp32 sum, as prefill's (bf16_scores.h;
// like it, vdpbf16ps treats subnormal inputs and results as zero).
// Target-attributed code behind Bf16DotEnabled(), called only from the
// engine's AVX3 decode for bf16 storage (variants/engine/
// decode_chunk-inl.h, where DecodePlan::bf16_dot says when).
#ifndef ATTNBENCH_KERNELS_BF16_DECODE_SCORES_H_
#define ATTNBENCH_KERNELS_BF16_DECODE_SCORES_H_

#include <cstddef>

#include "hwy/base.h"

namespace attnbench {

// Head dimensions the kernel takes: whole 32-element vectors of bf16; the
// query rows of one call; and the group rows from which AVX3 decode forms
// its scores with keys as lanes instead (kKeysAsLanesRows in
// variants/engine/decode_chunk-inl.h), from widened rows.
inline constexpr size_t kBf16DecodeDimStep = 32;
inline constexpr size_t kBf16DecodeRows = 4;
inline constexpr size_t kBf16DecodeMaxRows = 32;

// s[r * ld + t] = scale * sum_x q[r][x] k[t][x] for r < 4 and t < n_keys
// rounded down to 4 (returned), dim a multiple of kBf16DecodeDimStep.
// Fetches the cache lines of ahead[u] for u < min(n_ahead, the count
// returned) along the way (the rows of a four-key step a few lines a step,
// in address order; where fewer than four are left, those at once); the
// caller fetches the rest. With the hint every decode fetch takes
// (kernels/prefetch_hint.h). Requires Bf16DotEnabled().
size_t Bf16DecodeScores4x4(const hwy::bfloat16_t* const q[4], size_t dim,
                           const hwy::bfloat16_t* const* k, size_t n_keys,
                           float scale, float* s, size_t ld,
                           const hwy::bfloat16_t* const* ahead, size_t n_ahead);

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_BF16_DECODE_SCORES_H_
