// kernels/exp-inl.h on every compiled Highway target: ULP error against
// double-precision exp over its whole valid range, and 0 below it.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/exp_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/tests/hwy_gtest.h"
#include "kernels/exp-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Distance in units in the last place between a float and the float
// nearest to the exact value.
int64_t UlpDistance(float got, double exact) {
  const float want = static_cast<float>(exact);
  int32_t a, b;
  std::memcpy(&a, &got, 4);
  std::memcpy(&b, &want, 4);
  return a > b ? int64_t{a} - b : int64_t{b} - a;
}

void TestExpNonPositiveUlp() {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  std::vector<float> in(N), out(N);
  int64_t max_ulp = 0;
  float worst = 0.0f;
  // Every float bit pattern from 0 down to -86.5 with a stride that visits
  // about 4 million inputs across all binades.
  uint32_t bits_lo = 0x80000000u;  // -0.0
  float lowest = -86.5f;
  uint32_t bits_hi;
  std::memcpy(&bits_hi, &lowest, 4);
  const uint32_t stride = (bits_hi - bits_lo) / (1u << 22) + 1;
  size_t filled = 0;
  auto flush = [&] {
    hn::StoreU(ExpNonPositive(d, hn::LoadU(d, in.data())), d, out.data());
    for (size_t i = 0; i < filled; ++i) {
      const int64_t ulp = UlpDistance(out[i], std::exp(double{in[i]}));
      if (ulp > max_ulp) {
        max_ulp = ulp;
        worst = in[i];
      }
    }
    filled = 0;
  };
  for (uint64_t b = bits_lo; b <= bits_hi; b += stride) {
    const uint32_t b32 = static_cast<uint32_t>(b);
    std::memcpy(&in[filled], &b32, 4);
    if (++filled == N) flush();
  }
  if (filled != 0) {
    for (size_t i = filled; i < N; ++i) in[i] = 0.0f;
    flush();
  }
  std::printf("ExpNonPositive on %s: max error %lld ULP (at x = %g)\n",
              hwy::TargetName(HWY_TARGET), static_cast<long long>(max_ulp),
              worst);
  EXPECT_LE(max_ulp, 2);
}

void TestExpNonPositiveEdges() {
  const hn::ScalableTag<float> d;
  const float cases[][2] = {{0.0f, 1.0f},     {-0.0f, 1.0f},
                            {-86.6f, 0.0f},   {-1000.0f, 0.0f},
                            {-3.4e38f, 0.0f}, {-1.7014117e38f, 0.0f}};
  for (const auto& c : cases) {
    const float got = hn::GetLane(ExpNonPositive(d, hn::Set(d, c[0])));
    EXPECT_EQ(got, c[1]) << "x = " << c[0];
  }
}

// ExpClamped: the same values as ExpNonPositive down to -86.5, and e^-86.5
// (a normal float) below it instead of 0.
void TestExpClamped() {
  const hn::ScalableTag<float> d;
  const float floor = hn::GetLane(ExpClamped(d, hn::Set(d, -86.5f)));
  EXPECT_GE(floor, FLT_MIN);
  EXPECT_NEAR(floor, std::exp(-86.5), 4e-7 * std::exp(-86.5));
  for (const float x : {-86.6f, -1000.0f, -3.4e38f, -INFINITY}) {
    EXPECT_EQ(hn::GetLane(ExpClamped(d, hn::Set(d, x))), floor) << "x = " << x;
  }
  // Where ExpClamped keeps NaN, any payload stays NaN (the integer add of
  // n << 23 elsewhere could turn a NaN with low payload bits into a number).
  if (kExpClampedKeepsNaN) {
    for (const uint32_t bits : {0x7FC00000u, 0xFFC00000u, 0x7FC001FFu}) {
      float nan;
      std::memcpy(&nan, &bits, 4);
      EXPECT_TRUE(std::isnan(hn::GetLane(ExpClamped(d, hn::Set(d, nan)))))
          << std::hex << bits;
    }
  }
  for (float x = 0.0f; x >= -86.5f; x -= 0.37f) {
    EXPECT_EQ(hn::GetLane(ExpClamped(d, hn::Set(d, x))),
              hn::GetLane(ExpNonPositive(d, hn::Set(d, x))))
        << "x = " << x;
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {
HWY_BEFORE_TEST(ExpTest);
HWY_EXPORT_AND_TEST_P(ExpTest, TestExpNonPositiveUlp);
HWY_EXPORT_AND_TEST_P(ExpTest, TestExpNonPositiveEdges);
HWY_EXPORT_AND_TEST_P(ExpTest, TestExpClamped);
}  // namespace attnbench
#endif
