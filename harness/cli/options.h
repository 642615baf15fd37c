// Command-line options shared by subcommands, and their conversion to the
// harness's types (validation stays in the harness, not here).
#ifndef ATTNBENCH_HARNESS_CLI_OPTIONS_H_
#define ATTNBENCH_HARNESS_CLI_OPTIONS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "harness/io/inputs.h"

namespace attnbench::cli {

// Shape, mask, scale and threads of one problem.
struct ProblemOptions {
  int64_t n = 1024;
  std::optional<int64_t> nq, nk;
  int64_t head_dim = 64;
  int64_t h = 8;
  std::optional<int64_t> hkv;
  int64_t b = 1;
  std::string mask = "causal";
  std::optional<double> scale;
  int threads = 1;

  void AddTo(CLI::App& app);
  // Parses the mask (InvalidArgument for a bad one); the caller validates
  // the problem once (RequireRunnable).
  Problem ToProblem() const;
};

// Where a command's inputs come from and where its tensors go.
struct InputOptions {
  std::string dist = "uniform";
  std::string inputs;  // folder with q.npy, k.npy, v.npy
  std::string layout = "bhnd";
  std::string save;  // folder for o.npy (and generated inputs)

  void AddTo(CLI::App& app, bool with_save);
  // The loaded inputs, or nullopt when generating (the shape is then the
  // command's own).
  std::optional<AttentionData> Load() const;
  Distribution Dist() const { return ParseDistribution(dist); }
  Layout FileLayout() const { return ParseLayout(layout); }
};

// `--prefetch-hint` (kernels/prefetch_hint.h) and `--kv-cache`
// (harness/measure/kv_cache.h), the two A/B switches of `run` and `sweep`,
// each checked against its names.
void AddDecodeStudyOptions(CLI::App& app, std::string& prefetch_hint,
                           std::string& kv_cache);

// The variant registered under `name`, or InvalidArgument listing them all.
const Variant& FindVariant(const std::string& name);

// Throws InvalidArgument unless 1 <= threads <= kMaxThreads.
void RequireThreads(int threads);

// CLI::Range for a number, refusing NaN (which every comparison lets
// through) as well as values outside [lo, hi].
CLI::Validator FiniteRange(double lo, double hi);

// For unsigned and integer options: CLI11 reads "-1" into an unsigned as
// 2^64 - 1 and an empty value as 0; both are refused with the option's name.
CLI::Validator PlainUnsigned();
CLI::Validator NotEmpty();
// Throws InvalidArgument unless format is text or json.
void RequireFormat(const std::string& format);

// Available thread count of this machine (at least 1).
int HardwareThreads();

}  // namespace attnbench::cli

#endif  // ATTNBENCH_HARNESS_CLI_OPTIONS_H_
