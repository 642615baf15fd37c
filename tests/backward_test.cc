// The backward pass of every variant that has one, on every compiled
// Highway target: dQ, dK, dV against the oracle's gradients
// (harness/check/oracle_backward.h) for masks of every family, with
// grouped-query heads, prefill and decode shapes; the same bits for 1, 2
// and 3 threads; scratch within the variant's estimate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "harness/check/gradient_bound.h"
#include "harness/check/oracle_backward.h"
#include "harness/contract/mask.h"
#include "harness/contract/variant.h"
#include "harness/contract/workspace.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "hwy/aligned_allocator.h"
#include "tests/variant_params.h"

namespace attnbench {
namespace {

// Each element within the oracle's derived bound (harness/check/
// oracle_backward.h; docs/semantics.md "Gradient error bound"). The largest
// ratio of error to bound seen in this suite is printed once at the end, so
// that a bound grown vacuous shows.
double largest_ratio = 0.0;

struct GradientData {
  explicit GradientData(const Shape& s)
      : dq(hwy::AllocateAligned<float>(static_cast<size_t>(s.QElements()))),
        dk(hwy::AllocateAligned<float>(static_cast<size_t>(s.KVElements()))),
        dv(hwy::AllocateAligned<float>(static_cast<size_t>(s.KVElements()))) {}
  hwy::AlignedFreeUniquePtr<float[]> dq, dk, dv;
};

void ExpectWithinBound(const float* got, const std::vector<double>& oracle,
                       const std::vector<double>& bound,
                       const std::string& what) {
  const GradientCheck c = CheckGradient(got, oracle, bound);
  EXPECT_TRUE(c.Pass()) << what << ": error " << c.abs_err << " against bound "
                        << c.bound << " (ratio " << c.ratio << ")";
  largest_ratio = std::max(largest_ratio, c.ratio);
}

// Every compiled target x every variant that has a backward pass.
std::vector<TargetVariant> TargetsAndBackwardVariants() {
  std::vector<TargetVariant> params;
  for (const TargetVariant& p : AllTargetsAndVariants()) {
    if (Registry::Get().Find(std::get<1>(p))->HasBackward()) {
      params.push_back(p);
    }
  }
  return params;
}

class BackwardTest : public TargetVariantTest {};

TEST_P(BackwardTest, AgreesWithTheOracleAndIsDeterministic) {
  ASSERT_TRUE(variant_->HasBackward());
  const Shape shapes[] = {
      {2, 4, 2, 37, 37, 19}, {1, 4, 1, 3, 41, 16}, {1, 2, 1, 290, 290, 72}};
  for (const Shape& s : shapes) {
    for (const std::string text :
         {"none", "causal", "window:5", "span:4:3", "span:1.5,0,7.25,30:2.5",
          "alibi", "document:7,9", "dilated:3:2", "sparse_strided:4"}) {
      const Mask mask = ParseMask(text);
      if (!variant_->RunsMaskKind(mask.kind)) continue;
      if (text.find(',') != std::string::npos && text.rfind("span", 0) == 0 &&
          s.H != 4) {
        continue;  // a span per head: only for H = 4
      }
      if (!variant_->WhyNoBackward({s, mask, std::nullopt, 1}).empty()) {
        continue;  // refused by name (tested below)
      }
      const AttentionData in = MakeInputs(s, 11);
      const AttentionData d_out = MakeInputs(s, 12);  // its q is dO
      const std::string what =
          text + " " + std::to_string(s.Nq) + "x" + std::to_string(s.Nk);
      std::vector<float> first;
      for (int threads : {1, 2, 3}) {
        const Problem problem{s, mask, std::nullopt, threads};
        GradientData g(s);
        std::vector<float> row_max(static_cast<size_t>(s.B * s.H * s.Nq));
        std::vector<float> row_sum(row_max.size());
        // dz for a learnable span, where the variant returns it.
        const bool with_dz = mask.Rule().SpanOf(0).has_value() &&
                             variant_->ReturnsSpanGradient();
        std::vector<float> dz(static_cast<size_t>(s.H), 0.0f);
        const Gradients grads{d_out.q.get(),
                              g.dq.get(),
                              g.dk.get(),
                              g.dv.get(),
                              row_max.data(),
                              row_sum.data(),
                              with_dz ? dz.data() : nullptr};
        WorkspaceMeter::ResetPeak();
        const size_t live = WorkspaceMeter::Live();
        ThreadArena(threads).Execute([&] {
          variant_->RunForwardForBackward(problem, in.View(), grads);
          variant_->RunBackward(problem, in.View(), grads);
        });
        EXPECT_LE(WorkspaceMeter::Peak() - live,
                  variant_->EstimateBackwardWorkspaceBytes(problem))
            << what;
        std::vector<float> all(g.dq.get(), g.dq.get() + s.QElements());
        all.insert(all.end(), g.dk.get(), g.dk.get() + s.KVElements());
        all.insert(all.end(), g.dv.get(), g.dv.get() + s.KVElements());
        all.insert(all.end(), dz.begin(), dz.end());
        if (threads == 1) {
          const std::optional<SpanParameters> span = SpanParametersOf(mask);
          const OracleGradients oracle = OracleBackward(
              problem, in.View(), d_out.q.get(), span ? &*span : nullptr);
          ExpectWithinBound(g.dq.get(), oracle.dq, oracle.dq_bound,
                            "dQ " + what);
          ExpectWithinBound(g.dk.get(), oracle.dk, oracle.dk_bound,
                            "dK " + what);
          ExpectWithinBound(g.dv.get(), oracle.dv, oracle.dv_bound,
                            "dV " + what);
          if (with_dz) {
            ExpectWithinBound(dz.data(), oracle.dz, oracle.dz_bound,
                              "dz " + what);
          }
          first = all;
        } else {
          EXPECT_EQ(0, std::memcmp(all.data(), first.data(),
                                   all.size() * sizeof(float)))
              << what << ": " << threads << " threads differ from 1";
        }
      }
    }
  }
  std::printf(
      "largest error / derived bound over this variant's gradients: %.3g\n",
      largest_ratio);
}

// A variant without a backward pass, and a problem a backward does not
// run, are refused in one line that says why.
class ForwardOnly final : public Variant {
 public:
  std::string_view Name() const override { return "forward_only"; }
  std::string_view Summary() const override { return "test"; }
  std::vector<std::string> SupportedMasks() const override {
    return {"causal"};
  }
  size_t EstimateWorkspaceBytes(const Problem&) const override { return 0; }
  void Run(const Problem&, const Tensors&) const override {}
};

void ExpectRefused(const Variant& v, const Problem& problem,
                   const std::string& reason) {
  EXPECT_NE(v.WhyNoBackward(problem).find(reason), std::string::npos)
      << v.WhyNoBackward(problem);
  try {
    v.RunBackward(problem, {}, {});
    ADD_FAILURE() << v.Name() << ": no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos)
        << e.what();
  }
}

TEST(Backward, RefusalsSayWhy) {
  const Shape s{1, 1, 1, 4, 4, 4};
  ExpectRefused(ForwardOnly(), {s, Mask::Causal(), std::nullopt, 1},
                "forward_only has no backward pass");
  const Variant* flash = Registry::Get().Find("flash");
  ASSERT_NE(flash, nullptr);
  Problem half{s, Mask::Causal(), std::nullopt, 1};
  half.storage = DType::kBF16;
  ExpectRefused(*flash, half, "fp32 inputs only");
  const Variant* dilated = Registry::Get().Find("dilated");
  ASSERT_NE(dilated, nullptr);
  const Shape decode{1, 1, 1, 2, 4, 4};
  ExpectRefused(*dilated, {decode, ParseMask("dilated:3:2"), std::nullopt, 1},
                "for Nq = Nk only");
}

INSTANTIATE_TEST_SUITE_P(AllTargets, BackwardTest,
                         testing::ValuesIn(TargetsAndBackwardVariants()),
                         TargetVariantName);

}  // namespace
}  // namespace attnbench
