// Measuring a backward pass (`--pass backward|both`): dO generated like the
// inputs (or given), the gradients and the forward's saved statistics, the
// timed runs, and the agreement of dQ, dK, dV (and O, for both) with the
// fp64 oracle's gradients (harness/check/oracle_backward.h).
#ifndef ATTNBENCH_HARNESS_MEASURE_MEASURE_BACKWARD_H_
#define ATTNBENCH_HARNESS_MEASURE_MEASURE_BACKWARD_H_

#include <optional>

#include "harness/check/agreement.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "harness/io/inputs.h"
#include "harness/measure/measure.h"

namespace attnbench {

// dO in, dQ, dK, dV out, the forward's per-row statistics, and dz [H]
// (a learnable span, for a variant that returns it).
struct TrainingData {
  TrainingData(const Shape& shape, bool with_dz = false);
  hwy::AlignedFreeUniquePtr<float[]> d_out, dq, dk, dv, row_max, row_sum, dz;
  Gradients View() const;
};

// dO generated like Q from the seed's own stream (GradOutputSeed), into
// training.d_out.
void FillGradOutput(TrainingData& training, const Shape& shape, uint64_t seed,
                    Distribution dist);

// The scratch bytes beyond the inputs that measuring a backward pass takes:
// the variant's estimate, the gradients and dO, and dO's generation.
int64_t TrainingMemoryEstimate(const Variant& variant, const Problem& stored);

// Whether `variant` returns dz for this problem's mask.
bool WantsSpanGradient(const Variant& variant, const Problem& problem);

// The oracle's work for the gradients of a problem, in double
// multiply-adds (about three forwards'), against the oracle budget.
double BackwardOracleCost(const Problem& problem);

// dQ, dK, dV (and dz) in `training` (and O in view.o when with_output)
// against the fp64 oracle's gradients, each element within the oracle's
// derived bound (docs/semantics.md "Gradient error bound"); the element
// furthest from its bound speaks for the result. When
// BackwardOracleCost exceeds `oracle_budget`: dQ of a sample of rows and
// two identities of dK and dV (measure_backward.cc says which), and
// rows_checked says how many rows.
std::optional<Agreement> CheckGradients(const Variant& variant,
                                        const Problem& problem,
                                        const Tensors& view,
                                        const TrainingData& training,
                                        bool with_output, double oracle_budget);

// Times options.pass (backward or both) of `variant` on fp32 `data`, with
// dO in training.d_out (filled by the caller), and checks the gradients
// (CheckGradients) when options.check. Throws InvalidArgument when the variant
// has no backward for this problem.
Measurement MeasureTraining(const Variant& variant, const Problem& problem,
                            const MeasureOptions& options, AttentionData& data,
                            TrainingData& training);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_MEASURE_BACKWARD_H_
