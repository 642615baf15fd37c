// The engine's decode path and chunked prefill against the fp64 oracle, on
// every compiled Highway target and every registered mask: Nq from 1 to 40
// (decode where Nq <= 3 Br / 4 on the target, on AVX3 7 Br / 8 and 33 to
// 48; the rows-as-lanes path elsewhere),
// grouped-query heads (Hkv = 1, 2 and H), key counts off every chunk and
// split, inputs stored in fp32, bf16 and f16 (prefill too), NaN and Inf in
// V kept to the rows that see them across many chunks, and outputs
// bitwise identical for 1, 2 and 3 threads and for either prefetch hint;
// the last two also for groups of 1, 2 and 3 rows (DecodeKernelRows).
#include "variants/engine/decode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "harness/check/agreement.h"
#include "harness/check/check_cases.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "hwy/targets.h"
#include "kernels/prefetch_hint.h"
#include "kernels/target.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

class DecodeTest : public testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

// O of `problem` on `threads` threads with chunks of key_block keys, its
// inputs rounded to and stored in problem.storage (data's fp32 tensors
// hold the same values, for the oracle).
// `plant` changes the generated inputs first.
AttentionData RunEngine(
    Problem problem, int threads, size_t key_block,
    const std::function<void(AttentionData&)>& plant = nullptr) {
  problem.threads = threads;
  AttentionData data = MakeInputs(problem.shape, 7);
  if (plant) plant(data);
  RoundInputs(data, problem.storage);
  StoreHalf(data, problem.storage);
  ThreadArena arena(threads);
  arena.Execute(
      [&] { RunBlocked(problem, data.ViewAs(problem.storage), {key_block}); });
  return data;
}

constexpr DType kStorages[] = {DType::kF32, DType::kBF16, DType::kF16};

// The engine's output for `problem` (2 threads, chunks of bc keys) agrees
// with the oracle on every row.
void ExpectAgrees(const Problem& problem, size_t bc) {
  AttentionData data = RunEngine(problem, 2, bc);
  const Agreement a =
      CompareWithOracle(problem, data.View(), {}, RowsToCheck(problem, 1e12));
  EXPECT_TRUE(a.pass) << problem.ToString() << " Bc=" << bc << " stored as "
                      << DTypeName(problem.storage) << ": max abs err "
                      << a.max_abs_err;
}

TEST_P(DecodeTest, AgreesWithOracleForEveryMask) {
  int decoded = 0;
  for (int64_t hkv : {1, 2, 4}) {
    for (int64_t nq : {1, 3, 9, 17, 25, 29, 40}) {
      for (int64_t nk : {17, 300}) {
        if (nq > nk) continue;  // new tokens are at most the keys
        const Shape shape{2, 4, hkv, nq, nk, 24};
        for (const Mask& mask : CheckMasks(shape)) {
          Problem problem{shape, mask, std::nullopt, 2};
          decoded += UsesDecodePath(problem);
          for (DType storage : kStorages) {
            problem.storage = storage;
            for (size_t bc : {size_t{0}, size_t{5}}) ExpectAgrees(problem, bc);
          }
        }
      }
    }
  }
  EXPECT_GT(decoded, 0) << "no problem took the decode path";
}

// Groups of 16 rows and more (4 new tokens of 4 or 8 heads on one K/V
// head: 16 rows, the scores with d as lanes; 32, keys as lanes) take each
// block of d through all of a chunk's keys at a time in O += P V, after
// the scores (kDecodeValueAllKeysRows); D = 136 takes two blocks and a
// scalar tail on AVX3.
TEST_P(DecodeTest, ManyRowsAgreeWithOracleForEveryMask) {
  for (int64_t hkv : {1, 2}) {
    const Shape shape{1, 8, hkv, 4, 300, 136};
    for (const Mask& mask : CheckMasks(shape)) {
      Problem problem{shape, mask, std::nullopt, 2};
      if (!UsesDecodePath(problem)) continue;
      for (DType storage : {DType::kF32, DType::kBF16}) {
        problem.storage = storage;
        for (size_t bc : {size_t{0}, size_t{16}}) ExpectAgrees(problem, bc);
      }
    }
  }
}

// Prefill (Nq = Nk) from half-precision storage: the plain pass widens a
// key tile at a time, a rule with Parts widens the tensors first.
TEST_P(DecodeTest, PrefillFromHalfPrecisionAgrees) {
  for (int64_t n : {40, 300}) {
    const Shape shape{1, 4, 2, n, n, 24};
    for (const Mask& mask : CheckMasks(shape)) {
      Problem problem{shape, mask, std::nullopt, 2};
      for (DType storage : {DType::kBF16, DType::kF16}) {
        problem.storage = storage;
        for (size_t bc : {size_t{0}, size_t{7}}) ExpectAgrees(problem, bc);
      }
    }
  }
}

