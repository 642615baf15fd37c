// kernels/row_ops-inl.h on every compiled Highway target, against scalar
// loops, for awkward lengths and misaligned starts. A NaN guard after the
// row catches reads or writes past its end.
#include <cmath>
#include <cstring>
#include <vector>

#include "harness/io/inputs.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/row_ops_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/tests/hwy_gtest.h"
#include "kernels/row_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr size_t kLengths[] = {1,  2,  3,  5,  7,  8,  15,  16,  17,
                               31, 32, 33, 63, 64, 65, 100, 129, 257};
constexpr size_t kOffsets[] = {0, 1, 3};
constexpr size_t kGuard = 64;

// A row of n values in [-4, 4) at `offset` floats into a buffer, followed by
// kGuard NaNs.
struct Row {
  Row(size_t n, size_t offset, uint64_t seed)
      : buffer(offset + n + kGuard, std::nanf("")) {
    FillUniform(buffer.data() + offset, static_cast<int64_t>(n), seed);
    for (size_t i = 0; i < n; ++i) buffer[offset + i] *= 4.0f;
    x = buffer.data() + offset;
    end = x + n;
  }
  bool GuardIntact() const {
    for (size_t i = 0; i < kGuard; ++i) {
      if (!std::isnan(end[i])) return false;
    }
    return true;
  }
  std::vector<float> buffer;
  float* x;
  float* end;
};

void TestRowMaxAndSum() {
  const hn::ScalableTag<float> d;
  for (size_t n : kLengths) {
    for (size_t off : kOffsets) {
      Row row(n, off, n * 10 + off);
      float max = row.x[0];
      double sum = 0.0;
      for (size_t i = 0; i < n; ++i) {
        max = std::max(max, row.x[i]);
        sum += row.x[i];
      }
      EXPECT_EQ(RowMax(d, row.x, n), max) << "n=" << n << " off=" << off;
      // Summation order differs: allow n roundings of the largest term (4).
      EXPECT_NEAR(RowSum(d, row.x, n), sum, 4.0 * n * 6e-8)
          << "n=" << n << " off=" << off;
    }
  }
}

void TestExpShifted() {
  const hn::ScalableTag<float> d;
  for (size_t n : kLengths) {
    for (size_t off : kOffsets) {
      Row row(n, off, n * 7 + off);
      const std::vector<float> in(row.x, row.end);
      const float shift = 4.0f;  // the contract: x <= shift
      ExpShifted(d, row.x, n, shift);
      for (size_t i = 0; i < n; ++i) {
        const double ref = std::exp(static_cast<double>(in[i] - shift));
        // hn::Exp: 1 ULP; allow 2 ULPs relative.
        EXPECT_NEAR(row.x[i], ref, 2.0 * 1.2e-7 * ref)
            << "n=" << n << " off=" << off << " i=" << i;
      }
      EXPECT_TRUE(row.GuardIntact()) << "n=" << n << " off=" << off;
    }
  }
  // Far below the shift, exp underflows to zero (not NaN).
  float tiny[1] = {-1e30f};
  ExpShifted(d, tiny, 1, 0.0f);
  EXPECT_EQ(tiny[0], 0.0f);
}

void TestMulAddAndScale() {
  const hn::ScalableTag<float> d;
  for (size_t n : kLengths) {
    for (size_t off : kOffsets) {
      Row o(n, off, n * 3 + off), v(n, off + 1, n * 5 + off);
      const std::vector<float> o_in(o.x, o.end);
      MulAddRow(d, 0.75f, v.x, o.x, n);
      for (size_t i = 0; i < n; ++i) {
        const float ref = std::fma(0.75f, v.x[i], o_in[i]);
        // Fused or not: within one rounding of the largest term.
        EXPECT_NEAR(o.x[i], ref, 8 * 6e-8) << "n=" << n << " i=" << i;
      }
      EXPECT_TRUE(o.GuardIntact()) << "n=" << n << " off=" << off;
      const std::vector<float> before(o.x, o.end);
      ScaleRow(d, -0.5f, o.x, n);
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(o.x[i], -0.5f * before[i]);
      EXPECT_TRUE(o.GuardIntact()) << "n=" << n << " off=" << off;
    }
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {
HWY_BEFORE_TEST(RowOpsTest);
HWY_EXPORT_AND_TEST_P(RowOpsTest, TestRowMaxAndSum);
HWY_EXPORT_AND_TEST_P(RowOpsTest, TestExpShifted);
HWY_EXPORT_AND_TEST_P(RowOpsTest, TestMulAddAndScale);
}  // namespace attnbench
#endif
