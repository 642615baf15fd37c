// Sums across the lanes of several vectors at once, for dot products held
// with d as lanes (kernels/decode_tile-inl.h).

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_LANE_SUMS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_LANE_SUMS_INL_H_
#undef ATTNBENCH_KERNELS_LANE_SUMS_INL_H_
#else
#define ATTNBENCH_KERNELS_LANE_SUMS_INL_H_
#endif

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "kernels/half-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Per 128-bit block: [sum a, sum b, sum c, sum e] of that block's lanes,
// by two rounds of interleaves within blocks. Needs 4 lanes or more (not
// HWY_SCALAR).
#if HWY_TARGET != HWY_SCALAR
template <class D, class V = hn::Vec<D>>
HWY_INLINE V BlockSums4(D d, V a, V b, V c, V e) {
  const hn::Repartition<uint64_t, D> d64;
  // Per block: [a0 + a2, b0 + b2, a1 + a3, b1 + b3], and so for c, e.
  const V ab =
      hn::Add(hn::InterleaveLower(d, a, b), hn::InterleaveUpper(d, a, b));
  const V ce =
      hn::Add(hn::InterleaveLower(d, c, e), hn::InterleaveUpper(d, c, e));
  const auto ab64 = hn::BitCast(d64, ab);
  const auto ce64 = hn::BitCast(d64, ce);
  return hn::Add(hn::BitCast(d, hn::InterleaveLower(d64, ab64, ce64)),
                 hn::BitCast(d, hn::InterleaveUpper(d64, ab64, ce64)));
}

// out[i] = the sum of the lanes of the i-th of a, b, c, e: BlockSums4,
// then the blocks added. About half the shuffles of four SumOfLanes.
template <class D, class V = hn::Vec<D>>
HWY_INLINE void SumOfLanes4(D d, V a, V b, V c, V e, float* HWY_RESTRICT out) {
  const V x = BlockSums4(d, a, b, c, e);
  HWY_ALIGN float blocks[HWY_MAX_BYTES / sizeof(float)];
  hn::Store(x, d, blocks);
  const hn::Full128<float> d4;
  auto sum = hn::Load(d4, blocks);
  for (size_t i = 4; i < hn::Lanes(d); i += 4) {
    sum = hn::Add(sum, hn::Load(d4, blocks + i));
  }
  hn::StoreU(sum, d4, out);
}
#endif

// s[(r0 + r) * ld + t + j] for r < n_rows and the four keys j of rows[j]
// (by value: a reference to the caller's rows kept them in memory):
// sums[4 * r + j], the dot product over the lanes of d's whole vectors,
// plus the scalar tail of d from x = whole (q: the query rows, dim apart).
template <class T>
HWY_INLINE void FinishScores4(const float* HWY_RESTRICT q, size_t dim,
                              size_t whole, std::array<const T*, 4> rows,
                              const float* sums, size_t r0, size_t n_rows,
                              float* HWY_RESTRICT s, size_t ld, size_t t) {
  for (size_t r = 0; r < n_rows; ++r) {
    const float* qr = q + (r0 + r) * dim;
    for (size_t j = 0; j < 4; ++j) {
      float sum = sums[4 * r + j];
      for (size_t x = whole; x < dim; ++x) {
        sum = std::fma(qr[x], WidenOne(rows[j][x]), sum);
      }
      s[(r0 + r) * ld + t + j] = sum;
    }
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_LANE_SUMS_INL_H_
