// The native bf16 scores of the blocked engine (kernels/bf16_scores.h) and
// of decode (kernels/bf16_decode_scores.h): the kernels against exact
// products summed in double, the packing of Q pairs, and the engine's bf16
// prefill and decode with and without vdpbf16ps against the oracle,
// bitwise identical for 1, 2 and 3 threads. The kernel tests skip on a CPU
// without AVX-512 BF16; the engine tests then run the widened path (which
// the switch must leave in place).
#include "kernels/bf16_scores.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "harness/check/agreement.h"
#include "harness/check/check_cases.h"
#include "harness/contract/mask.h"
#include "harness/contract/variant.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "kernels/bf16_decode_scores.h"
#include "kernels/bf16_dot_peak.h"
#include "kernels/half.h"
#include "kernels/prefetch_hint.h"
#include "kernels/target.h"
#include "variants/engine/blocked.h"
#include "variants/engine/decode.h"

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

// got = scale * q . k over dim bf16 pairs of exact products, within an fp32
// chain's rounding: dim * 2^-23 of the sum of |products| (with room for
// vdpbf16ps's pairing), scaled. `where` names the case.
void ExpectScaledDot(float got, const uint16_t* q, const uint16_t* k,
                     size_t dim, float scale, const std::string& where) {
  double exact = 0.0, magnitude = 0.0;
  for (size_t x = 0; x < dim; ++x) {
    const double p =
        static_cast<double>(FloatFromBf16Bits(q[x])) * FloatFromBf16Bits(k[x]);
    exact += p;
    magnitude += std::fabs(p);
  }
  const double bound =
      (static_cast<double>(dim) + 1) * 0x1.0p-23 * magnitude * scale;
  EXPECT_NEAR(got, exact * scale, bound) << where;
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
            // Padding rows (r >= n_rows) score 0.
            ExpectScaledDot(
                st[j * kBf16ScoreRows + r], q.data() + r * dim,
                k.data() + j * k_stride, r < n_rows ? dim : 0, scale,
                "dim " + std::to_string(dim) + " keys " +
                    std::to_string(n_keys) + " row " + std::to_string(r) +
                    " key " + std::to_string(j));
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

// Decode's bf16 scores (kernels/bf16_decode_scores.h): four rows by whole
// four-key steps (returned), each score within an fp32 chain's rounding of
// the exact products, scaled; rows ahead of every length fetched without
// fault (a prefetch does not read).
TEST(Bf16DecodeScores, KernelMatchesExactProductsWithinAnFp32ChainsRounding) {
  if (!HasBf16Dot()) GTEST_SKIP() << "this CPU has no AVX-512 BF16";
  const Bf16DotSwitch restore;
  SetBf16DotEnabled(true);
  const PrefetchHint hint = CurrentPrefetchHint();
  for (size_t dim : {32, 64, 128, 256}) {
    for (size_t n_keys : {3, 4, 9, 64}) {
      for (size_t n_ahead : {size_t{0}, size_t{6}, n_keys + 5}) {
        const size_t ld = n_keys + 3;
        const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
        const std::vector<uint16_t> q = RandomBf16(4 * (dim + 16), 9);
        const std::vector<uint16_t> k = RandomBf16((n_keys + 9) * dim, 10);
        // The kernel's rows: bf16 bits as stored (hwy::bfloat16_t).
        const auto bf16 = [](const uint16_t* p) {
          return reinterpret_cast<const hwy::bfloat16_t*>(p);
        };
        const hwy::bfloat16_t* rows[4];
        for (size_t r = 0; r < 4; ++r)
          rows[r] = bf16(q.data() + r * (dim + 16));
        // Keys out of order, as a sparse rule's list may be.
        std::vector<const hwy::bfloat16_t*> keys(n_keys), ahead(n_ahead);
        std::vector<const uint16_t*> key_bits(n_keys);
        for (size_t t = 0; t < n_keys; ++t) {
          key_bits[t] = k.data() + ((t * 5) % n_keys) * dim;
          keys[t] = bf16(key_bits[t]);
        }
        for (size_t t = 0; t < n_ahead; ++t) {
          ahead[t] = bf16(k.data() + (t % (n_keys + 9)) * dim);
        }
        std::vector<float> s(4 * ld, NAN);
        // Both hints' fetches (the kernel reads the process's hint).
        SetPrefetchHint(n_keys % 2 == 0 ? PrefetchHint::kT1
                                        : PrefetchHint::kT0);
        const size_t done =
            Bf16DecodeScores4x4(rows, dim, keys.data(), n_keys, scale, s.data(),
                                ld, ahead.data(), n_ahead);
        SetPrefetchHint(hint);
        ASSERT_EQ(done, n_keys / 4 * 4);
        for (size_t r = 0; r < 4; ++r) {
          for (size_t t = 0; t < ld; ++t) {
            if (t >= done) {
              EXPECT_TRUE(std::isnan(s[r * ld + t])) << "wrote key " << t;
              continue;
            }
            ExpectScaledDot(s[r * ld + t], q.data() + r * (dim + 16),
                            key_bits[t], dim, scale,
                            "dim " + std::to_string(dim) + " keys " +
                                std::to_string(n_keys) + " row " +
                                std::to_string(r) + " key " +
                                std::to_string(t));
          }
        }
      }
    }
  }
}

// The engine's bf16 decode, with vdpbf16ps (where the CPU has it and the
// best target is AVX3) and without: agreement with the oracle on the rounded
// inputs for every check mask, new tokens and heads whose rows come in
// whole fours (and, at Nq = 3 with 2 heads a group, not), keys not a
// multiple of 4 or of a chunk, and the same bits for 1, 2 and 3 threads,
// with chunks of 16 keys so that a group's keys split into several tasks
// (merged in a fixed order). took_path counts plans that choose the path;
// the shapes (4, 16, 6, 4 rows) stay below keys as lanes. Each run notes
// whether it took the path (Bf16DotUsed, a result row's `bf16_dot`): it
// must, exactly where the plan chose it on an AVX3 target.
TEST(Bf16DecodeScores, EngineDecodeAgreesWithAndWithoutTheDotProduct) {
  const Bf16DotSwitch restore;
  int took_path = 0, split = 0;
  for (bool native : {true, false}) {
    SetBf16DotEnabled(native);
    for (const auto& [h, hkv, nq, d] :
         {std::tuple<int64_t, int64_t, int64_t, int64_t>{8, 2, 1, 64},
          {8, 1, 2, 128},
          {4, 2, 3, 64},
          {4, 1, 1, 32}}) {
      const Shape shape{2, h, hkv, nq, 301, d};
      for (const Mask& mask : CheckMasks(shape)) {
        Problem problem{shape, mask, std::nullopt, 1};
        problem.storage = DType::kBF16;
        if (!UsesDecodePath(problem)) continue;
        const DecodePlan plan = PlanDecode(problem, 16);
        if (native && plan.bf16_dot) ++took_path;
        const bool takes_path =
            plan.bf16_dot && DispatchedTargetName().rfind("AVX3", 0) == 0;
        split += plan.tasks.size() > plan.groups.size();
        std::vector<float> first;
        for (int threads : {1, 2, 3}) {
          problem.threads = threads;
          AttentionData data = MakeInputs(shape, 5, Distribution::kNormal);
          RoundInputs(data, DType::kBF16);
          StoreHalf(data, DType::kBF16);
          ThreadArena arena(threads);
          ResetBf16DotUsed();
          arena.Execute(
              [&] { RunBlocked(problem, data.ViewAs(DType::kBF16), {16}); });
          EXPECT_EQ(Bf16DotUsed(), takes_path) << problem.ToString();
          const Agreement a = CompareWithOracle(problem, data.View(), {},
                                                RowsToCheck(problem, 1e12));
          EXPECT_TRUE(a.pass)
              << problem.ToString() << " native=" << native << ": max abs err "
              << a.max_abs_err << " > " << a.bound;
          std::vector<float> out(data.o.get(),
                                 data.o.get() + shape.QElements());
          if (first.empty()) {
            first = std::move(out);
          } else {
            EXPECT_EQ(0, std::memcmp(first.data(), out.data(),
                                     first.size() * sizeof(float)))
                << problem.ToString() << ": 1 and " << threads
                << " threads differ";
          }
        }
      }
    }
  }
  EXPECT_GT(split, 0) << "no group's keys split into tasks";
  if (HasBf16Dot()) {
    EXPECT_GT(took_path, 0) << "no problem took vdpbf16ps";
  }
}

}  // namespace
}  // namespace attnbench
