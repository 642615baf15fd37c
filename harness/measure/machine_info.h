// What machine and build produced a result: recorded in every run's
// meta.json.
#ifndef ATTNBENCH_HARNESS_MEASURE_MACHINE_INFO_H_
#define ATTNBENCH_HARNESS_MEASURE_MACHINE_INFO_H_

#include <nlohmann/json.hpp>

namespace attnbench {

// CPU model and flags (from /proc/cpuinfo), cores, memory, kernel.
nlohmann::ordered_json MachineJson();

// Git revision, compiler, build type and library versions (BuildInfo).
nlohmann::ordered_json BuildJson();

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_MACHINE_INFO_H_
