// One gradient of a variant against the oracle's, element by element
// within the oracle's derived bound (harness/check/oracle_backward.h,
// docs/semantics.md "Gradient error bound").
#ifndef ATTNBENCH_HARNESS_CHECK_GRADIENT_BOUND_H_
#define ATTNBENCH_HARNESS_CHECK_GRADIENT_BOUND_H_

#include <cstdint>
#include <vector>

namespace attnbench {

struct GradientCheck {
  double ratio = 0.0;    // max over elements of |got - oracle| / bound
  double abs_err = 0.0;  // |got - oracle| at that element
  double bound = 0.0;    // that element's bound
  double max_abs_err = 0.0, max_ref = 0.0;  // over all elements
  int64_t nonfinite_out = 0, nonfinite_mismatch = 0;
  bool Pass() const { return ratio <= 1.0 && nonfinite_mismatch == 0; }
};

// got[i] against oracle[i] within factor * bound[i] (factor: a variant's
// declared tolerance over the default, 1 for every built-in variant), plus
// 1e-30 so that an element whose every term is zero may be zero. An entry
// finite in one of got and oracle but not the other is a mismatch.
GradientCheck CheckGradient(const float* got, const std::vector<double>& oracle,
                            const std::vector<double>& bound,
                            double factor = 1.0);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CHECK_GRADIENT_BOUND_H_
