// The blocked engine itself, on every compiled Highway target: every mask
// kind (the flash, sliding-window and adaptive-span variants all run on
// it) at several key-block sizes, including ones that split tiles oddly.
#include <gtest/gtest.h>

#include "harness/check/agreement.h"
#include "harness/check/check_cases.h"
#include "harness/contract/mask_rule.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "hwy/targets.h"
#include "kernels/target.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class EngineTest : public testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

TEST_P(EngineTest, AgreesWithOracleAtEveryKeyBlock) {
  const Shape shapes[] = {{1, 2, 1, 77, 77, 40}, {2, 2, 2, 30, 130, 17}};
  for (const Shape& shape : shapes) {
    for (const Mask& mask : CheckMasks(shape)) {
      for (size_t bc : {1, 5, 32, 100}) {
        const Problem problem{shape, mask, std::nullopt, 2};
        if (!WhyBlockedCannotRun(problem).empty()) continue;
        AttentionData data = MakeInputs(shape, 3);
        ThreadArena arena(problem.threads);
        arena.Execute([&] { RunBlocked(problem, data.View(), bc); });
        const std::vector<int64_t> rows = RowsToCheck(problem, 1e12);
        const Agreement a = CompareWithOracle(problem, data.View(), {}, rows);
        EXPECT_TRUE(a.pass) << problem.ToString() << " Bc=" << bc
                            << ": max abs err " << a.max_abs_err;
      }
    }
  }
}

// A rule with no Segments: the engine scans its weights (correct), and says
// once that it does.
class EveryThirdKeyRule final : public MaskRule {
 public:
  std::string Params() const override { return ""; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && (p - j) % 3 != 1 ? 1.0 : 0.0;
  }
};

TEST_P(EngineTest, ScansARuleWithoutSegmentsAndSaysSo) {
  const Shape shape{1, 2, 1, 70, 70, 24};
  const Problem problem{
      shape, Mask("every_third_test", std::make_shared<EveryThirdKeyRule>()),
      std::nullopt, 2};
  AttentionData data = MakeInputs(shape, 5);
  testing::internal::CaptureStderr();
  ThreadArena arena(problem.threads);
  arena.Execute([&] { RunBlocked(problem, data.View(), 32); });
  const std::string said = testing::internal::GetCapturedStderr();
  const Agreement a =
      CompareWithOracle(problem, data.View(), {}, RowsToCheck(problem, 1e12));
  EXPECT_TRUE(a.pass) << a.max_abs_err;
  // Warned the first time this kind ran in the process, never again.
  static bool warned = false;
  EXPECT_EQ(said.find("mask kind 'every_third_test' has no Segments()") !=
                std::string::npos,
            !warned)
      << said;
  warned = true;
}

INSTANTIATE_TEST_SUITE_P(AllTargets, EngineTest,
                         testing::ValuesIn(RunnableTargets()),
                         [](const testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace attnbench
