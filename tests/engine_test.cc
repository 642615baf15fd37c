// The blocked engine itself, on every compiled Highway target: every mask
// kind (the flash, sliding-window and adaptive-span variants all run on
// it) at several key-block sizes, including ones that split tiles oddly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "harness/check/agreement.h"
#include "harness/check/check_cases.h"
#include "harness/contract/mask_rule.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "hwy/targets.h"
#include "kernels/target.h"
#include "variants/engine/blocked.h"
#include "variants/engine/decode.h"

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
        AttentionData data = MakeInputs(shape, 3);
        ThreadArena arena(problem.threads);
        arena.Execute([&] { RunBlocked(problem, data.View(), {bc}); });
        const std::vector<int64_t> rows = RowsToCheck(problem, 1e12);
        const Agreement a = CompareWithOracle(problem, data.View(), {}, rows);
        EXPECT_TRUE(a.pass) << problem.ToString() << " Bc=" << bc
                            << ": max abs err " << a.max_abs_err;
      }
    }
  }
}

// Ramps far steeper or shallower than a key (and non-integral spans): the
// soft edge is exact to the bound, in tiles, in decode and in naive.
TEST_P(EngineTest, TinyAndNonIntegralRampsAgree) {
  for (const char* text : {"span:5:1e-7", "span:5.5:1e-7", "span:3.3:0.01",
                           "span:2,7:1e-9", "span:0.5:1000", "span:20:3.7"}) {
    for (const Shape& shape :
         {Shape{1, 2, 2, 64, 64, 8}, Shape{1, 2, 1, 1, 90, 8}}) {
      for (size_t bc : {0, 7}) {
        const Problem problem{shape, ParseMask(text), std::nullopt, 2};
        AttentionData data = MakeInputs(shape, 5, Distribution::kNormal);
        ThreadArena arena(problem.threads);
        arena.Execute([&] { RunBlocked(problem, data.View(), {bc}); });
        const Agreement a = CompareWithOracle(problem, data.View(), {},
                                              RowsToCheck(problem, 1e12));
        EXPECT_TRUE(a.pass) << problem.ToString() << " Bc=" << bc
                            << ": max abs err " << a.max_abs_err;
      }
    }
  }
}

// The group size only changes which blocks share a walk over the key tiles,
// never a row's arithmetic: outputs are bitwise identical for every cap
// (one block per group up to more rows than the problem has).
TEST_P(EngineTest, GroupSizeLeavesOutputsBitwiseUnchanged) {
  const Shape shape{1, 3, 1, 200, 200, 24};
  const Problem problem{shape, Mask::Window(37), std::nullopt, 2};
  AttentionData reference = MakeInputs(shape, 4);
  ThreadArena arena(problem.threads);
  arena.Execute([&] { RunBlocked(problem, reference.View(), {32, 1}); });
  for (size_t rows : {64, 100, 256, 1024}) {
    AttentionData data = MakeInputs(shape, 4);
    arena.Execute([&] { RunBlocked(problem, data.View(), {32, rows}); });
    const size_t bytes =
        static_cast<size_t>(shape.B * shape.H * shape.Nq * shape.D) *
        sizeof(float);
    EXPECT_EQ(std::memcmp(data.o.get(), reference.o.get(), bytes), 0)
        << "group rows " << rows;
  }
}

// Where a head has fewer query blocks than a task may hold, a task holds
// several heads of one key/value head (each K/V tile read once for all):
// which heads share a task changes no row's arithmetic. Outputs are
// bitwise those of one head a task (a one-block cap) for 1 and 2 threads,
// fp32 and half-precision storage, every mask, and agree with the oracle.
// (Nq = 29 and 60 are one and two blocks on AVX3, where the decode path
// takes 28 and 33-48; two and three on AVX2; H / Hkv = 4 heads a group.
// With B = 1 on 2 threads, the heads fill a task beyond G's 4 tasks a
// thread: 2 tasks of 4 heads, one a thread.)
TEST_P(EngineTest, TasksOfSeveralHeadsLeaveOutputsBitwiseUnchanged) {
  for (const Shape& shape :
       {Shape{2, 8, 2, 29, 300, 24}, Shape{2, 8, 2, 60, 300, 24},
        Shape{1, 8, 2, 29, 300, 24}}) {
    for (const Mask& mask : CheckMasks(shape)) {
      for (DType storage : {DType::kF32, DType::kBF16, DType::kF16}) {
        Problem problem{shape, mask, std::nullopt, 1};
        problem.storage = storage;
        if (UsesDecodePath(problem)) continue;
        const auto run = [&](int threads, size_t group_rows) {
          problem.threads = threads;
          AttentionData data = MakeInputs(shape, 6);
          RoundInputs(data, storage);
          StoreHalf(data, storage);
          ThreadArena arena(threads);
          arena.Execute([&] {
            RunBlocked(problem, data.ViewAs(storage), {0, group_rows});
          });
          return data;
        };
        const AttentionData one_head = run(1, 1);
        const size_t bytes =
            static_cast<size_t>(shape.QElements()) * sizeof(float);
        for (int threads : {1, 2}) {
          const AttentionData data = run(threads, 0);
          EXPECT_EQ(std::memcmp(data.o.get(), one_head.o.get(), bytes), 0)
              << problem.ToString() << " " << DTypeName(storage) << ", "
              << threads << " threads";
          const Agreement a = CompareWithOracle(problem, data.View(), {},
                                                RowsToCheck(problem, 1e12));
          EXPECT_TRUE(a.pass) << problem.ToString() << " " << DTypeName(storage)
                              << ": max abs err " << a.max_abs_err;
        }
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
  arena.Execute([&] { RunBlocked(problem, data.View(), {32}); });
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

// A rule run as a regrouped part whose within-class rule differs per head
// (adaptive span on class distances): the part must see each query head's
// own span, in place (N a multiple of m) and on copies (not).
class DilatedSpanRule final : public MaskRule {
 public:
  static constexpr int64_t kM = 3;
  std::string Params() const override { return ""; }
  double Weight(int64_t h, int64_t p, int64_t j) const override {
    if (j > p || (p - j) % kM != 0) return 0.0;
    const double x = static_cast<double>((p - j) / kM);
    return std::clamp((2.0 + kSpans[h] - x) / 2.0, 0.0, 1.0);
  }
  std::vector<ClassPart> Parts() const override {
    const Mask span =
        Mask::Span({kSpans[0], kSpans[1], kSpans[2], kSpans[3]}, 2.0);
    return {{kM, span.ToString(), span.rule}};
  }
  static constexpr double kSpans[] = {0.0, 1.5, 4.0, 9.0};
};

TEST_P(EngineTest, RunsPerHeadRulesAsRegroupedParts) {
  for (int64_t n : {60, 61}) {
    const Shape shape{2, 4, 2, n, n, 16};
    const Problem problem{
        shape, Mask("dilated_span_test", std::make_shared<DilatedSpanRule>()),
        std::nullopt, 2};
    AttentionData data = MakeInputs(shape, 9);
    ThreadArena arena(problem.threads);
    arena.Execute([&] { RunBlocked(problem, data.View(), {8}); });
    const Agreement a =
        CompareWithOracle(problem, data.View(), {}, RowsToCheck(problem, 1e12));
    EXPECT_TRUE(a.pass) << "N=" << n << ": max abs err " << a.max_abs_err;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, EngineTest,
                         testing::ValuesIn(RunnableTargets()),
                         [](const testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace attnbench
