// Rounding fp32 inputs to bfloat16 and binary16 (harness/io/dtype.h): ties
// to even, subnormals, the largest values and past them, infinities, NaN,
// signed zero, and the parser's message.
#include "harness/io/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "harness/contract/problem.h"
#include "harness/io/inputs.h"

namespace attnbench {
namespace {

TEST(DType, ParsesTheThreeNamesAndNamesThemInErrors) {
  EXPECT_EQ(ParseDType("bf16"), DType::kBF16);
  EXPECT_EQ(DTypeName(ParseDType("f16")), "f16");
  try {
    ParseDType("fp8");
    FAIL() << "fp8 was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("allowed: f32, bf16, f16"),
              std::string::npos);
  }
}

TEST(DType, Bf16RoundsToNearestTiesToEven) {
  // bf16 keeps 7 fraction bits: near 1 the spacing is 2^-7.
  EXPECT_EQ(RoundToBf16(1.0f + 0x1.0p-8f), 1.0f);  // tie, to even (1.0)
  EXPECT_EQ(RoundToBf16(1.0f + 3 * 0x1.0p-8f), 1.0f + 0x1.0p-6f);  // tie, up
  EXPECT_EQ(RoundToBf16(1.0f + 0x1.0p-8f + 0x1.0p-20f), 1.0f + 0x1.0p-7f);
  EXPECT_EQ(RoundToBf16(-3.0f), -3.0f);
  EXPECT_EQ(RoundToBf16(0.1f), 0.10009765625f);
  EXPECT_TRUE(std::signbit(RoundToBf16(-0.0f)));
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(RoundToBf16(inf), inf);
  EXPECT_EQ(RoundToBf16(-inf), -inf);
  EXPECT_TRUE(std::isnan(RoundToBf16(std::nanf(""))));
  // Past the largest bfloat16 (0x1.FEp127) by half an ulp or more: inf.
  EXPECT_EQ(RoundToBf16(std::numeric_limits<float>::max()), inf);
  EXPECT_EQ(RoundToBf16(0x1.FEp127f), 0x1.FEp127f);
  // bf16 has fp32's exponent range; its subnormals keep 7 fraction bits,
  // so the smallest is 2^-133 and 2^-140 rounds to 0.
  EXPECT_EQ(RoundToBf16(0x1.0p-133f), 0x1.0p-133f);
  EXPECT_EQ(RoundToBf16(0x1.0p-140f), 0.0f);
}

TEST(DType, F16RoundsToNearestTiesToEvenWithSubnormals) {
  EXPECT_EQ(RoundToF16(1.0f + 0x1.0p-11f), 1.0f);  // tie, to even
  EXPECT_EQ(RoundToF16(1.0f + 3 * 0x1.0p-11f), 1.0f + 0x1.0p-9f);  // tie, up
  EXPECT_EQ(RoundToF16(0.1f), 0.0999755859375f);
  EXPECT_EQ(RoundToF16(2047.5f), 2048.0f);  // carries into the exponent
  // Subnormals: the spacing below 2^-14 is 2^-24.
  EXPECT_EQ(RoundToF16(0x1.0p-24f), 0x1.0p-24f);
  EXPECT_EQ(RoundToF16(0x1.0p-25f), 0.0f);  // tie, to even (0)
  EXPECT_EQ(RoundToF16(3 * 0x1.0p-26f), 0x1.0p-24f);
  EXPECT_EQ(RoundToF16(3 * 0x1.0p-25f), 0x1.0p-23f);  // tie, to even (2)
  EXPECT_EQ(RoundToF16(1e-9f), 0.0f);
  EXPECT_TRUE(std::signbit(RoundToF16(-1e-9f)));
  // The largest value, and past it by half an ulp (65520): inf.
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(RoundToF16(65504.0f), 65504.0f);
  EXPECT_EQ(RoundToF16(65519.0f), 65504.0f);
  EXPECT_EQ(RoundToF16(65520.0f), inf);
  EXPECT_EQ(RoundToF16(-1e6f), -inf);
  EXPECT_EQ(RoundToF16(-inf), -inf);
  EXPECT_TRUE(std::isnan(RoundToF16(std::nanf(""))));
}

TEST(DType, RoundsQKVButNotO) {
  const Shape shape{1, 2, 1, 3, 5, 8};
  AttentionData data = MakeInputs(shape, 3);
  data.o[0] = 0.1f;
  const float q0 = data.q[0];
  RoundInputs(data, DType::kBF16);
  EXPECT_EQ(data.q[0], RoundToBf16(q0));
  for (int64_t i = 0; i < shape.KVElements(); ++i) {
    ASSERT_EQ(data.k[i], RoundToBf16(data.k[i]));  // already bf16 values
    ASSERT_EQ(data.v[i], RoundToBf16(data.v[i]));
  }
  EXPECT_EQ(data.o[0], 0.1f);
}

}  // namespace
}  // namespace attnbench
