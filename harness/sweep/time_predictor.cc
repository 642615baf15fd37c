#include "harness/sweep/time_predictor.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace attnbench::sweep {

void TimePredictor::Add(const nlohmann::json& row) {
  if (row.value("status", "") != "ok") return;
  known_[FamilyKey(row["variant"], row["mask"], row["D"], row["threads"])]
        [row["Nk"].get<int64_t>()] = row["median_s"].get<double>();
}

double TimePredictor::Predict(const SweepConfig& c) const {
  const auto it = known_.find(FamilyKey(std::string(c.variant->Name()),
                                        c.problem.mask.ToString(),
                                        c.problem.shape.D, c.problem.threads));
  if (it == known_.end() || it->second.empty()) return 0.0;
  const auto& points = it->second;
  const auto last = std::prev(points.end());
  double exponent = 2.0;
  if (points.size() >= 2) {
    const auto before = std::prev(last);
    exponent = std::log(last->second / before->second) /
               std::log(static_cast<double>(last->first) / before->first);
    exponent = std::clamp(exponent, 1.0, 3.0);
  }
  return last->second *
         std::pow(static_cast<double>(c.problem.shape.Nk) / last->first,
                  exponent);
}

}  // namespace attnbench::sweep
