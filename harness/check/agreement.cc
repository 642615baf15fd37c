#include "harness/check/agreement.h"

#include <algorithm>
#include <cmath>

#include "harness/check/oracle.h"

namespace attnbench {

double FullOracleCost(const Problem& problem) {
  const Shape& s = problem.shape;
  return 2.0 * static_cast<double>(s.D) * static_cast<double>(s.B) *
         static_cast<double>(s.H) * static_cast<double>(s.Nq) *
         static_cast<double>(s.Nk);
}

std::vector<int64_t> RowsToCheck(const Problem& problem, double oracle_budget) {
  const Shape& s = problem.shape;
  std::vector<int64_t> rows;
  const int64_t heads = s.B * s.H;
  if (FullOracleCost(problem) <= oracle_budget) {
    rows.resize(static_cast<size_t>(heads * s.Nq));
    for (size_t r = 0; r < rows.size(); ++r) rows[r] = static_cast<int64_t>(r);
    return rows;
  }
  const double per_row = 2.0 * static_cast<double>(s.D * s.Nk);
  const int64_t per_head = std::clamp<int64_t>(
      static_cast<int64_t>(oracle_budget / (per_row * heads)), 2, s.Nq);
  for (int64_t bh = 0; bh < heads; ++bh) {
    for (int64_t r = 0; r < per_head; ++r) {
      // Evenly spaced from the first query (r = 0) to the last.
      const int64_t i = per_head == 1 ? 0 : r * (s.Nq - 1) / (per_head - 1);
      rows.push_back(bh * s.Nq + i);
    }
  }
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

namespace {

// The comparison of docs/semantics.md "Agreement" over `rows`, the reference
// row written into ref[0, D) by reference(row, ref).
template <class ReferenceRow>
Agreement CompareRows(const Problem& problem, const Tensors& t,
                      const Tolerance& tolerance,
                      const std::vector<int64_t>& rows,
                      const ReferenceRow& reference) {
  const Shape& s = problem.shape;
  Agreement a;
  a.rows_total = s.B * s.H * s.Nq;
  std::vector<double> ref(static_cast<size_t>(s.D));
  for (int64_t row : rows) {
    reference(row, ref.data());
    const float* out = t.o + row * s.D;
    for (int64_t x = 0; x < s.D; ++x) {
      const bool out_finite = std::isfinite(out[x]);
      const bool ref_finite = std::isfinite(ref[x]);
      if (!out_finite) ++a.nonfinite_out;
      if (out_finite != ref_finite) ++a.nonfinite_mismatch;
      if (!out_finite || !ref_finite) continue;
      a.max_abs_ref = std::max(a.max_abs_ref, std::abs(ref[x]));
      a.max_abs_err = std::max(a.max_abs_err, std::abs(out[x] - ref[x]));
    }
    ++a.rows_checked;
  }
  a.rel_err = a.max_abs_ref > 0 ? a.max_abs_err / a.max_abs_ref : 0.0;
  a.bound = tolerance.abs_bound * std::max(1.0, a.max_abs_ref);
  a.pass = a.nonfinite_mismatch == 0 && a.max_abs_err <= a.bound;
  return a;
}

}  // namespace

Agreement CompareWithOracle(const Problem& problem, const Tensors& t,
                            const Tolerance& tolerance,
                            const std::vector<int64_t>& rows) {
  const Shape& s = problem.shape;
  return CompareRows(problem, t, tolerance, rows,
                     [&](int64_t row, double* ref) {
                       const int64_t i = row % s.Nq;
                       const int64_t h = (row / s.Nq) % s.H;
                       const int64_t b = row / (s.Nq * s.H);
                       OracleRow(problem, t, b, h, i, ref);
                     });
}

Agreement CompareWithExpected(const Problem& problem, const Tensors& t,
                              const float* expected,
                              const Tolerance& tolerance) {
  const Shape& s = problem.shape;
  std::vector<int64_t> rows(static_cast<size_t>(s.B * s.H * s.Nq));
  for (size_t r = 0; r < rows.size(); ++r) rows[r] = static_cast<int64_t>(r);
  return CompareRows(problem, t, tolerance, rows,
                     [&](int64_t row, double* ref) {
                       for (int64_t x = 0; x < s.D; ++x) {
                         ref[x] = expected[row * s.D + x];
                       }
                     });
}

}  // namespace attnbench
