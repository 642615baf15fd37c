// S = scale * Q K^T for one tile of the blocked engine, from bfloat16 Q and
// K with AVX-512 BF16's vdpbf16ps (per fp32 lane: acc += a0 b0 + a1 b1 from
// pairs of bf16). Highway 1.0.3 has no target for the instruction, so this
// is target-attributed code behind a run-time check, called only from the
// engine's AVX3 code (variants/engine/blocked.cc) and only for bf16 inputs.
//
// Why only Q K^T: a product of two bf16 values is exact in fp32, so scores
// formed this way carry the rounding of an fp32 FMA chain and agree with the
// oracle to the usual bound. P V would need P rounded to bf16 (a relative
// error of 2^-9 per weight, far beyond the bound), or P split into two bf16
// halves, which costs more vdpbf16ps than the FMAs it replaces
// (docs/flash.md "Half precision").
#ifndef ATTNBENCH_KERNELS_BF16_SCORES_H_
#define ATTNBENCH_KERNELS_BF16_SCORES_H_

#include <cstddef>
#include <cstdint>

namespace attnbench {

// Query rows per block the kernel takes: the AVX3 engine's Br (2 vectors of
// 16 rows).
inline constexpr size_t kBf16ScoreRows = 32;

// Whether the engine uses vdpbf16ps for bf16 inputs: the CPU has AVX-512
// BF16 and it was not turned off (SetBf16DotEnabled(false), the CLI's
// --no-bf16-dot).
bool Bf16DotEnabled();
void SetBf16DotEnabled(bool enabled);

// Whether a pass of the engine formed Q K^T with vdpbf16ps since the last
// ResetBf16DotUsed(): each prefill or decode call that takes the path
// notes it, so that a result row's `bf16_dot` says what ran, not only what
// was allowed (decode also needs its shape: DecodePlan::bf16_dot).
void NoteBf16DotUsed();
void ResetBf16DotUsed();
bool Bf16DotUsed();

// qp[(x / 2) * 32 + r] = the bf16 pair (q[r * stride + x], q[r * stride + x
// + 1]) as one 32-bit word (first element in the low half, as in memory),
// for r < n_rows; 0 for the padding rows up to 32. dim must be even.
void PackBf16QueryPairs(const uint16_t* q, size_t dim, size_t stride,
                        size_t n_rows, uint32_t* qp);

// st[j * 32 + r] = scale * sum_x q[r, x] k[j * k_stride + x] for j < n_keys
// (qp from PackBf16QueryPairs; K rows of bf16 bits, dim and k_stride even).
// Requires Bf16DotEnabled().
void Bf16ScoresTile(const uint32_t* qp, size_t dim, const uint16_t* k,
                    size_t k_stride, size_t n_keys, float scale, float* st);

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_BF16_SCORES_H_
