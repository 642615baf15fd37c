# Every dependency comes from a Debian package. A missing one stops the
# configure step with the package to install (scripts/setup.sh installs all).
macro(attnbench_require package debian_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR
      "attnbench: ${package} not found. Install the Debian package "
      "'${debian_package}' (sudo apt-get install ${debian_package}) "
      "or run scripts/setup.sh, which installs every dependency.")
  endif()
endmacro()

attnbench_require(HWY libhwy-dev 1.0.3 CONFIG)
attnbench_require(TBB libtbb-dev CONFIG)
attnbench_require(fmt libfmt-dev CONFIG)
attnbench_require(CLI11 libcli11-dev CONFIG)
attnbench_require(nlohmann_json nlohmann-json3-dev CONFIG)
attnbench_require(benchmark libbenchmark-dev CONFIG)
attnbench_require(GTest libgtest-dev CONFIG)
