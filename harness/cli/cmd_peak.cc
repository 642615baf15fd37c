// attnbench peak: this machine's FP32 FMA peak, its bf16 dot-product peak
// where it has one, and its memory read bandwidth, on a Highway target.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/cli/options.h"
#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/measure/bandwidth.h"
#include "harness/measure/peak.h"
#include "harness/measure/peak_store.h"
#include "harness/measure/pin_target.h"

namespace attnbench::cli {
namespace {

struct PeakOptions {
  int threads = 1;
  std::string target = "best";
  std::string format = "text";
  int reps = 7;
  std::string read_runs;  // RUN:PERIOD in bytes, "" for none
};

// "RUN:PERIOD" (bytes) into a read pattern; throws InvalidArgument naming
// the bad part.
ReadPattern ParseReadRuns(const std::string& text) {
  const auto v = ParseIntParams(text, {"RUN", "PERIOD"}, 64);
  if (v[0] % 64 != 0 || v[1] % 64 != 0 || v[0] > v[1] ||
      v[1] > (int64_t{64} << 20)) {
    throw InvalidArgument(fmt::format(
        "--read-runs {}: RUN and PERIOD must be multiples of 64 bytes with "
        "64 <= RUN <= PERIOD <= 67108864",
        text));
  }
  return {v[0], v[1]};
}

int RunPeak(const PeakOptions& opt) {
  RequireThreads(opt.threads);
  RequireFormat(opt.format);
  PinTarget(opt.target);
  const ReadPattern pattern =
      opt.read_runs.empty() ? ReadPattern{} : ParseReadRuns(opt.read_runs);
  const PeakResult peak = MeasureFmaPeak(opt.threads, opt.reps);
  const std::optional<double> stored = StoredFmaPeak(opt.threads);
  RecordFmaPeak(opt.threads, peak.gflops);
  const std::optional<PeakResult> bf16 =
      MeasureBf16DotPeak(opt.threads, opt.reps);
  const BandwidthResult read = MeasureReadBandwidth(opt.threads, opt.reps);
  BandwidthResult runs;
  if (pattern.period_bytes > 0) {
    runs = MeasureReadBandwidth(opt.threads, opt.reps, 2, pattern);
  }
  if (opt.format == "json") {
    nlohmann::ordered_json row;
    row["target"] = peak.target;
    row["threads"] = peak.threads;
    row["repetitions"] = peak.reps;
    row["peak_gflops"] = peak.gflops;
    row["median_gflops"] = peak.median_gflops;
    // This machine's best before this call (harness/measure/peak_store.h).
    row["stored_peak_gflops"] =
        stored ? nlohmann::ordered_json(*stored) : nlohmann::ordered_json();
    // null where the CPU has no bf16 dot product.
    row["bf16_dot_gflops"] =
        bf16 ? nlohmann::ordered_json(bf16->gflops) : nlohmann::ordered_json();
    row["median_bf16_dot_gflops"] =
        bf16 ? nlohmann::ordered_json(bf16->median_gflops)
             : nlohmann::ordered_json();
    row["read_gbps"] = read.gbps;
    row["median_read_gbps"] = read.median_gbps;
    row["read_buffer_bytes"] = read.buffer_bytes;
    if (pattern.period_bytes > 0) {
      row["read_run_bytes"] = pattern.run_bytes;
      row["read_period_bytes"] = pattern.period_bytes;
      row["runs_read_gbps"] = runs.gbps;
      row["median_runs_read_gbps"] = runs.median_gbps;
    }
    fmt::print("{}\n", row.dump());
  } else {
    fmt::print(
        "FP32 FMA peak on {} with {} threads: {:.1f} GFLOP/s (best of {}; "
        "median {:.1f})\n",
        peak.target, peak.threads, peak.gflops, peak.reps, peak.median_gflops);
    if (stored) {
      fmt::print("  this machine's stored best: {:.1f} GFLOP/s ({})\n", *stored,
                 PeakStorePath().string());
    }
    if (bf16) {
      fmt::print(
          "BF16 dot-product peak (AVX-512 BF16 vdpbf16ps) with {} threads: "
          "{:.1f} GFLOP/s (best of {}; median {:.1f}), {:.2f} of the FP32 FMA "
          "peak\n",
          bf16->threads, bf16->gflops, bf16->reps, bf16->median_gflops,
          bf16->gflops / peak.gflops);
    } else {
      fmt::print("BF16 dot product: this CPU has no AVX-512 BF16\n");
    }
    fmt::print(
        "Memory read bandwidth with {} threads: {:.1f} GB/s (best of {} over "
        "a {} MiB buffer; median {:.1f})\n",
        read.threads, read.gbps, read.reps, read.buffer_bytes >> 20,
        read.median_gbps);
    if (pattern.period_bytes > 0) {
      fmt::print(
          "Read bandwidth over runs of {} bytes every {} bytes: {:.1f} GB/s "
          "(best of {}; median {:.1f}), {:.2f} of the full read\n",
          pattern.run_bytes, pattern.period_bytes, runs.gbps, runs.reps,
          runs.median_gbps, runs.gbps / read.gbps);
    }
  }
  return 0;
}

}  // namespace

Command AddPeakCommand(CLI::App& app) {
  auto opt = std::make_shared<PeakOptions>();
  opt->threads = HardwareThreads();
  CLI::App* sub = app.add_subcommand(
      "peak",
      "Measure this machine's FP32 fused-multiply-add peak and memory read "
      "bandwidth");
  sub->add_option("--threads", opt->threads, "oneTBB threads")
      ->capture_default_str();
  sub->add_option("--target", opt->target,
                  "Highway target: best or a name from `list`")
      ->capture_default_str();
  sub->add_option("--format", opt->format, "text | json")
      ->capture_default_str();
  sub->add_option("--reps", opt->reps, "repetitions of about 0.1 s")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  sub->add_option("--read-runs", opt->read_runs,
                  "RUN:PERIOD (bytes): also read runs of RUN bytes every "
                  "PERIOD bytes, the pattern of a sparse mask's decode");
  return {sub, [opt] { return RunPeak(*opt); }};
}

}  // namespace attnbench::cli
