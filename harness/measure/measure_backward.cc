#include "harness/measure/measure_backward.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/check/agreement.h"
#include "harness/check/oracle_backward.h"
#include "harness/contract/workspace.h"
#include "harness/measure/execute.h"
#include "harness/measure/memory.h"
#include "kernels/target.h"

namespace attnbench {
namespace {

// One gradient against the oracle's: the default bound, max(1, max
// |oracle|) scaled (docs/semantics.md "Gradients").
struct GradientError {
  double abs_err = 0.0, max_ref = 0.0;
  int64_t nonfinite_mismatch = 0, nonfinite_out = 0;
};

GradientError CompareGradient(const float* got,
                              const std::vector<double>& oracle) {
  GradientError e;
  for (size_t i = 0; i < oracle.size(); ++i) {
    const bool finite_got = std::isfinite(got[i]);
    if (!finite_got) ++e.nonfinite_out;
    if (finite_got != std::isfinite(oracle[i])) {
      ++e.nonfinite_mismatch;
      continue;
    }
    if (!finite_got) continue;
    e.max_ref = std::max(e.max_ref, std::fabs(oracle[i]));
    e.abs_err = std::max(e.abs_err, std::fabs(got[i] - oracle[i]));
  }
  return e;
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
  const std::vector<double> ref =
      OracleDqRows(problem, view, training.d_out.get(), rows);
  const double tol = variant.GetTolerance().abs_bound;
  Agreement a;
  a.rows_total = s.B * s.H * s.Nq;
  a.rows_checked = static_cast<int64_t>(rows.size());
  std::vector<float> got(ref.size());
  for (size_t n = 0; n < rows.size(); ++n) {
    std::copy_n(training.dq.get() + rows[n] * s.D, s.D,
                got.data() + n * static_cast<size_t>(s.D));
  }
  const GradientError e = CompareGradient(got.data(), ref);
  a.max_abs_err = e.abs_err;
  a.max_abs_ref = e.max_ref;
  a.bound = tol * std::max(1.0, e.max_ref);
  a.rel_err = e.max_ref > 0.0 ? e.abs_err / e.max_ref : 0.0;
  a.nonfinite_out = e.nonfinite_out;
  a.nonfinite_mismatch = e.nonfinite_mismatch;
  a.pass = e.abs_err <= a.bound && e.nonfinite_mismatch == 0;
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
          if (err / bound > a.max_abs_err / a.bound) {
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
  // The gradient furthest from its bound speaks for the row.
  Agreement a;
  a.rows_total = a.rows_checked =
      problem.shape.B * problem.shape.H * problem.shape.Nq;
  a.pass = true;
  double worst = -1.0;
  const Tolerance tol = variant.GetTolerance();
  std::vector<std::pair<const float*, const std::vector<double>*>> grads = {
      {training.dq.get(), &oracle.dq},
      {training.dk.get(), &oracle.dk},
      {training.dv.get(), &oracle.dv}};
  if (span) grads.emplace_back(training.dz.get(), &oracle.dz);
  for (const auto& [got, ref] : grads) {
    const GradientError e = CompareGradient(got, *ref);
    const double bound = tol.abs_bound * std::max(1.0, e.max_ref);
    a.nonfinite_out += e.nonfinite_out;
    a.nonfinite_mismatch += e.nonfinite_mismatch;
    a.pass = a.pass && e.abs_err <= bound && e.nonfinite_mismatch == 0;
    if (e.abs_err / bound > worst) {
      worst = e.abs_err / bound;
      a.max_abs_err = e.abs_err;
      a.max_abs_ref = e.max_ref;
      a.bound = bound;
      a.rel_err = e.max_ref > 0.0 ? e.abs_err / e.max_ref : 0.0;
    }
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