// O of `shape` is bitwise the same on 1, 2 and 3 threads, under dense
// and sparse rules, in fp32 and half precision.
void ExpectBitwiseIdenticalAcrossThreadCounts(const Shape& shape) {
  // The sparse rules join runs of keys from several places into chunks.
  for (const Mask& mask :
       {Mask::Causal(), Mask::Window(2000),
        Mask::Span({10, 200, 900, 3000, 1, 2, 3, 4000}),
        ParseMask("sparse_fixed:256:32"), ParseMask("dilated:700:7"),
        ParseMask("sparse_strided:97"), ParseMask("alibi")}) {
    Problem problem{shape, mask, std::nullopt, 1};
    // Nq = 1 always takes the decode path; Nq = 3 takes the tile path on
    // the scalar fallback (Br = 1), which is not this test's.
    if (shape.Nq > 1 && !UsesDecodePath(problem)) return;
    ASSERT_TRUE(UsesDecodePath(problem));
    // Default chunks, and chunks of 16 keys: several splits per group even
    // where the rule sees few keys; in fp32 and in half precision.
    using Case = std::pair<size_t, DType>;
    for (const auto& [bc, storage] :
         {Case{0, DType::kF32}, Case{16, DType::kF32}, Case{0, DType::kBF16},
          Case{16, DType::kF16}}) {
      problem.storage = storage;
      if (bc != 0) {
        ASSERT_GT(PlanDecode(problem, bc).tasks.size(), 2 * size_t{2})
            << mask.ToString();
      }
      const AttentionData one = RunEngine(problem, 1, bc);
      for (int threads : {2, 3}) {
        const AttentionData many = RunEngine(problem, threads, bc);
        EXPECT_EQ(std::memcmp(one.o.get(), many.o.get(),
                              static_cast<size_t>(shape.B * shape.H * shape.Nq *
                                                  shape.D) *
                                  sizeof(float)),
                  0)
            << shape.ToString() << " " << mask.ToString() << " Bc=" << bc
            << " threads=" << threads << " stored as "
            << DTypeName(problem.storage);
      }
    }
  }
}

TEST_P(DecodeTest, BitwiseIdenticalAcrossThreadCounts) {
  // Long enough for several splits per group; groups of 4 rows (4 query
  // heads per kv head), 1 (one head: by the CPU's hint, on AVX3 as four
  // or without the interleave; both in OneRowUnderEveryPrefetchHint), 2
  // and 3 (run as four on AVX3 and AVX2: DecodeKernelRows).
  for (const Shape& shape :
       {Shape{1, 8, 2, 1, 5000, 40}, Shape{1, 8, 8, 1, 5000, 40},
        Shape{1, 8, 4, 1, 5000, 40}, Shape{1, 4, 4, 3, 5000, 40}}) {
    ExpectBitwiseIdenticalAcrossThreadCounts(shape);
  }
}

// For groups of four rows the prefetch hint (kernels/prefetch_hint.h)
// decides only where rows ahead are fetched to, and when (with T1, fp32
// rows on AVX3: at a step's start, FetchAheadAtStepStart): O is bitwise
// the same with T0 and T1, dense and sparse rules (a run's fetcher and a
// list's), fp32 and bf16 rows. (A group of one fp32 row runs through other
// kernels by the hint: OneRowUnderEveryPrefetchHint.)
TEST_P(DecodeTest, BitwiseIdenticalForEveryPrefetchHint) {
  const Shape shape{1, 8, 2, 1, 3000, 72};
  const PrefetchHint before = CurrentPrefetchHint();
  for (const Mask& mask : {Mask::Causal(), ParseMask("sparse_fixed:256:32")}) {
    for (DType storage : {DType::kF32, DType::kBF16}) {
      Problem problem{shape, mask, std::nullopt, 2};
      problem.storage = storage;
      ASSERT_TRUE(UsesDecodePath(problem));
      SetPrefetchHint(PrefetchHint::kT0);
      const AttentionData t0 = RunEngine(problem, 2, 0);
      SetPrefetchHint(PrefetchHint::kT1);
      const AttentionData t1 = RunEngine(problem, 2, 0);
      EXPECT_EQ(std::memcmp(t0.o.get(), t1.o.get(),
                            static_cast<size_t>(shape.B * shape.H * shape.Nq *
                                                shape.D) *
                                sizeof(float)),
                0)
          << mask.ToString() << " stored as " << DTypeName(storage);
    }
  }
  SetPrefetchHint(before);
}

