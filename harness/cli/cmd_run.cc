// attnbench run: time one variant on one configuration (warm-up, repeated
// runs, median), check it against the oracle, print one result row.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/cli/options.h"
#include "harness/io/atomic_file.h"
#include "harness/io/npy.h"
#include "harness/measure/bandwidth.h"
#include "harness/measure/execute.h"
#include "harness/measure/kv_cache.h"
#include "harness/measure/measure.h"
#include "harness/measure/measure_backward.h"
#include "harness/measure/memory.h"
#include "harness/measure/peak_store.h"
#include "harness/measure/pin_target.h"
#include "kernels/prefetch_hint.h"

namespace attnbench::cli {
namespace {

struct RunOptions {
  ProblemOptions problem;
  std::string variant;
  std::string target = "best";
  bool no_bf16_dot = false;
  std::string prefetch_hint = "auto";
  std::string kv_cache = "auto";
  std::string format = "text";
  uint64_t seed = 1;
  InputOptions io;
  TimingPolicy timing;
  bool check = true;
  std::string dtype = "f32";
  std::string pass = "forward";
};

void PrintText(const nlohmann::ordered_json& r) {
  fmt::print("{} {} {}x{}/{}x{}x{}x{} threads={} target={} dtype={} pass={}\n",
             r["variant"].get<std::string>(), r["mask"].get<std::string>(),
             r["B"].get<int64_t>(), r["H"].get<int64_t>(),
             r["Hkv"].get<int64_t>(), r["Nq"].get<int64_t>(),
             r["Nk"].get<int64_t>(), r["D"].get<int64_t>(),
             r["threads"].get<int>(), r["target"].get<std::string>(),
             r["dtype"].get<std::string>(), r["pass"].get<std::string>());
  fmt::print(
      "  median {:.6f} s (95% interval {:.6f}..{:.6f}; min {:.6f}, max "
      "{:.6f}, {} runs)  {}  workspace {} bytes\n",
      r["median_s"].get<double>(), r["median_lo_s"].get<double>(),
      r["median_hi_s"].get<double>(), r["min_s"].get<double>(),
      r["max_s"].get<double>(), r["repetitions"].get<int>(), RateText(r),
      r["workspace_bytes"].get<size_t>());
  if (r.contains("read_gbps_after")) {
    const double before = r["read_gbps_before"].get<double>();
    const double after = r["read_gbps_after"].get<double>();
    fmt::print(
        "  read bandwidth {:.1f} GB/s before the timed runs, {:.1f} "
        "after{}\n",
        before, after,
        std::max(before, after) > 1.1 * std::min(before, after)
            ? ": the machine's memory was busy, compare with care"
            : "");
  }
  if (r.value("noisy", false)) {
    fmt::print("  NOISY: {} (compare with care; docs/semantics.md \"Noise\")\n",
               r["noise_reason"].get<std::string>());
  }
  if (!r["precision_abs_err"].is_null()) {
    fmt::print(
        "  inputs rounded to {}: max abs error {:.3e} against the fp64 "
        "oracle on the unrounded inputs (what the precision costs)\n",
        r["dtype"].get<std::string>(), r["precision_abs_err"].get<double>());
  }
  if (r["agrees"].is_null()) {
    fmt::print("{}",
               r["pass"].get<std::string>() == "forward"
                   ? "  not checked against the oracle (--no-check)\n"
                   : "  not checked against the oracle (--no-check, or the "
                     "gradients' oracle beyond its budget)\n");
  } else {
    fmt::print(
        "  max abs error {:.3e} (bound {:.1e}, {}/{} rows checked): {}\n",
        r["max_abs_err"].get<double>(), r["err_bound"].get<double>(),
        r["rows_checked"].get<int64_t>(), r["rows_total"].get<int64_t>(),
        r["agrees"].get<bool>() ? "agrees" : "DISAGREES");
  }
}

int RunOne(const RunOptions& opt) {
  RequireFormat(opt.format);
  const Variant& variant = FindVariant(opt.variant);
  Problem problem = opt.problem.ToProblem();
  std::optional<AttentionData> data = opt.io.Load();
  if (data) problem.shape = data->shape;  // the files decide the shape
  RequireRunnable(variant, problem);      // validates, once
  if (data)
    RequireFp32Scores(*data, problem.Scale(), "--inputs " + opt.io.inputs);
  if (!opt.io.save.empty()) RequireWritableDir(opt.io.save, "--save");
  const DType dtype = ParseDType(opt.dtype);
  const Pass pass = ParsePass(opt.pass);
  const KvCache kv_cache = ParseKvCache(opt.kv_cache);
  RequireKvCacheChoice(kv_cache, pass);
  const Problem stored = StoredProblem(variant, problem, dtype);
  if (pass != Pass::kForward) {
    const std::string why = variant.WhyNoBackward(stored);
    if (!why.empty()) throw InvalidArgument("--pass " + opt.pass + ": " + why);
    RequireMemory(problem.shape, TrainingMemoryEstimate(variant, stored));
  }
  RequireMemory(problem.shape,
                static_cast<int64_t>(variant.EstimateWorkspaceBytes(stored)));
  PinTarget(opt.target);
  SetBf16DotEnabled(!opt.no_bf16_dot);
  SetPrefetchHint(*ParsePrefetchHint(opt.prefetch_hint));
  MachinePeaks peaks = MeasureGuardedPeaks(problem.threads);
  const double read_before = peaks.read_gbps;
  MeasureOptions measure{opt.seed, opt.io.Dist(), opt.timing, opt.check,
                         kDefaultOracleBudget};
  measure.cold_kv = WantsColdKv(stored, pass, peaks, kv_cache);
  measure.dtype = dtype;
  measure.pass = pass;
  const bool generated = !data;
  if (generated) data = MakeInputs(problem.shape, opt.seed, measure.dist);
  // The unrounded inputs, kept for the precision cost.
  std::optional<AttentionData> exact;
  if (measure.dtype != DType::kF32) {
    exact = AllocateData(problem.shape);
    std::copy_n(data->q.get(), problem.shape.QElements(), exact->q.get());
    std::copy_n(data->k.get(), problem.shape.KVElements(), exact->k.get());
    std::copy_n(data->v.get(), problem.shape.KVElements(), exact->v.get());
    RoundInputs(*data, measure.dtype);
  }
  std::optional<TrainingData> training;
  // dO: do.npy beside the inputs when there is one, else generated.
  const std::string do_path =
      opt.io.inputs.empty()
          ? std::string()
          : (std::filesystem::path(opt.io.inputs) / "do.npy").string();
  const bool do_from_file = pass != Pass::kForward && !do_path.empty() &&
                            std::filesystem::exists(do_path);
  if (pass != Pass::kForward) {
    training.emplace(problem.shape, WantsSpanGradient(variant, problem));
    if (do_from_file) {
      const std::vector<float> d_out =
          LoadOutput(do_path, problem.shape, opt.io.FileLayout());
      std::copy(d_out.begin(), d_out.end(), training->d_out.get());
    } else {
      FillGradOutput(*training, problem.shape, opt.seed, measure.dist);
    }
  }
  const Measurement m =
      training ? MeasureTraining(variant, problem, measure, *data, *training)
               : Measure(variant, problem, measure, *data,
                         exact ? &*exact : nullptr);
  // Other tenants of a shared host move its memory bandwidth within a
  // run: a cold row (by default decode, chunked prefill and memory-bound
  // rows; any forward row with --kv-cache cold) is divided by the larger of
  // two probes, one before and one after its timing (both stored).
  double read_after = 0.0;
  if (measure.cold_kv) {
    read_after = MeasureReadBandwidth(problem.threads, 3).gbps;
    peaks.read_gbps = std::max(read_before, read_after);
  }
  auto row = ResultRow(variant, problem, measure, m, peaks);
  if (measure.cold_kv) {
    row["read_gbps_before"] = read_before;
    row["read_gbps_after"] = read_after;
  }
  row["inputs"] = generated ? "generated" : opt.io.inputs;
  if (training) row["d_out"] = do_from_file ? do_path : "generated";
  if (training && training->dz) {  // adaptive span: dL/dz per head
    row["dz"] = std::vector<float>(training->dz.get(),
                                   training->dz.get() + problem.shape.H);
  }
  // The row first: a failure to save (the disk filled up since the check)
  // must not lose the measurement.
  if (opt.format == "json") {
    fmt::print("{}\n", row.dump());
  } else {
    PrintText(row);
  }
  std::fflush(stdout);
  if (!opt.io.save.empty()) {
    SaveTensors(opt.io.save, *data, opt.io.FileLayout(), generated);
    if (training) {
      SaveGradients(opt.io.save, problem.shape, opt.io.FileLayout(),
                    training->d_out.get(), training->dq.get(),
                    training->dk.get(), training->dv.get());
      if (training->dz) {  // [H]
        WriteNpy((std::filesystem::path(opt.io.save) / "dz.npy").string(),
                 {problem.shape.H}, training->dz.get());
      }
    }
  }
  return !m.agreement || m.agreement->pass ? 0 : 1;
}

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto opt = std::make_shared<RunOptions>();
  opt->problem.threads = HardwareThreads();
  CLI::App* sub = app.add_subcommand(
      "run",
      "Time one variant on one configuration and print one result row; "
      "exit 1 if it disagrees with the oracle");
  sub->add_option("--variant", opt->variant, "variant name (see `list`)")
      ->required();
  opt->problem.AddTo(*sub);
  sub->add_option("--target", opt->target,
                  "Highway target: best or a name from `list`")
      ->capture_default_str();
  sub->add_flag("--no-bf16-dot", opt->no_bf16_dot, kNoBf16DotHelp);
  AddDecodeStudyOptions(*sub, opt->prefetch_hint, opt->kv_cache);
  sub->add_option("--format", opt->format, "text | json")
      ->capture_default_str();
  sub->add_option("--seed", opt->seed, "input seed")
      ->capture_default_str()
      ->check(PlainUnsigned());
  opt->io.AddTo(*sub, /*with_save=*/true);
  sub->add_option("--warmup", opt->timing.warmup, "untimed runs first")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  sub->add_option("--reps", opt->timing.min_reps, "at least this many runs")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  sub->add_option("--min-time", opt->timing.min_seconds,
                  "and at least this many seconds of runs")
      ->capture_default_str()
      ->check(FiniteRange(0.0, 3600.0));
  sub->add_option("--dtype", opt->dtype,
                  "input precision: f32 | bf16 | f16 (Q, K, V rounded to it, "
                  "ties to even; held in fp32)")
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::DTypeNames()));
  sub->add_option("--pass", opt->pass,
                  "forward | backward (dQ, dK, dV after an untimed forward; "
                  "dO generated from the seed) | both (forward and backward "
                  "timed together)")
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::PassNames()));
  sub->add_flag("!--no-check", opt->check,
                "skip the comparison with the oracle");
  return {sub, [opt] { return RunOne(*opt); }};
}

}  // namespace attnbench::cli
