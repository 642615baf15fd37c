// A sweep session's machine limits: the FMA peak and read bandwidth per
// thread count, measured when the session starts (every row is judged
// against them) and again when it ends (a drift says the machine changed
// under the sweep); both go into meta.json's "sessions".
#ifndef ATTNBENCH_HARNESS_CLI_SWEEP_SESSION_H_
#define ATTNBENCH_HARNESS_CLI_SWEEP_SESSION_H_

#include <map>
#include <nlohmann/json.hpp>

#include "harness/measure/measure.h"
#include "harness/sweep/plan.h"

namespace attnbench::cli {

// Measures and prints the limits for each of spec's thread counts and
// appends the new session (start time, target, probe depth, limits) to
// meta["sessions"].
std::map<int, MachinePeaks> StartSession(const sweep::SweepSpec& spec,
                                         nlohmann::ordered_json& meta);

// Measures the limits again into the last session with its finish time,
// records the FMA peaks in the machine's store, and warns where either
// moved more than 10% since `start`.
void FinishSession(const sweep::SweepSpec& spec,
                   const std::map<int, MachinePeaks>& start,
                   nlohmann::ordered_json& meta);

}  // namespace attnbench::cli

#endif  // ATTNBENCH_HARNESS_CLI_SWEEP_SESSION_H_