// A group of one fp32 row (H = Hkv at Nq = 1) runs as four where the
// four-row kernels fetch at a step's start (the hint T1 on AVX3:
// DecodeKernelRows) and through the one-row kernels elsewhere: under
// either hint, whatever the CPU's own, O agrees with the oracle for every
// mask and is bitwise the same on 1, 2 and 3 threads.
TEST_P(DecodeTest, OneRowUnderEveryPrefetchHint) {
  const PrefetchHint before = CurrentPrefetchHint();
  for (PrefetchHint hint : {PrefetchHint::kT0, PrefetchHint::kT1}) {
    SetPrefetchHint(hint);
    for (int64_t nk : {17, 300}) {
      const Shape shape{2, 4, 4, 1, nk, 24};
      for (const Mask& mask : CheckMasks(shape)) {
        const Problem problem{shape, mask, std::nullopt, 2};
        ASSERT_TRUE(UsesDecodePath(problem)) << mask.ToString();
        for (size_t bc : {size_t{0}, size_t{5}}) ExpectAgrees(problem, bc);
      }
    }
    ExpectBitwiseIdenticalAcrossThreadCounts(Shape{1, 8, 8, 1, 5000, 40});
  }
  SetPrefetchHint(before);
}

TEST(PrefetchHintTest, NamesParseAndAutoIsTheCpuDefault) {
  EXPECT_EQ(ParsePrefetchHint("auto"), DefaultPrefetchHint());
  EXPECT_EQ(ParsePrefetchHint("t0"), PrefetchHint::kT0);
  EXPECT_EQ(ParsePrefetchHint("t1"), PrefetchHint::kT1);
  EXPECT_EQ(ParsePrefetchHint("t2"), std::nullopt);
  EXPECT_EQ(ParsePrefetchHint("T1"), std::nullopt);
  const PrefetchHint before = CurrentPrefetchHint();
  for (PrefetchHint hint : {PrefetchHint::kT0, PrefetchHint::kT1}) {
    SetPrefetchHint(hint);
    EXPECT_EQ(CurrentPrefetchHint(), hint);
    EXPECT_EQ(ParsePrefetchHint(PrefetchHintName(hint)), hint);
  }
  SetPrefetchHint(before);
}

// A NaN or Inf in V reaches exactly the rows that see its key, also where
// a chunk some rows see only in part follows chunks whose P V ran
// interleaved with the next chunk's scores (AVX3), and where it is the
// task's last: many chunks (Bc = 5, 16 and the default), three query
// positions whose windows differ at both ends.
void ExpectNonFiniteValuesReachOnlyTheRowsThatSeeThem(const Shape& shape) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  // Key 299 is seen by the last query position only, 248 by the first.
  const auto plant = [&](AttentionData& data) {
    data.v[299 * shape.D + 3] = nan;
    data.v[248 * shape.D + 7] = inf;
    data.v[260 * shape.D + 1] = -inf;  // seen by every row
  };
  for (const Mask& mask : {Mask::Window(50), Mask::Causal()}) {
    // (On the scalar fallback Nq = 3 takes the tile path: checked too.)
    const Problem problem{shape, mask, std::nullopt, 2};
    for (size_t bc : {size_t{0}, size_t{5}, size_t{16}}) {
      AttentionData data = RunEngine(problem, 2, bc, plant);
      const Agreement a = CompareWithOracle(problem, data.View(), {},
                                            RowsToCheck(problem, 1e12));
      EXPECT_TRUE(a.pass) << shape.ToString() << " " << mask.ToString()
                          << " Bc=" << bc << ": max abs err " << a.max_abs_err
                          << ", non-finite mismatches " << a.nonfinite_mismatch;
    }
  }
}

TEST_P(DecodeTest, NonFiniteValuesReachOnlyTheRowsThatSeeThem) {
  // Groups of 12 rows, 3 and 2 (run as four on AVX3 and AVX2, the padding
  // rows' outputs unused) and 1.
  for (const Shape& shape :
       {Shape{1, 4, 1, 3, 300, 24}, Shape{1, 2, 2, 3, 300, 24},
        Shape{1, 2, 1, 1, 300, 24}, Shape{1, 2, 2, 1, 300, 24}}) {
    ExpectNonFiniteValuesReachOnlyTheRowsThatSeeThem(shape);
  }
}

// Key j's weight in `keys` (0 where no segment holds it).
double WeightIn(const std::vector<KeySegment>& keys, int64_t j) {
  for (const KeySegment& k : keys) {
    if (k.begin <= j && j < k.end) return k.WeightAt(j);
  }
  return 0.0;
}

