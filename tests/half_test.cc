// Half-precision storage: the scalar bit conversions of kernels/half.h,
// and the in-register widening of kernels/half-inl.h on every compiled
// Highway target, over every one of the 65536 bit patterns of bfloat16 and
// binary16 (zeros, subnormals, the largest values, infinities, NaN).
#include "kernels/half.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "harness/io/dtype.h"
#include "kernels/widen.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/half_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/tests/hwy_gtest.h"
#include "kernels/half-inl.h"

#ifndef ATTNBENCH_TESTS_HALF_TEST_ONCE_
#define ATTNBENCH_TESTS_HALF_TEST_ONCE_
namespace attnbench {
// Same value, or both NaN.
inline bool SameValue(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) ||
         (a == b && std::signbit(a) == std::signbit(b));
}
}  // namespace attnbench
#endif

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class T>
void CheckEveryPattern(float (*scalar)(uint16_t)) {
  std::vector<uint16_t> bits(65536);
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = static_cast<uint16_t>(i);
  const auto* src = reinterpret_cast<const T*>(bits.data());
  // Vectors (and a tail: 65533 is not a multiple of any vector width).
  std::vector<float> wide(bits.size());
  WidenRow(src, 65533, wide.data());
  WidenRow(src + 65533, 3, wide.data() + 65533);
  for (size_t i = 0; i < bits.size(); ++i) {
    ASSERT_TRUE(SameValue(wide[i], scalar(bits[i])))
        << "bits 0x" << std::hex << i << ": " << wide[i] << " vs "
        << scalar(bits[i]);
    ASSERT_TRUE(SameValue(WidenOne(src[i]), scalar(bits[i])));
  }
}

void TestWidenEveryPattern() {
  CheckEveryPattern<Bf16>(FloatFromBf16Bits);
  CheckEveryPattern<F16>(FloatFromF16Bits);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {
HWY_BEFORE_TEST(HalfTest);
HWY_EXPORT_AND_TEST_P(HalfTest, TestWidenEveryPattern);

// The scalar values against their definitions, and the bits back.
TEST(HalfBits, ValuesAndRoundTrip) {
  EXPECT_EQ(FloatFromF16Bits(0x3C00), 1.0f);
  EXPECT_EQ(FloatFromF16Bits(0x7BFF), 65504.0f);
  EXPECT_EQ(FloatFromF16Bits(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(FloatFromF16Bits(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(FloatFromF16Bits(0xFC00), -HUGE_VALF);
  EXPECT_TRUE(std::isnan(FloatFromF16Bits(0x7E00)));
  EXPECT_EQ(FloatFromBf16Bits(0x3F80), 1.0f);
  EXPECT_EQ(FloatFromBf16Bits(0xFF80), -HUGE_VALF);
  for (uint32_t b = 0; b < 65536; ++b) {
    const auto bits = static_cast<uint16_t>(b);
    const float f16 = FloatFromF16Bits(bits);
    const float bf16 = FloatFromBf16Bits(bits);
    if (!std::isnan(f16)) {
      ASSERT_EQ(F16BitsOf(f16), bits) << std::hex << b;
      // A binary16 value rounds to itself.
      ASSERT_TRUE(RoundToF16(f16) == f16 || std::isinf(f16)) << std::hex << b;
    } else {
      ASSERT_TRUE(std::isnan(FloatFromF16Bits(F16BitsOf(f16))));
    }
    if (!std::isnan(bf16)) {
      ASSERT_EQ(Bf16BitsOf(bf16), bits) << std::hex << b;
      ASSERT_EQ(RoundToBf16(bf16), bf16) << std::hex << b;
    }
  }
}

// Bulk widening (the engine's prefill) on the dispatched target.
TEST(HalfBits, BulkWidening) {
  std::vector<uint16_t> bits(1000);
  for (size_t i = 0; i < bits.size(); ++i) {
    bits[i] = static_cast<uint16_t>(i * 65.537);
  }
  std::vector<float> out(bits.size());
  WidenF16(bits.data(), bits.size(), out.data());
  for (size_t i = 0; i < bits.size(); ++i) {
    ASSERT_TRUE(SameValue(out[i], FloatFromF16Bits(bits[i]))) << i;
  }
  WidenBf16(bits.data(), bits.size(), out.data());
  for (size_t i = 0; i < bits.size(); ++i) {
    ASSERT_TRUE(SameValue(out[i], FloatFromBf16Bits(bits[i]))) << i;
  }
}

}  // namespace attnbench
#endif
