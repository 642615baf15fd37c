// Every registered variant, on every compiled Highway target, against the
// oracle on the check cases (harness/check/check_cases.cc), plus bitwise
// determinism across thread counts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <tuple>

#include "harness/check/agreement.h"
#include "harness/check/check_cases.h"
#include "harness/contract/variant.h"
#include "harness/contract/workspace.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "hwy/targets.h"
#include "kernels/target.h"
#include "tests/variant_params.h"

namespace attnbench {
namespace {

class VariantTest : public TargetVariantTest {};

TEST_P(VariantTest, AgreesWithOracleOnEveryCheckCase) {
  ASSERT_EQ(DispatchedTarget(), std::get<0>(GetParam()));
  int ran = 0;
  for (const CheckCase& c : CheckCases()) {
    const Problem problem{c.shape, c.mask, std::nullopt, 2};
    if (!variant_->WhyUnsupported(problem).empty()) continue;
    AttentionData data = MakeInputs(c.shape, 1);
    WorkspaceMeter::ResetPeak();
    const size_t live = WorkspaceMeter::Live();
    RunVariant(*variant_, problem, data.View());
    EXPECT_LE(WorkspaceMeter::Peak() - live,
              variant_->EstimateWorkspaceBytes(problem))
        << problem.ToString() << ": workspace beyond the variant's estimate";
    const Agreement a =
        CompareWithOracle(problem, data.View(), variant_->GetTolerance(),
                          RowsToCheck(problem, kDefaultOracleBudget));
    EXPECT_TRUE(a.pass) << problem.ToString() << ": max abs err "
                        << a.max_abs_err << " > bound " << a.bound << ", "
                        << a.nonfinite_mismatch << " non-finite mismatches";
    EXPECT_EQ(a.rows_checked, a.rows_total);
    ++ran;
  }
  EXPECT_GT(ran, 0) << "the variant supports no check case";
}

// Inputs rounded to bf16 and f16, stored so for a variant that reads half
// precision: agreement with the oracle on the rounded values, the
// workspace within the estimate, and the same bits for 1 and 3 threads.
TEST_P(VariantTest, AgreesOnHalfPrecisionInputs) {
  int ran = 0;
  for (const CheckCase& c : CheckCases()) {
    if (c.shape.Nq * c.shape.Nk > 64 * 64 || ran > 40) continue;  // a sample
    for (DType dtype : {DType::kBF16, DType::kF16}) {
      const Problem stored = StoredProblem(
          *variant_, Problem{c.shape, c.mask, std::nullopt, 3}, dtype);
      if (!variant_->WhyUnsupported(stored).empty()) continue;
      std::vector<float> first;
      for (int threads : {3, 1}) {
        Problem problem = stored;
        problem.threads = threads;
        AttentionData data = MakeInputs(c.shape, 2, Distribution::kNormal);
        RoundInputs(data, dtype);
        StoreHalf(data, problem.storage);
        WorkspaceMeter::ResetPeak();
        const size_t live = WorkspaceMeter::Live();
        RunVariant(*variant_, problem, data.ViewAs(problem.storage));
        EXPECT_LE(WorkspaceMeter::Peak() - live,
                  variant_->EstimateWorkspaceBytes(problem))
            << problem.ToString();
        const Agreement a =
            CompareWithOracle(problem, data.View(), variant_->GetTolerance(),
                              RowsToCheck(problem, kDefaultOracleBudget));
        EXPECT_TRUE(a.pass) << problem.ToString() << " " << DTypeName(dtype)
                            << ": max abs err " << a.max_abs_err;
        std::vector<float> out(data.o.get(),
                               data.o.get() + c.shape.QElements());
        if (first.empty()) {
          first = out;
        } else {
          EXPECT_EQ(0, std::memcmp(first.data(), out.data(), out.size() * 4))
              << problem.ToString() << " " << DTypeName(dtype)
              << ": 1 and 3 threads differ";
        }
      }
      ++ran;
    }
  }
  EXPECT_GT(ran, 0);
}

TEST_P(VariantTest, BitwiseIdenticalAcrossRunsAndThreadCounts) {
  const Shape s{1, 4, 2, 150, 150, 72};
  for (const Mask& mask : CheckMasks(s)) {
    std::vector<float> first;
    // 1, 2, and more threads than this machine has cores.
    const int many = static_cast<int>(std::thread::hardware_concurrency()) + 1;
    for (int threads : {1, 2, many, 1}) {
      const Problem problem{s, mask, std::nullopt, threads};
      if (!variant_->WhyUnsupported(problem).empty()) break;
      AttentionData data = MakeInputs(s, 4);
      RunVariant(*variant_, problem, data.View());
      std::vector<float> out(data.o.get(), data.o.get() + s.QElements());
      if (first.empty()) {
        first = out;
      } else {
        EXPECT_EQ(0, std::memcmp(first.data(), out.data(), out.size() * 4))
            << mask.ToString() << " differs with " << threads << " threads";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, VariantTest,
                         testing::ValuesIn(AllTargetsAndVariants()),
                         TargetVariantName);

}  // namespace
}  // namespace attnbench

namespace attnbench {
namespace {

// A window of W >= Nk keys is plain causal: sliding_window must then match
// flash's causal output within the default bound, on every target.
class WindowIsCausalTest : public testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

TEST_P(WindowIsCausalTest, WideWindowEqualsFlashCausal) {
  const Variant* window = Registry::Get().Find("sliding_window");
  const Variant* flash = Registry::Get().Find("flash");
  ASSERT_NE(window, nullptr);
  ASSERT_NE(flash, nullptr);
  const Shape s{1, 2, 1, 90, 150, 33};
  for (int64_t w : {s.Nk, s.Nk + 1, 10 * s.Nk}) {
    AttentionData a = MakeInputs(s, 8), b = MakeInputs(s, 8);
    RunVariant(*window, {s, Mask::Window(w), std::nullopt, 2}, a.View());
    RunVariant(*flash, {s, Mask::Causal(), std::nullopt, 2}, b.View());
    float max_abs = 0.0f, max_diff = 0.0f;
    for (int64_t x = 0; x < s.QElements(); ++x) {
      max_abs = std::max(max_abs, std::abs(b.o[x]));
      max_diff = std::max(max_diff, std::abs(a.o[x] - b.o[x]));
    }
    EXPECT_LE(max_diff, 2e-5f * std::max(1.0f, max_abs)) << "W = " << w;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, WindowIsCausalTest,
                         testing::ValuesIn(RunnableTargets()),
                         [](const testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace attnbench
