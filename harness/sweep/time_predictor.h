// A sweep's guess of a configuration's seconds per run from the rows its
// family (variant, mask, D, threads) has stored at smaller N, so that a
// configuration predicted past `--max-seconds` is skipped before it runs.
#ifndef ATTNBENCH_HARNESS_SWEEP_TIME_PREDICTOR_H_
#define ATTNBENCH_HARNESS_SWEEP_TIME_PREDICTOR_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/sweep/plan.h"

namespace attnbench::sweep {

class TimePredictor {
 public:
  // Learns from a stored row (rows not "ok" are ignored).
  void Add(const nlohmann::json& row);
  // Seconds per run extrapolated from the family's two largest measured
  // sizes (the exponent clamped to [1, 3]; N^2 from one size), or 0 when
  // nothing is known yet.
  double Predict(const SweepConfig& c) const;

 private:
  std::map<std::string, std::map<int64_t, double>> known_;
};

}  // namespace attnbench::sweep

#endif  // ATTNBENCH_HARNESS_SWEEP_TIME_PREDICTOR_H_
