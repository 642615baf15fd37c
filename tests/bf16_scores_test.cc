// The native bf16 scores of the blocked engine (kernels/bf16_scores.h):
// the kernel against exact products summed in double, the packing of Q
// pairs, and the engine's bf16 prefill with and without vdpbf16ps against
// the oracle, bitwise identical for 1, 2 and 3 threads. The kernel tests
// skip on a CPU without AVX-512 BF16; the engine tests then run the
// widened path (which the switch must leave in place).
#include "kernels/bf16_scores.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "harness/check/agreement.h"
#include "harness/contract/mask.h"
#include "harness/contract/variant.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "kernels/bf16_dot_peak.h"
#include "kernels/half.h"
#include "kernels/target.h"

namespace attnbench {
namespace {

// Restores the process-wide switch after a test.
class Bf16DotSwitch {
 public:
  Bf16DotSwitch() : saved_(Bf16DotEnabled()) {}
  ~Bf16DotSwitch() { SetBf16DotEnabled(saved_); }

 private:
  bool saved_;
};

std::vector<uint16_t> RandomBf16(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<uint16_t> bits(n);
  for (uint16_t& b : bits) b = Bf16BitsOf(dist(rng));
  return bits;
}

TEST(Bf16Scores, SwitchCannotEnableWhatTheCpuLacks) {
  const Bf16DotSwitch restore;
  SetBf16DotEnabled(true);
  EXPECT_EQ(Bf16DotEnabled(), HasBf16Dot());
  SetBf16DotEnabled(false);
  EXPECT_FALSE(Bf16DotEnabled());
}

TEST(Bf16Scores, PacksQueryPairsRowsAsLanesWithZeroPadding) {
  constexpr size_t kDim = 6, kStride = 9, kRows = 5;
  std::vector<uint16_t> q(kRows * kStride);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<uint16_t>(i + 1);
  std::vector<uint32_t> qp(kDim / 2 * kBf16ScoreRows, 0xDEADBEEF);
  PackBf16QueryPairs(q.data(), kDim, kStride, kRows, qp.data());
  for (size_t x = 0; x < kDim; x += 2) {
    for (size_t r = 0; r < kBf16ScoreRows; ++r) {
      const uint32_t want =
          r < kRows
              ? q[r * kStride + x] | (uint32_t{q[r * kStride + x + 1]} << 16)
              : 0;
      EXPECT_EQ(qp[x / 2 * kBf16ScoreRows + r], want) << x << " " << r;
    }
  }
}

// Each score is a sum of dim exact products (a product of two bf16 values
// is exact in fp32) rounded dim times, then scaled: within dim * 2^-23 of
// the sum of |products| (an fp32 FMA chain's bound, with room for
// vdpbf16ps's pairing).
TEST(Bf16Scores, KernelMatchesExactProductsWithinAnFp32ChainsRounding) {
  if (!HasBf16Dot()) GTEST_SKIP() << "this CPU has no AVX-512 BF16";
  const Bf16DotSwitch restore;
  SetBf16DotEnabled(true);
  for (size_t dim : {2, 8, 64, 72, 128, 256}) {
    for (size_t n_keys : {1, 7, 8, 9, 31, 64}) {
      for (size_t n_rows : {1, 17, 32}) {
        const size_t k_stride = dim + 6;
        const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
        const std::vector<uint16_t> q = RandomBf16(n_rows * dim, 7);
        const std::vector<uint16_t> k = RandomBf16(n_keys * k_stride, 8);
        std::vector<uint32_t> qp(dim / 2 * kBf16ScoreRows);
        PackBf16QueryPairs(q.data(), dim, dim, n_rows, qp.data());
        std::vector<float> st(n_keys * kBf16ScoreRows, NAN);
        Bf16ScoresTile(qp.data(), dim, k.data(), k_stride, n_keys, scale,
                       st.data());
        for (size_t j = 0; j < n_keys; ++j) {
          for (size_t r = 0; r < kBf16ScoreRows; ++r) {
            double exact = 0.0, magnitude = 0.0;
            for (size_t x = 0; r < n_rows && x < dim; ++x) {
              const double p =
                  static_cast<double>(FloatFromBf16Bits(q[r * dim + x])) *
                  FloatFromBf16Bits(k[j * k_stride + x]);
              exact += p;
              magnitude += std::fabs(p);
            }
            const double bound =
                (static_cast<double>(dim) + 1) * 0x1.0p-23 * magnitude * scale;
            EXPECT_NEAR(st[j * kBf16ScoreRows + r], exact * scale, bound)
                << "dim " << dim << " keys " << n_keys << " row " << r
                << " key " << j;
          }
        }
      }
    }
  }
}

// The engine on bf16 inputs, with vdpbf16ps (where the CPU has it and the
// best target is AVX3) and without: agreement with the oracle on the rounded
// inputs, and the same bits for 1, 2 and 3 threads.
TEST(Bf16Scores, EnginePrefillAgreesWithAndWithoutTheDotProduct) {
  const Bf16DotSwitch restore;
  struct Case {
    const char* variant;
    const char* mask;
    int64_t d;
  };
  const Case cases[] = {{"flash", "causal", 64},
                        {"flash", "none", 72},
                        {"flash", "causal", 2},
                        {"flash", "causal", 33},  // odd D
                        {"sliding_window", "window:50", 128},
                        {"adaptive_span", "span:40:16", 64},
                        {"alibi", "alibi", 64},
                        {"document", "document:70", 64},
                        {"global_window", "global_window:4:30", 64}};
  for (bool native : {true, false}) {
    SetBf16DotEnabled(native);
    for (const Case& c : cases) {
      const Variant* variant = Registry::Get().Find(c.variant);
      ASSERT_NE(variant, nullptr) << c.variant;
      const Shape shape{2, 4, 2, 171, 171, c.d};
      std::vector<float> first;
      for (int threads : {1, 2, 3}) {
        const Problem problem = StoredProblem(
            *variant, Problem{shape, ParseMask(c.mask), std::nullopt, threads},
            DType::kBF16);
        AttentionData data = MakeInputs(shape, 5, Distribution::kNormal);
        RoundInputs(data, DType::kBF16);
        StoreHalf(data, problem.storage);
        RunVariant(*variant, problem, data.ViewAs(problem.storage));
        const Agreement a =
            CompareWithOracle(problem, data.View(), variant->GetTolerance(),
                              RowsToCheck(problem, kDefaultOracleBudget));
        EXPECT_TRUE(a.pass) << c.variant << " " << c.mask << " D=" << c.d
                            << " native=" << native << ": max abs err "
                            << a.max_abs_err << " > " << a.bound;
        std::vector<float> out(data.o.get(), data.o.get() + shape.QElements());
        if (first.empty()) {
          first = std::move(out);
        } else {
          EXPECT_EQ(0, std::memcmp(first.data(), out.data(),
                                   first.size() * sizeof(float)))
              << c.variant << " " << c.mask << " D=" << c.d << ": 1 and "
              << threads << " threads differ";
        }
      }
    }
  }
}

}  // namespace
}  // namespace attnbench
