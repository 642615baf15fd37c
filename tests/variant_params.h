// gtest parameters for suites that run every registered variant on every
// compiled Highway target: (target, variant name), named "AVX3_flash".
#ifndef ATTNBENCH_TESTS_VARIANT_PARAMS_H_
#define ATTNBENCH_TESTS_VARIANT_PARAMS_H_

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "harness/contract/variant.h"
#include "hwy/targets.h"
#include "kernels/target.h"

namespace attnbench {

using TargetVariant = std::tuple<int64_t, std::string>;

inline std::vector<TargetVariant> AllTargetsAndVariants() {
  std::vector<TargetVariant> params;
  for (int64_t target : RunnableTargets()) {
    for (const Variant* v : Registry::Get().All()) {
      params.emplace_back(target, std::string(v->Name()));
    }
  }
  return params;
}

inline std::string TargetVariantName(
    const testing::TestParamInfo<TargetVariant>& info) {
  return std::string(hwy::TargetName(std::get<0>(info.param))) + "_" +
         std::get<1>(info.param);
}

// A fixture that dispatches to the parameter's target and finds the variant.
class TargetVariantTest : public testing::TestWithParam<TargetVariant> {
 protected:
  void SetUp() override {
    hwy::SetSupportedTargetsForTest(std::get<0>(GetParam()));
    variant_ = Registry::Get().Find(std::get<1>(GetParam()));
    ASSERT_NE(variant_, nullptr);
  }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
  const Variant* variant_ = nullptr;
};

}  // namespace attnbench

#endif  // ATTNBENCH_TESTS_VARIANT_PARAMS_H_
