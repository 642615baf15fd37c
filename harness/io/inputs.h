// Input tensors: seeded and platform-independent (SplitMix64, not <random>)
// in one of several distributions, or loaded from .npy files; the owning
// buffers behind a Tensors view.
#ifndef ATTNBENCH_HARNESS_IO_INPUTS_H_
#define ATTNBENCH_HARNESS_IO_INPUTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "hwy/aligned_allocator.h"

namespace attnbench {

struct AttentionData {
  Shape shape;
  hwy::AlignedFreeUniquePtr<float[]> q, k, v, o;
  // Q, K and V in half precision too, for variants that read it
  // (StoreHalf in harness/io/dtype.h); null otherwise.
  hwy::AlignedFreeUniquePtr<uint16_t[]> q16, k16, v16;

  // fp32 Q, K and V.
  Tensors View() const { return {q.get(), k.get(), v.get(), o.get()}; }
  // As stored for a problem with Problem::storage `storage`: View() for
  // f32, else the half-precision copies (StoreHalf first).
  Tensors ViewAs(DType storage) const;
  // Bytes of Q, K, V and O together, as stored for `storage` (O is fp32).
  int64_t Bytes(DType storage = DType::kF32) const;
};

// How generated inputs are distributed (docs/semantics.md: every variant is
// checked on each):
//   uniform   Q, K, V uniform in [-1, 1)
//   normal    Q, K, V standard normal
//   peaked    normal, Q scaled by 8: logits with a standard deviation of
//             about 8, so rows concentrate on few keys (low entropy)
//   outliers  normal, with a few channels of K and V (D / 32, at least one,
//             chosen by the seed) 100 times larger, as in LLM activations
enum class Distribution { kUniform, kNormal, kPeaked, kOutliers };
inline constexpr Distribution kAllDistributions[] = {
    Distribution::kUniform, Distribution::kNormal, Distribution::kPeaked,
    Distribution::kOutliers};
std::string_view DistributionName(Distribution dist);
// Throws InvalidArgument naming the allowed values.
Distribution ParseDistribution(std::string_view text);

// Q, K and V from independent streams of one seed; O zero-filled. The same
// seed and distribution give the same bits on every platform.
AttentionData MakeInputs(const Shape& shape, uint64_t seed,
                         Distribution dist = Distribution::kUniform);

// Refuses (InvalidArgument naming `what`) inputs whose fp32 scores or
// output sums could overflow: |scale| * D * max|q| * max|k| or
// Nk * max|v| above 1e37 (fp32 holds 3.4e38;
// finite values only: NaN and infinities follow docs/semantics.md
// "Non-finite inputs"). Every fp32 kernel would turn such scores into inf
// and its rows into NaN where the fp64 oracle stays finite.
void RequireFp32Scores(const AttentionData& data, double scale,
                       const std::string& what);

// n elements of half-precision storage, on transparent huge pages where
// the kernel offers them (as the fp32 tensors).
hwy::AlignedFreeUniquePtr<uint16_t[]> AllocateHalfTensor(int64_t n);

// Allocates the four tensors of a shape (Q, K, V uninitialised, O zero).
AttentionData AllocateData(const Shape& shape);

// Fills x[0, n) with values uniform in [-1, 1) from the stream `seed`.
void FillUniform(float* x, int64_t n, uint64_t seed);
// Fills x[0, n) with standard normal values from the stream `seed`.
void FillNormal(float* x, int64_t n, uint64_t seed);

// Layout of tensors in .npy files: [B, H, N, D] (as in memory) or
// [B, N, H, D] (as many frameworks keep activations).
enum class Layout { kBhnd, kBnhd };
Layout ParseLayout(std::string_view text);

// q.npy, k.npy and v.npy from `dir`; the shape comes from the files (Nq from
// q, Nk from k, Hkv from k). Throws InvalidArgument naming the file and the
// mismatch.
AttentionData LoadInputs(const std::string& dir, Layout layout);

// An output tensor from an .npy file, for a problem of this shape, in the
// [B, H, Nq, D] order of O; throws InvalidArgument naming the file when its
// shape does not match.
std::vector<float> LoadOutput(const std::string& path, const Shape& shape,
                              Layout layout);

// Writes o.npy into `dir` (created if needed), and q.npy, k.npy, v.npy too
// when `with_inputs`.
void SaveTensors(const std::string& dir, const AttentionData& data,
                 Layout layout, bool with_inputs);

// Writes do.npy, dq.npy, dk.npy and dv.npy into `dir` (a backward pass).
void SaveGradients(const std::string& dir, const Shape& shape, Layout layout,
                   const float* d_out, const float* dq, const float* dk,
                   const float* dv);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_IO_INPUTS_H_