// The decode path takes the new tokens up to three quarters of a tile
// block (Br) on the target, and on AVX3 seven eighths (Br = 32, where the
// many-rows P V keeps up) and Br + 1 to Br plus half a block; half a block
// and a quarter of the second where the block would form bf16 scores with
// vdpbf16ps; a rule with parts, whenever Nq != Nk.
TEST_P(DecodeTest, TakesTheShapesWhoseBlockWouldHavePadding) {
  const int64_t br = static_cast<int64_t>(BlockedQueryRows());
  const bool saved = Bf16DotEnabled();
  for (bool native : {false, true}) {
    SetBf16DotEnabled(native);
    for (DType storage : kStorages) {
      Problem problem{{1, 8, 2, 1, 4096, 64}, Mask::Causal(), std::nullopt, 2};
      problem.storage = storage;
      const bool bf16_dot = BlockedFormsBf16Scores(problem);
      EXPECT_EQ(bf16_dot, native && storage == DType::kBF16 &&
                              Bf16DotEnabled() && br == 32);
      EXPECT_EQ(DecodeBlockEighths(), br == 32 ? 7u : 6u);
      EXPECT_EQ(DecodeSecondBlockEighths(), br == 32 ? 4u : 0u);
      // The most new tokens, by Br: AVX3 32, AVX2 24, SSE4/SSSE3 12,
      // scalar 2; and the second block's [second_from, second_to].
      int64_t most = br * 3 / 4;
      if (bf16_dot) {
        most = 16;
      } else if (br == 32) {
        most = 28;
      }
      const bool second = br == 32;
      const int64_t second_from = br + 1,
                    second_to = br + (bf16_dot ? br / 4 : br / 2);
      for (int64_t nq : {int64_t{1}, most, most + 1, br, br + 1, second_to,
                         second_to + 1, 2 * br, 4 * br}) {
        problem.shape.Nq = nq;
        const bool decodes =
            nq <= most || (second && nq >= second_from && nq <= second_to);
        EXPECT_EQ(UsesDecodePath(problem), decodes)
            << "Nq=" << nq << " Br=" << br << " " << DTypeName(storage);
      }
    }
  }
  SetBf16DotEnabled(saved);
  const Problem parts{
      {1, 4, 4, 200, 201, 16}, ParseMask("dilated:8:2"), std::nullopt, 1};
  EXPECT_TRUE(UsesDecodePath(parts));
  Problem prefill = parts;
  prefill.shape.Nq = prefill.shape.Nk;
  EXPECT_FALSE(UsesDecodePath(prefill));
}

// Each row's bounds are the rule's for its head and position (the plan
// asks once where every head sees the same), and a task's slice of a
// row's keys over the group's reach says what the rule itself says for
// the task's range: the same keys with the same weights, for every mask
// and ranges cut anywhere.
TEST(DecodePlanTest, SlicedKeysMatchTheRuleOnEveryRange) {
  const Shape shape{1, 4, 2, 3, 300, 8};
  for (const Mask& mask : CheckMasks(shape)) {
    const Problem problem{shape, mask, std::nullopt, 1};
    if (!UsesDecodePath(problem)) continue;
    const DecodePlan plan = PlanDecode(problem, 5);
    ASSERT_EQ(plan.key_list_of.size(), plan.all_rows.size());
    ASSERT_EQ(plan.all_rows.size(), plan.groups.size() * plan.rows);
    for (const DecodeGroup& group : plan.groups) {
      for (size_t r = 0; r < plan.rows; ++r) {
        const DecodeRow& row = plan.Row(group, r);
        const KeyRange bounds = mask.Rule().Bounds(row.h, row.p, shape.Nk);
        ASSERT_EQ(row.keys.begin, bounds.begin) << mask.ToString();
        ASSERT_EQ(row.keys.end, bounds.end) << mask.ToString();
        const std::span<const KeySegment> all = plan.KeysOf(group, r);
        for (int64_t lo = 0; lo < shape.Nk; lo += 37) {
          for (int64_t hi : {lo + 1, lo + 29, lo + 128, shape.Nk}) {
            hi = std::min(hi, shape.Nk);
            std::vector<KeySegment> sliced, asked;
            SliceKeys(all, lo, hi, sliced);
            RowKeysIn(mask.Rule(), plan.Row(group, r), lo, hi, asked);
            for (const KeySegment& k : sliced) {
              ASSERT_TRUE(lo <= k.begin && k.begin < k.end && k.end <= hi);
            }
            for (int64_t j = lo; j < hi; ++j) {
              ASSERT_EQ(WeightIn(sliced, j), WeightIn(asked, j))
                  << mask.ToString() << " row " << r << " [" << lo << ", " << hi
                  << ") key " << j;
            }
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, DecodeTest,
                         testing::ValuesIn(RunnableTargets()),
                         [](const testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace attnbench
