#include "harness/measure/measure_backward.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/check/agreement.h"
#include "harness/check/gradient_bound.h"
#include "harness/check/oracle_backward.h"
#include "harness/contract/workspace.h"
#include "harness/measure/execute.h"
#include "harness/measure/memory.h"
#include "kernels/target.h"

namespace attnbench {
namespace {

// A variant's declared gradient tolerance relative to the default: the
// factor on the oracle's derived bounds (1 for every built-in variant).
double BoundFactor(const Variant& variant) {
  return variant.GetTolerance().abs_bound / Tolerance{}.abs_bound;
}

// Folds one gradient's check into the row's agreement: the gradient
// furthest from its bound (largest ratio) speaks for the row.
void Fold(const GradientCheck& c, double& worst, Agreement& a) {
  a.nonfinite_out += c.nonfinite_out;
  a.nonfinite_mismatch += c.nonfinite_mismatch;
  a.pass = a.pass && c.Pass();
  if (c.ratio > worst) {
    worst = c.ratio;
    a.max_abs_err = c.abs_err;
    a.max_abs_ref = c.max_ref;
    a.bound = c.bound;
    a.rel_err = c.max_ref > 0.0 ? c.max_abs_err / c.max_ref : 0.0;
  }
}

// Beyond the oracle's budget: dQ of evenly spaced rows of every head
// against the oracle's (each row's own forward, O(Nk D)), and dK, dV through
// two identities that hold for every key/value head and column x, since
// each row's probabilities sum to 1 (or 0 for a row that sees no key):
//   sum_j dV[j, x] = sum of dO[p, x] over the group's rows that see a key
//   sum_j dK[j, x] = 0  (sum_j dS_pj = dO_p . o_p - D_p = 0)
// each within the bound times the sum of the magnitudes it adds up. The
// identities catch a lost or repeated tile, not every error of dK and dV.
std::optional<Agreement> SampledGradientCheck(const Variant& variant,
                                              const Problem& problem,
                                              const Tensors& view,
                                              const TrainingData& training,
                                              double oracle_budget) {
  const Shape& s = problem.shape;
  const std::vector<int64_t> rows = RowsToCheck(problem, oracle_budget / 3);
  std::vector<double> ref_bound;
  const std::vector<double> ref =
      OracleDqRows(problem, view, training.d_out.get(), rows, &ref_bound);
  const double tol = variant.GetTolerance().abs_bound;
  Agreement a;
  a.rows_total = s.B * s.H * s.Nq;
  a.rows_checked = static_cast<int64_t>(rows.size());
  a.pass = true;
  std::vector<float> got(ref.size());
  for (size_t n = 0; n < rows.size(); ++n) {
    std::copy_n(training.dq.get() + rows[n] * s.D, s.D,
                got.data() + n * static_cast<size_t>(s.D));
  }
  double worst = -1.0;
  Fold(CheckGradient(got.data(), ref, ref_bound, BoundFactor(variant)), worst,
       a);
  const MaskRule& rule = problem.mask.Rule();
  const int64_t group = s.H / s.Hkv;
  for (int64_t kv = 0; kv < s.B * s.Hkv; ++kv) {
    const int64_t b = kv / s.Hkv, kv_head = kv % s.Hkv;
    for (int64_t x = 0; x < s.D; ++x) {
      double dv_sum = 0.0, dv_mag = 0.0, dk_sum = 0.0, dk_mag = 0.0;
      for (int64_t j = 0; j < s.Nk; ++j) {
        const int64_t at = (kv * s.Nk + j) * s.D + x;
        dv_sum += training.dv[at];
        dv_mag += std::fabs(training.dv[at]);
        dk_sum += training.dk[at];
        dk_mag += std::fabs(training.dk[at]);
      }
      double expect = 0.0;
      for (int64_t h = kv_head * group; h < (kv_head + 1) * group; ++h) {
        for (int64_t i = 0; i < s.Nq; ++i) {
          if (rule.CountVisible(h, s.Nk - s.Nq + i, s.Nk) == 0) continue;
          expect += training.d_out[((b * s.H + h) * s.Nq + i) * s.D + x];
        }
      }
      for (const auto& [err, bound] :
           {std::pair{std::fabs(dv_sum - expect), tol * std::max(1.0, dv_mag)},
            std::pair{std::fabs(dk_sum), tol * std::max(1.0, dk_mag)}}) {
        if (!(err <= bound)) {
          a.pass = false;
          if (err / bound > worst) {
            worst = err / bound;
            a.max_abs_err = err;
            a.bound = bound;
          }
        }
      }
    }
  }
  return a;
}

}  // namespace

TrainingData::TrainingData(const Shape& s, bool with_dz)
    : d_out(hwy::AllocateAligned<float>(static_cast<size_t>(s.QElements()))),
      dq(hwy::AllocateAligned<float>(static_cast<size_t>(s.QElements()))),
      dk(hwy::AllocateAligned<float>(static_cast<size_t>(s.KVElements()))),
      dv(hwy::AllocateAligned<float>(static_cast<size_t>(s.KVElements()))),
      row_max(
          hwy::AllocateAligned<float>(static_cast<size_t>(s.B * s.H * s.Nq))),
      row_sum(
          hwy::AllocateAligned<float>(static_cast<size_t>(s.B * s.H * s.Nq))),
      dz(with_dz ? hwy::AllocateAligned<float>(static_cast<size_t>(s.H))
                 : nullptr) {}

Gradients TrainingData::View() const {
  return {d_out.get(),   dq.get(),      dk.get(), dv.get(),
          row_max.get(), row_sum.get(), dz.get()};
}

void FillGradOutput(TrainingData& training, const Shape& shape, uint64_t seed,
                    Distribution dist) {
  const AttentionData grad_out =
      MakeInputs(shape, GradOutputSeed(seed), dist);  // its Q is dO
  std::copy_n(grad_out.q.get(), shape.QElements(), training.d_out.get());
}

int64_t TrainingMemoryEstimate(const Variant& variant, const Problem& stored) {
  const Shape& s = stored.shape;
  return static_cast<int64_t>(variant.EstimateBackwardWorkspaceBytes(stored)) +
         3 * (s.QElements() + s.KVElements()) *
             static_cast<int64_t>(sizeof(float));
}

bool WantsSpanGradient(const Variant& variant, const Problem& problem) {
  return variant.ReturnsSpanGradient() &&
         problem.mask.Rule().SpanOf(0).has_value();
}

double BackwardOracleCost(const Problem& problem) {
  const Shape& s = problem.shape;
  return 6.0 * static_cast<double>(s.D) * static_cast<double>(s.B * s.H) *
         static_cast<double>(s.Nq) * static_cast<double>(s.Nk);
}

Measurement MeasureTraining(const Variant& variant, const Problem& problem,
                            const MeasureOptions& options, AttentionData& data,
                            TrainingData& training) {
  const std::string why = variant.WhyNoBackward(problem);
  if (!why.empty()) throw InvalidArgument(why);
  Measurement m;
  m.target = DispatchedTargetName();
  m.storage = DType::kF32;
  const Tensors view = data.View();
  const Gradients grads = training.View();
  m.tensor_bytes = data.Bytes(DType::kF32) * 2;  // inputs and gradients
  ThreadArena arena(problem.threads);
  WorkspaceMeter::ResetPeak();
  const size_t live_before = WorkspaceMeter::Live();
  const bool both = options.pass == Pass::kBoth;
  if (!both) {  // the forward that the timed backward follows, untimed
    arena.Execute([&] { variant.RunForwardForBackward(problem, view, grads); });
  }
  m.canary = ReadCanary();
  const CpuSample before = SampleCpu();
  m.timing = TimeRepeated(
      [&] {
        arena.Execute([&] {
          if (both) variant.RunForwardForBackward(problem, view, grads);
          variant.RunBackward(problem, view, grads);
        });
      },
      options.timing, std::function<void()>());
  m.interference = Between(before, SampleCpu());
  m.workspace_bytes = WorkspaceMeter::Peak() - live_before;
  m.peak_rss_bytes = PeakRssBytes();
  if (options.check) {
    m.agreement = CheckGradients(variant, problem, view, training, both,
                                 options.oracle_budget);
  }
  return m;
}

std::optional<Agreement> CheckGradients(
    const Variant& variant, const Problem& problem, const Tensors& view,
    const TrainingData& training, bool with_output, double oracle_budget) {
  if (BackwardOracleCost(problem) > oracle_budget) {
    return SampledGradientCheck(variant, problem, view, training,
                                oracle_budget);
  }
  const std::optional<SpanParameters> span =
      training.dz ? SpanParametersOf(problem.mask) : std::nullopt;
  const OracleGradients oracle = OracleBackward(
      problem, view, training.d_out.get(), span ? &*span : nullptr);
  // Each element within its derived bound; the gradient furthest from its
  // bound speaks for the row.
  Agreement a;
  a.rows_total = a.rows_checked =
      problem.shape.B * problem.shape.H * problem.shape.Nq;
  a.pass = true;
  double worst = -1.0;
  const Tolerance tol = variant.GetTolerance();
  const double factor = BoundFactor(variant);
  Fold(CheckGradient(training.dq.get(), oracle.dq, oracle.dq_bound, factor),
       worst, a);
  Fold(CheckGradient(training.dk.get(), oracle.dk, oracle.dk_bound, factor),
       worst, a);
  Fold(CheckGradient(training.dv.get(), oracle.dv, oracle.dv_bound, factor),
       worst, a);
  if (span) {
    Fold(CheckGradient(training.dz.get(), oracle.dz, oracle.dz_bound, factor),
         worst, a);
  }
  if (with_output) {  // and the forward's output
    const Agreement o = CompareWithOracle(problem, view, tol,
                                          RowsToCheck(problem, oracle_budget));
    a.pass = a.pass && o.pass;
    if (o.max_abs_err / o.bound > worst) {
      a.max_abs_err = o.max_abs_err;
      a.max_abs_ref = o.max_abs_ref;
      a.bound = o.bound;
      a.rel_err = o.rel_err;
    }
  }
  return a;
}

}  // namespace attnbench
