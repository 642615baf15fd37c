// What machine and build produced a result: recorded in every run's
// meta.json.
#ifndef ATTNBENCH_HARNESS_MEASURE_MACHINE_INFO_H_
#define ATTNBENCH_HARNESS_MEASURE_MACHINE_INFO_H_

#include <nlohmann/json.hpp>
#include <string>

namespace attnbench {

// "<model name> (family F, model M), C cores": what tells one CPU model
// (and core count) from another, in meta.json, the peak store and the
// scripts that put machines side by side (docs/cluster.md).
std::string MachineKey();

// CPU model, family and model numbers, flags (from /proc/cpuinfo), cores,
// memory, kernel, and MachineKey().
nlohmann::ordered_json MachineJson();

// Git revision, compiler, build type and library versions (BuildInfo).
nlohmann::ordered_json BuildJson();

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_MACHINE_INFO_H_
