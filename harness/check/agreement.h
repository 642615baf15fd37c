// Agreement of a variant's output with the oracle (docs/semantics.md
// "Agreement").
#ifndef ATTNBENCH_HARNESS_CHECK_AGREEMENT_H_
#define ATTNBENCH_HARNESS_CHECK_AGREEMENT_H_

#include <cstdint>
#include <vector>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"

namespace attnbench {

struct Agreement {
  double max_abs_err = 0.0;  // max |out - oracle| over checked finite entries
  double max_abs_ref = 0.0;  // max |oracle| over checked rows
  double rel_err = 0.0;      // max_abs_err / max|oracle| (0 when oracle is 0)
  double bound = 0.0;        // tolerance * max(1, max|oracle|)
  int64_t rows_checked = 0;
  int64_t rows_total = 0;
  int64_t nonfinite_out = 0;       // NaN or Inf entries in the output
  int64_t nonfinite_mismatch = 0;  // finite in one of out/oracle, not other
  bool pass = false;
};

// Flat row indices (b * H + h) * Nq + i to compare. Every row when the
// oracle's cost (2 * D * B * H * Nq * Nk multiply-adds) is within
// `oracle_budget`; otherwise, per (b, h), evenly spaced rows that always
// include the first and the last query, as many as the budget allows.
std::vector<int64_t> RowsToCheck(const Problem& problem, double oracle_budget);

// Compares `out` rows against the oracle row by row.
Agreement CompareWithOracle(const Problem& problem, const Tensors& t,
                            const Tolerance& tolerance,
                            const std::vector<int64_t>& rows);

// Compares every row of `t.o` with `expected` (same layout as O) by the
// same metrics, for a reference from elsewhere (a framework's output).
Agreement CompareWithExpected(const Problem& problem, const Tensors& t,
                              const float* expected,
                              const Tolerance& tolerance);

// The oracle cost of checking every row, in double multiply-adds.
double FullOracleCost(const Problem& problem);

// The one default oracle budget (run, check, sweep, the benchmark
// families): 2e8 double multiply-adds, a fraction of a second of scalar
// arithmetic per configuration.
inline constexpr double kDefaultOracleBudget = 2e8;

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CHECK_AGREEMENT_H_
