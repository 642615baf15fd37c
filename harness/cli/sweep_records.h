// What a sweep writes besides its measured rows: UTC stamps, a new run's
// meta.json, the row of a configuration it skipped, and the one-line
// description of a configuration that progress and dry runs print.
#ifndef ATTNBENCH_HARNESS_CLI_SWEEP_RECORDS_H_
#define ATTNBENCH_HARNESS_CLI_SWEEP_RECORDS_H_

#include <nlohmann/json.hpp>
#include <string>

#include "harness/sweep/plan.h"

namespace attnbench::cli {

// The current UTC time in strftime's `format`.
std::string UtcNow(const char* format);

// "flash causal N=4096 D=64 threads=2"; a decode step (Nq < Nk) names Nq,
// Nk and the heads instead of N.
std::string Describe(const sweep::SweepConfig& c);

nlohmann::ordered_json SkippedRow(const sweep::SweepConfig& c,
                                  const std::string& reason);

// meta.json of a new run: its id, the machine, the build, the settings.
nlohmann::ordered_json NewMeta(const sweep::SweepSpec& spec,
                               const std::string& run_id);

}  // namespace attnbench::cli

#endif  // ATTNBENCH_HARNESS_CLI_SWEEP_RECORDS_H_
