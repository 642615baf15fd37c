// kernels/transpose-inl.h on every compiled Highway target (the AVX3 16x16
// register path and the element-wise path) against plain loops, for head
// dimensions around multiples of 16 and full and partial row blocks.
#include <vector>

#include "harness/io/inputs.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/transpose_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/tests/hwy_gtest.h"
#include "kernels/transpose-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

void TestPackAndUnpack() {
  for (size_t br : {16, 32}) {
    for (size_t dim : {1, 15, 16, 17, 40, 64, 129}) {
      for (size_t n_rows : {br, br - 1, size_t{1}}) {
        std::vector<float> q(br * dim), qt(br * dim, -7.0f);
        FillUniform(q.data(), static_cast<int64_t>(q.size()), dim + br);
        PackRowsAsLanes(q.data(), dim, dim, n_rows, br, 0.5f, qt.data());
        for (size_t r = 0; r < br; ++r) {
          for (size_t k = 0; k < dim; ++k) {
            const float want = r < n_rows ? 0.5f * q[r * dim + k] : 0.0f;
            ASSERT_EQ(qt[k * br + r], want)
                << "pack br=" << br << " dim=" << dim << " rows=" << n_rows;
          }
        }
        std::vector<float> inv(br), o(br * dim, -7.0f);
        FillUniform(inv.data(), static_cast<int64_t>(br), 99);
        UnpackRowsAsLanes(qt.data(), inv.data(), dim, dim, n_rows, br,
                          o.data());
        for (size_t r = 0; r < br; ++r) {
          for (size_t x = 0; x < dim; ++x) {
            const float want = r < n_rows ? qt[x * br + r] * inv[r] : -7.0f;
            ASSERT_EQ(o[r * dim + x], want)
                << "unpack br=" << br << " dim=" << dim << " rows=" << n_rows;
          }
        }
      }
    }
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {
HWY_BEFORE_TEST(TransposeTest);
HWY_EXPORT_AND_TEST_P(TransposeTest, TestPackAndUnpack);
}  // namespace attnbench
#endif
