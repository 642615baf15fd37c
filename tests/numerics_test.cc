// Numerical edge cases for every registered variant on every compiled
// Highway target, against the oracle: logits of magnitude 1e3 and more, and
// NaN or Inf planted in Q, K or V. Non-finite values must reach exactly the
// entries where the oracle's formula gives them (CompareWithOracle counts
// any difference in finiteness as a failure) and never crash or hang.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "harness/check/agreement.h"
#include "harness/check/check_cases.h"
#include "harness/contract/variant.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "hwy/targets.h"
#include "kernels/target.h"
#include "tests/variant_params.h"

namespace attnbench {
namespace {

class NumericsTest : public TargetVariantTest {
 protected:
  // Runs every supported mask of CheckMasks on `data` and expects agreement
  // within the variant's bound (or `bound` when not 0); returns how many ran.
  int ExpectAgreement(const Shape& s, const std::optional<double>& scale,
                      AttentionData& data, const std::string& what,
                      double bound = 0.0) {
    int ran = 0;
    for (const Mask& mask : CheckMasks(s)) {
      const Problem problem{s, mask, scale, 2};
      if (!variant_->WhyUnsupported(problem).empty()) continue;
      std::fill(data.o.get(), data.o.get() + s.QElements(), -1.0f);
      RunVariant(*variant_, problem, data.View());
      Tolerance tolerance = variant_->GetTolerance();
      if (bound != 0.0) tolerance.abs_bound = bound;
      const Agreement a = CompareWithOracle(problem, data.View(), tolerance,
                                            RowsToCheck(problem, 1e12));
      EXPECT_TRUE(a.pass) << what << " " << problem.ToString()
                          << ": max abs err " << a.max_abs_err << " (bound "
                          << a.bound << "), " << a.nonfinite_mismatch
                          << " entries finite in one of output/oracle only";
      ++ran;
    }
    return ran;
  }
};

TEST_P(NumericsTest, HugeLogitsStayFiniteAndAgree) {
  const Shape s{1, 2, 1, 70, 70, 48};
  for (double factor : {100.0, 1000.0}) {
    // scale = factor / sqrt(D): logits up to about 7e2 and 7e3.
    AttentionData data = MakeInputs(s, 5);
    const double scale = factor / std::sqrt(static_cast<double>(s.D));
    // Scores carry fp32 rounding of about eps * scale * sum_d |q_d k_d| <=
    // eps * scale * D, and the output moves by up to that much times
    // max|v| <= 1. Up to logits of a few hundred the default bound holds;
    // beyond, the bound follows that conditioning (8 eps scale D).
    const double bound = factor <= 100.0 ? 0.0 : 8 * 0x1.0p-24 * scale * s.D;
    EXPECT_GT(ExpectAgreement(s, scale, data,
                              "scale x" + std::to_string(factor), bound),
              0);
    for (int64_t x = 0; x < s.QElements(); ++x) {
      ASSERT_TRUE(std::isfinite(data.o[x]));
    }
  }
}

TEST_P(NumericsTest, NonFiniteInputsReachExactlyTheAffectedEntries) {
  // Nq < Nk, and Nq = Nk (for variants that need it).
  // Nq < Nk, and Nq = Nk (for variants that need it); the decode path
  // (Nq = 2, 4 query heads on 2 K/V heads) has its own case below.
  const Shape shapes[] = {{1, 2, 1, 60, 80, 20}, {1, 2, 1, 80, 80, 20}};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  // (tensor, key/query row, column, value): one planted value per case.
  struct Plant {
    char tensor;
    int64_t row, col;
    float value;
  };
  const Plant plants[] = {
      {'q', 7, 3, nan},  {'q', 50, 0, inf},  {'k', 30, 5, nan},
      {'k', 61, 2, inf}, {'k', 45, 1, -inf}, {'v', 40, 4, nan},
      {'v', 70, 9, inf}, {'v', 3, 0, -inf},  {'v', 79, 19, nan}};
  int ran = 0;
  for (const Shape& s : shapes) {
    for (const Plant& plant : plants) {
      AttentionData data = MakeInputs(s, 6);
      float* base = plant.tensor == 'q'   ? data.q.get()
                    : plant.tensor == 'k' ? data.k.get()
                                          : data.v.get();
      base[plant.row * s.D + plant.col] = plant.value;  // head 0
      const std::string what = std::string(1, plant.tensor) + "[" +
                               std::to_string(plant.row) + "][" +
                               std::to_string(plant.col) +
                               "] = " + std::to_string(plant.value);
      ran += ExpectAgreement(s, std::nullopt, data, what);
    }
  }
  EXPECT_GT(ran, 0) << "no mask of this variant ran";
}

TEST_P(NumericsTest, NonFiniteInputsInDecodeReachExactlyTheAffectedEntries) {
  const Shape s{1, 4, 2, 2, 90, 20};  // decode on targets with Br >= 4
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  struct Plant {
    char tensor;
    int64_t row, col;  // row of head 0's Q, or of K/V head 0
    float value;
  };
  const Plant plants[] = {{'q', 1, 3, nan},   {'k', 30, 5, nan},
                          {'k', 85, 2, inf},  {'v', 40, 4, nan},
                          {'v', 89, 19, inf}, {'v', 3, 0, -inf}};
  int ran = 0;
  for (const Plant& plant : plants) {
    AttentionData data = MakeInputs(s, 8);
    float* base = plant.tensor == 'q'   ? data.q.get()
                  : plant.tensor == 'k' ? data.k.get()
                                        : data.v.get();
    base[plant.row * s.D + plant.col] = plant.value;
    ran += ExpectAgreement(s, std::nullopt, data,
                           std::string(1, plant.tensor) + " decode plant");
  }
  EXPECT_GT(ran, 0) << "no mask of this variant ran";
}

INSTANTIATE_TEST_SUITE_P(AllTargets, NumericsTest,
                         testing::ValuesIn(AllTargetsAndVariants()),
                         TargetVariantName);

}  // namespace
}  // namespace attnbench
