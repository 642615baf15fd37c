// Every registered variant, on every compiled Highway target, against the
// oracle on the check cases (harness/check_cases.cc), plus bitwise
// determinism across thread counts.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <tuple>

#include "harness/agreement.h"
#include "harness/check_cases.h"
#include "harness/execute.h"
#include "harness/inputs.h"
#include "harness/variant.h"
#include "hwy/targets.h"
#include "kernels/target.h"

namespace attnbench {
namespace {

using Param = std::tuple<int64_t, std::string>;  // (Highway target, variant)

class VariantTest : public testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    hwy::SetSupportedTargetsForTest(std::get<0>(GetParam()));
    variant_ = Registry::Get().Find(std::get<1>(GetParam()));
    ASSERT_NE(variant_, nullptr);
  }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
  const Variant* variant_ = nullptr;
};

TEST_P(VariantTest, AgreesWithOracleOnEveryCheckCase) {
  ASSERT_EQ(DispatchedTarget(), std::get<0>(GetParam()));
  int ran = 0;
  for (const CheckCase& c : CheckCases()) {
    const Problem problem{c.shape, c.mask, std::nullopt, 2};
    if (!variant_->WhyUnsupported(problem).empty()) continue;
    AttentionData data = MakeInputs(c.shape, 1);
    RunVariant(*variant_, problem, data.View());
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

TEST_P(VariantTest, BitwiseIdenticalAcrossRunsAndThreadCounts) {
  const Shape s{1, 4, 2, 150, 150, 72};
  for (const Mask& mask : CheckMasks(s)) {
    std::vector<float> first;
    for (int threads : {1, 2, 3, 1}) {
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

std::vector<Param> AllParams() {
  std::vector<Param> params;
  for (int64_t target : RunnableTargets()) {
    for (const Variant* v : Registry::Get().All()) {
      params.emplace_back(target, std::string(v->Name()));
    }
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(AllTargets, VariantTest,
                         testing::ValuesIn(AllParams()),
                         [](const testing::TestParamInfo<Param>& info) {
                           return std::string(hwy::TargetName(
                                      std::get<0>(info.param))) +
                                  "_" + std::get<1>(info.param);
                         });

}  // namespace
}  // namespace attnbench
