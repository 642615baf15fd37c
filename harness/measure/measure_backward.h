// Measuring a backward pass (`--pass backward|both`): dO generated like the
// inputs (or given), the gradients and the forward's saved statistics, the
// timed runs, and the agreement of dQ, dK, dV (and O, for both) with the
// fp64 oracle's gradients (harness/check/oracle_backward.h).
#ifndef ATTNBENCH_HARNESS_MEASURE_MEASURE_BACKWARD_H_
#define ATTNBENCH_HARNESS_MEASURE_MEASURE_BACKWARD_H_

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "harness/io/inputs.h"
#include "harness/measure/measure.h"

namespace attnbench {

// dO in, dQ, dK, dV out, and the forward's per-row statistics.
struct TrainingData {
  explicit TrainingData(const Shape& shape);
  hwy::AlignedFreeUniquePtr<float[]> d_out, dq, dk, dv, row_max, row_sum;
  Gradients View() const;
};

// The oracle's work for the gradients of a problem, in double
// multiply-adds (about three forwards'), against the oracle budget.
double BackwardOracleCost(const Problem& problem);

// Times options.pass (backward or both) of `variant` on fp32 `data`, with
// dO in training.d_out (filled by the caller). Checks against the oracle
// when options.check and BackwardOracleCost is within the budget (else the
// row says it was not checked). Throws InvalidArgument when the variant
// has no backward for this problem.
Measurement MeasureTraining(const Variant& variant, const Problem& problem,
                            const MeasureOptions& options, AttentionData& data,
                            TrainingData& training);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_MEASURE_BACKWARD_H_
