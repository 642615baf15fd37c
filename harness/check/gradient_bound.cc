#include "harness/check/gradient_bound.h"

#include <algorithm>
#include <cmath>

namespace attnbench {

GradientCheck CheckGradient(const float* got, const std::vector<double>& oracle,
                            const std::vector<double>& bound, double factor) {
  constexpr double kFloor = 1e-30;
  GradientCheck c;
  c.ratio = -1.0;
  for (size_t i = 0; i < oracle.size(); ++i) {
    const bool finite_got = std::isfinite(got[i]);
    if (!finite_got) ++c.nonfinite_out;
    if (finite_got != std::isfinite(oracle[i])) {
      ++c.nonfinite_mismatch;
      continue;
    }
    if (!finite_got) continue;
    const double err = std::fabs(got[i] - oracle[i]);
    const double allowed = factor * bound[i] + kFloor;
    c.max_ref = std::max(c.max_ref, std::fabs(oracle[i]));
    c.max_abs_err = std::max(c.max_abs_err, err);
    if (err / allowed > c.ratio) {
      c.ratio = err / allowed;
      c.abs_err = err;
      c.bound = allowed;
    }
  }
  c.ratio = std::max(c.ratio, 0.0);
  return c;
}

}  // namespace attnbench
