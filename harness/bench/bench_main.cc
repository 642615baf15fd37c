// attnbench_bench: Google Benchmark over the variant registry.
//   attnbench_bench [--variants a,b] [--dtype bf16] [--masks
//   "causal;span:32,64"] [--D 64,128]
//                   [--H 8] [--N-min 256] [--N-max 4096] [--threads 1,2]
//                   [--target AVX2] [--engine-study [--key-blocks 64,256]
//                   [--group-rows 0,128]] [--benchmark_* flags]
// Every family's rate is checked against the oracle (sampled rows) before it
// is reported; pct_peak divides by the FMA peak measured at start-up for the
// same target and thread count.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "harness/bench/families.h"
#include "harness/io/dtype.h"
#include "harness/measure/build_info.h"
#include "harness/measure/pass.h"
#include "harness/measure/peak.h"
#include "harness/measure/pin_target.h"
#include "kernels/prefetch_hint.h"
#include "kernels/target.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);  // consumes --benchmark_* flags

  attnbench::bench::BenchOptions options;
  attnbench::sweep::SweepSpec& spec = options.spec;
  // The benchmark's defaults: a short causal sweep on one thread.
  spec.masks = {"causal"};
  spec.n_max = 4096;
  spec.threads = {1};
  CLI::App app{
      "attnbench_bench: Google Benchmark families over the variants "
      "(--benchmark_* flags are passed to Google Benchmark)"};
  app.add_option("--variants", spec.variants, "default: every variant")
      ->delimiter(',');
  app.add_option("--masks", spec.masks,
                 "masks separated by ';' (a span list has commas), as in "
                 "`attnbench sweep`")
      ->delimiter(';')
      ->capture_default_str();
  app.add_option("--D", spec.head_dims, "head dimensions")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--H", spec.heads, "heads")->capture_default_str();
  app.add_option("--N-min", spec.n_min, "smallest N")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  app.add_option("--N-max", spec.n_max, "largest N (powers of 2 between)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  app.add_option("--threads", spec.threads, "thread counts")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--dist", spec.dist,
                 "inputs: uniform | normal | peaked | outliers")
      ->capture_default_str();
  app.add_option("--dtype", spec.dtype,
                 "input precision: f32 | bf16 | f16 (Q, K, V rounded to it)")
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::DTypeNames()));
  app.add_option("--target", spec.target,
                 "Highway target: best or a name from `attnbench list`")
      ->capture_default_str();
  app.add_option("--pass", spec.pass,
                 "forward | backward | both (variants with a backward pass "
                 "for the family's problem)")
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::PassNames()));
  bool no_bf16_dot = false;
  app.add_flag("--no-bf16-dot", no_bf16_dot, attnbench::kNoBf16DotHelp);
  std::string prefetch_hint = "auto";
  app.add_option("--prefetch-hint", prefetch_hint, attnbench::kPrefetchHintHelp)
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::PrefetchHintChoices()));
  app.add_flag("--engine-study", options.engine_study,
               "also time the blocked engine at each key block size and "
               "group cap");
  app.add_option("--key-blocks", options.study_key_blocks,
                 "the engine study's key block sizes Bc")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  app.add_option("--group-rows", options.study_group_rows,
                 "the engine study's caps on a group's query rows (0: the "
                 "default cap)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{1} << 20));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    attnbench::PinTarget(spec.target);
    attnbench::SetBf16DotEnabled(!no_bf16_dot);
    attnbench::SetPrefetchHint(*attnbench::ParsePrefetchHint(prefetch_hint));
    benchmark::AddCustomContext(
        "prefetch_hint",
        attnbench::PrefetchHintName(attnbench::CurrentPrefetchHint()));
    benchmark::AddCustomContext(
        "bf16_dot", attnbench::Bf16DotEnabled() ? "enabled" : "disabled");
    const attnbench::BuildInfo& build = attnbench::GetBuildInfo();
    benchmark::AddCustomContext("attnbench_git_revision", build.git_revision);
    benchmark::AddCustomContext("compiler", build.compiler);
    benchmark::AddCustomContext("attnbench_build_type", build.build_type);
    benchmark::AddCustomContext("highway", build.highway);
    benchmark::AddCustomContext("dtype", spec.dtype);
    benchmark::AddCustomContext("pass", spec.pass);
    benchmark::AddCustomContext("highway_target",
                                attnbench::DispatchedTargetName());
    for (int threads : spec.threads) {
      const attnbench::PeakResult peak = attnbench::MeasureFmaPeak(threads);
      options.peak_gflops[threads] = peak.gflops;
      benchmark::AddCustomContext(
          fmt::format("peak_gflops_threads_{}", threads),
          fmt::format("{:.2f}", peak.gflops));
    }
    if (attnbench::bench::RegisterFamilies(options) == 0) {
      fmt::print(stderr, "attnbench_bench: no family matches\n");
      return 2;
    }
  } catch (const attnbench::InvalidArgument& e) {
    fmt::print(stderr, "attnbench_bench: error: {}\n", e.what());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
