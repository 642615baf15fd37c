// The table printed at the end of a sweep, from the stored rows: per family
// (variant, mask, D, threads) the effective GFLOP/s and pct_peak at each N,
// the fitted scaling exponent of time in N, and the speed-up over a baseline
// variant.
#ifndef ATTNBENCH_HARNESS_SWEEP_SUMMARY_H_
#define ATTNBENCH_HARNESS_SWEEP_SUMMARY_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace attnbench::sweep {

// Least-squares slope of log(y) on log(x); NaN with fewer than 2 points.
double FitExponent(const std::vector<double>& x, const std::vector<double>& y);

// `baseline`: the variant whose time on the same (mask, D, threads, N) each
// other family's speed-up is quoted against.
std::string SummaryTable(const std::vector<nlohmann::ordered_json>& rows,
                         const std::string& baseline);

}  // namespace attnbench::sweep

#endif  // ATTNBENCH_HARNESS_SWEEP_SUMMARY_H_
