// Property test: random shapes, masks and seeds, every variant against the
// oracle, cycling through every compiled Highway target. Reproducible: the
// cases come from a fixed seed (ATTNBENCH_PROPERTY_SEED overrides it) and a
// failure prints the case. Bounded: sizes stay small (Nk <= 160, D <= 80).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "harness/check/agreement.h"
#include "harness/contract/variant.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "hwy/targets.h"
#include "kernels/target.h"

namespace attnbench {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t Int(int64_t lo, int64_t hi) {  // in [lo, hi]
    return lo +
           static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  double Real(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(Next() >> 11) * 0x1.0p-53;
  }

 private:
  uint64_t state_;
};

Mask RandomMask(Rng& rng, const Shape& s) {
  switch (rng.Int(0, 3)) {
    case 0:
      return Mask::None();
    case 1:
      return Mask::Causal();
    case 2:
      return Mask::Window(rng.Int(1, s.Nk + 10));
    default: {
      const double ramp = rng.Int(0, 1) ? rng.Real(0.25, 40.0)
                                        : static_cast<double>(rng.Int(1, 40));
      std::vector<double> spans;
      const int64_t count = rng.Int(0, 1) ? 1 : s.H;
      for (int64_t h = 0; h < count; ++h) {
        spans.push_back(rng.Int(0, 1) ? rng.Real(0.0, s.Nk * 1.2)
                                      : static_cast<double>(rng.Int(0, s.Nk)));
      }
      return Mask::Span(spans, ramp);
    }
  }
}

TEST(Property, RandomProblemsAgreeWithTheOracle) {
  const char* env = std::getenv("ATTNBENCH_PROPERTY_SEED");
  const uint64_t seed = env ? std::strtoull(env, nullptr, 10) : 20261125;
  Rng rng(seed);
  const std::vector<int64_t> targets = RunnableTargets();
  constexpr int kCases = 300;
  int runs = 0;
  for (int c = 0; c < kCases; ++c) {
    Shape s;
    s.B = rng.Int(1, 2);
    s.Hkv = rng.Int(1, 3);
    s.H = s.Hkv * rng.Int(1, 3);
    s.Nk = rng.Int(1, 160);
    s.Nq = rng.Int(0, 2) ? s.Nk : rng.Int(1, s.Nk);
    s.D = rng.Int(1, 80);
    const Mask mask = RandomMask(rng, s);
    const int threads = static_cast<int>(rng.Int(1, 3));
    const uint64_t input_seed = rng.Next();
    const int64_t target = targets[c % targets.size()];
    hwy::SetSupportedTargetsForTest(target);
    for (const Variant* v : Registry::Get().All()) {
      const Problem problem{s, mask, std::nullopt, threads};
      if (!v->WhyUnsupported(problem).empty()) continue;
      AttentionData data = MakeInputs(s, input_seed);
      RunVariant(*v, problem, data.View());
      const Agreement a = CompareWithOracle(
          problem, data.View(), v->GetTolerance(), RowsToCheck(problem, 1e12));
      ++runs;
      EXPECT_TRUE(a.pass) << "case " << c
                          << " (ATTNBENCH_PROPERTY_SEED=" << seed
                          << "): " << v->Name() << " on "
                          << hwy::TargetName(target) << ", "
                          << problem.ToString() << ", input seed " << input_seed
                          << ": max abs err " << a.max_abs_err << " > "
                          << a.bound << ", " << a.nonfinite_mismatch
                          << " non-finite mismatches";
    }
    hwy::SetSupportedTargetsForTest(0);
  }
  std::printf("property: %d variant runs over %d random cases, seed %llu\n",
              runs, kCases, static_cast<unsigned long long>(seed));
  EXPECT_GT(runs, kCases);
}

}  // namespace
}  // namespace attnbench
