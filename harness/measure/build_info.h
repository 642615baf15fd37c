// What built this binary: recorded with every result.
#ifndef ATTNBENCH_HARNESS_MEASURE_BUILD_INFO_H_
#define ATTNBENCH_HARNESS_MEASURE_BUILD_INFO_H_

#include <string>

namespace attnbench {

struct BuildInfo {
  std::string git_revision;  // git describe --dirty at build time
  std::string compiler;      // e.g. "GCC 12.2.0"
  std::string build_type;    // CMAKE_BUILD_TYPE
  std::string highway;       // library versions
  std::string tbb;
  std::string fmt;
};

const BuildInfo& GetBuildInfo();

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_BUILD_INFO_H_
