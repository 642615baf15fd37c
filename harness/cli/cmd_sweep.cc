// attnbench sweep: every selected variant x mask x D x threads x N, each
// configuration checked against the oracle and timed, rows stored as they
// complete in results/<run-id>/, a summary at the end; --resume continues
// an interrupted run.
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <map>

#include "harness/cli/commands.h"
#include "harness/cli/options.h"
#include "harness/cli/sweep_records.h"
#include "harness/cli/sweep_session.h"
#include "harness/measure/build_info.h"
#include "harness/measure/kv_cache.h"
#include "harness/measure/machine_info.h"
#include "harness/measure/measure.h"
#include "harness/measure/pin_target.h"
#include "harness/sweep/plan.h"
#include "harness/sweep/progress.h"
#include "harness/sweep/run_store.h"
#include "harness/sweep/shard.h"
#include "harness/sweep/summary.h"
#include "harness/sweep/time_predictor.h"
#include "kernels/prefetch_hint.h"

namespace attnbench::cli {
namespace {

// A run at least this long needs no untimed warm-up in later rounds.
constexpr double kLongRunSeconds = 0.25;

using sweep::SweepSpec;

struct SweepOptions {
  SweepSpec spec;
  std::string out;
  std::string resume;
  bool dry_run = false;
  int retry_noisy = 0;  // re-measurements of a noisy configuration
  std::string shard;    // --shard I/N (into spec.shard_index, shard_count)
};

int RunSweep(SweepOptions opt) {
  std::optional<sweep::RunStore> store;
  if (!opt.resume.empty()) {
    store.emplace(sweep::RunStore::Open(opt.resume));
    if (store->Dropped() > 0) {
      fmt::print(stderr,
                 "attnbench: warning: --resume {}: dropped {} row(s) without "
                 "the fields of their configuration; they run again\n",
                 opt.resume, store->Dropped());
    }
    try {
      opt.spec = SweepSpec::FromJson(store->Meta().at("sweep"));
    } catch (const nlohmann::json::exception& e) {
      throw InvalidArgument(fmt::format(
          "--resume {}: meta.json's sweep settings are not a sweep's ({}); "
          "allowed: a folder written by attnbench sweep",
          opt.resume, e.what()));
    }
  }
  if (!opt.shard.empty()) {
    if (!opt.resume.empty()) {
      throw InvalidArgument(
          "--shard with --resume: a resumed run keeps its own shard; allowed: "
          "one of them");
    }
    const sweep::ShardSpec shard = sweep::ParseShard(opt.shard);
    opt.spec.shard_index = shard.index;
    opt.spec.shard_count = shard.count;
  }
  for (int t : opt.spec.threads) RequireThreads(t);
  PinTarget(opt.spec.target);
  SetBf16DotEnabled(opt.spec.bf16_dot);
  SetPrefetchHint(*ParsePrefetchHint(opt.spec.prefetch_hint));
  const KvCache kv_cache = ParseKvCache(opt.spec.kv_cache);
  RequireKvCacheChoice(kv_cache, ParsePass(opt.spec.pass));
  const sweep::SweepPlan plan = sweep::MakePlan(opt.spec);
  if (kv_cache != KvCache::kAuto) {
    fmt::print("K and V {} before each timed run (--kv-cache {})\n",
               kv_cache == KvCache::kCold ? "flushed from every cache"
                                          : "left in the caches",
               KvCacheName(kv_cache));
  }
  if (!plan.not_run.empty()) {
    fmt::print("{}\n", sweep::NotRunSummary(plan.not_run));
  }
  if (plan.baseline_capped > 0) {
    fmt::print("{}\n",
               sweep::BaselineCapSummary(opt.spec, plan.baseline_capped));
  }
  for (const auto& s : plan.skipped) {
    fmt::print("skipping {} x {}: {}\n", s.variant, s.mask, s.reason);
  }
  const std::string shard_text =
      opt.spec.shard_count > 1
          ? fmt::format(" (shard {} of {}; {} in the plan {})",
                        opt.spec.shard_index, opt.spec.shard_count,
                        plan.plan_configs, plan.plan_id)
          : std::string();
  if (opt.dry_run) {
    for (const auto& c : plan.configs) fmt::print("{}\n", Describe(c));
    fmt::print("{} configurations{}\n", plan.configs.size(), shard_text);
    return 0;
  }
  if (!store) {
    const std::string run_id =
        fmt::format("{}-{}", UtcNow("%Y%m%dT%H%M%SZ"),
                    GetBuildInfo().git_revision.substr(0, 12));
    const std::string dir = opt.out.empty() ? "results/" + run_id : opt.out;
    store.emplace(sweep::RunStore::Create(dir, NewMeta(opt.spec, run_id)));
  }
  nlohmann::ordered_json& meta = store->Meta();
  meta["skipped_families"] = nlohmann::ordered_json::array();
  for (const auto& s : plan.skipped) {
    meta["skipped_families"].push_back(
        {{"variant", s.variant}, {"mask", s.mask}, {"reason", s.reason}});
  }
  meta["pairs_not_run"] = plan.not_run.size();
  // The whole plan's identity, and this run's part of it (attnbench merge
  // puts the shards of one plan back together).
  meta["plan_id"] = plan.plan_id;
  meta["plan_configs"] = plan.plan_configs;
  meta["shard"] = {{"index", opt.spec.shard_index},
                   {"count", opt.spec.shard_count},
                   {"configs", plan.configs.size()}};

  // The FMA peak and read bandwidth for each thread count, measured in
  // this process.
  const std::map<int, MachinePeaks> peaks = StartSession(opt.spec, meta);
  store->SaveMeta();
  fmt::print("rows: {}\n", (store->Dir() / "rows.jsonl").string());

  sweep::TimePredictor predictor;
  for (const auto& row : store->Rows()) predictor.Add(row);
  std::vector<const sweep::SweepConfig*> todo;
  for (const auto& c : plan.configs) {
    if (!store->Has(sweep::ConfigKey(c))) todo.push_back(&c);
  }
  const int rounds = opt.spec.rounds;
  sweep::Progress progress(plan.configs.size() * rounds,
                           (plan.configs.size() - todo.size()) * rounds);
  // Each round times a configuration for its share of the runs and
  // seconds; the oracle checks the output of the last round.
  MeasureOptions measure{opt.spec.seed, ParseDistribution(opt.spec.dist),
                         opt.spec.timing, false, opt.spec.oracle_budget};
  measure.dtype = ParseDType(opt.spec.dtype);
  measure.pass = ParsePass(opt.spec.pass);
  measure.timing.min_reps = (opt.spec.timing.min_reps + rounds - 1) / rounds;
  measure.timing.min_seconds = opt.spec.timing.min_seconds / rounds;
  std::vector<Measurement> pooled(todo.size());
  std::vector<bool> skipped(todo.size(), false);
  int disagreements = 0;
  for (int round = 1; round <= rounds; ++round) {
    const bool last_round = round == rounds;
    for (size_t i = 0; i < todo.size(); ++i) {
      if (skipped[i]) {
        progress.Step();
        continue;
      }
      const sweep::SweepConfig& c = *todo[i];
      progress.Begin(rounds == 1 ? Describe(c)
                                 : fmt::format("round {}/{}: {}", round, rounds,
                                               Describe(c)));
      nlohmann::ordered_json row;
      const double predicted = predictor.Predict(c);
      if (round == 1 && predicted > opt.spec.max_seconds_per_run) {
        row =
            SkippedRow(c, fmt::format("predicted {:.1f} s per run > limit "
                                      "{:.1f} s (--max-seconds)",
                                      predicted, opt.spec.max_seconds_per_run));
      } else {
        try {
          MeasureOptions options = measure;
          options.check = last_round;
          // After the first round, a configuration whose runs take longer
          // than kLongRunSeconds skips its untimed warm-up: such a run is
          // its own warm-up (what it would warm costs well under 1% of it),
          // and the warm-up would be a third of its time at 2 runs a round.
          if (round > 1 && pooled[i].timing.median_s > kLongRunSeconds) {
            options.timing.warmup = 0;
          }
          options.cold_kv =
              WantsColdKv(StoredProblem(*c.variant, c.problem, options.dtype),
                          options.pass, peaks.at(c.problem.threads), kv_cache);
          PoolRound(pooled[i], Measure(*c.variant, c.problem, options));
          row = ResultRow(*c.variant, c.problem, options, pooled[i],
                          peaks.at(c.problem.threads));
          // --retry-noisy: measured again while noisy (all its runs in one
          // go), the last one kept (its row says how many tries it took).
          int tries = 1;
          options.timing = opt.spec.timing;
          while (last_round && row["noisy"].get<bool>() &&
                 tries <= opt.retry_noisy) {
            pooled[i] = Measure(*c.variant, c.problem, options);
            row = ResultRow(*c.variant, c.problem, options, pooled[i],
                            peaks.at(c.problem.threads));
            ++tries;
          }
          row["tries"] = tries;
          row["rounds"] = rounds;
          if (last_round) disagreements += !pooled[i].agreement->pass;
        } catch (const InvalidArgument& e) {
          row = SkippedRow(c, e.what());
        }
      }
      if (round == 1) predictor.Add(row);  // the family's next N
      if (row["status"] != "ok") {
        skipped[i] = true;
        store->Append(row);
        progress.End(fmt::format("{}: skipped: {}", Describe(c),
                                 row["skip_reason"].get<std::string>()));
        continue;
      }
      if (!last_round) {
        progress.Step();
        continue;
      }
      store->Append(row);
      pooled[i] = Measurement();  // its runs are in the row now
      progress.End(
          fmt::format("{}: {:.4f} s, {}, max abs err {:.2e} {}", Describe(c),
                      row["median_s"].get<double>(), RateText(row),
                      row["max_abs_err"].get<double>(),
                      row["agrees"].get<bool>() ? "agrees" : "DISAGREES"));
    }
  }
  // The peaks again: a drift of more than 10% says the machine changed
  // under the sweep (other load, clocks, the host's memory traffic).
  FinishSession(opt.spec, peaks, meta);
  store->SaveMeta();
  fmt::print("\n{}", sweep::SummaryTable(store->Rows(), opt.spec.baseline));
  fmt::print("results: {}\n", store->Dir().string());
  return disagreements == 0 ? 0 : 1;
}

}  // namespace

Command AddSweepCommand(CLI::App& app) {
  auto opt = std::make_shared<SweepOptions>();
  opt->spec.threads = {HardwareThreads()};
  SweepSpec& s = opt->spec;
  CLI::App* sub = app.add_subcommand(
      "sweep",
      "Measure every variant x mask x D x threads x N (powers of two), "
      "checked against the oracle; rows stored in results/<run-id>/");
  sub->add_option("--variants", s.variants, "default: every variant")
      ->delimiter(',');
  sub->add_option("--masks", s.masks,
                  "masks separated by ';' (a span list has commas)")
      ->delimiter(';')
      ->capture_default_str();
  CLI::Option* dims =
      sub->add_option("--D", s.head_dims, "head dimensions, comma separated")
          ->delimiter(',')
          ->capture_default_str();
  CLI::Option* heads =
      sub->add_option("--H", s.heads, "query heads")->capture_default_str();
  CLI::Option* kv_heads =
      sub->add_option("--Hkv", s.kv_heads, "key/value heads (0: H)")
          ->capture_default_str();
  std::string models;
  std::vector<std::string> model_names;
  for (const sweep::ModelShape& m : sweep::ModelShapes()) {
    models += fmt::format("\n  {}: H={}, Hkv={}, D={} ({})", m.name, m.heads,
                          m.kv_heads, m.dim, m.about);
    model_names.push_back(m.name);
  }
  sub->add_option_function<std::string>(
         "--model",
         [&s](const std::string& name) {
           const sweep::ModelShape& m = sweep::FindModelShape(name);
           s.model = m.name;
           s.heads = m.heads;
           s.kv_heads = m.kv_heads;
           s.head_dims = {m.dim};
         },
         "a model's H, Hkv and D:" + models)
      ->check(CLI::IsMember(model_names))
      ->excludes(heads)
      ->excludes(kv_heads)
      ->excludes(dims);
  sub->add_option("--Nq", s.new_tokens,
                  "new tokens per step, with Nk = N swept (decode); 0: Nq = N")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  sub->add_option("--B", s.batch, "batch")->capture_default_str();
  sub->add_option("--N-min", s.n_min, "smallest N")->capture_default_str();
  sub->add_option("--N-max", s.n_max, "largest N (powers of 2 between)")
      ->capture_default_str();
  sub->add_option("--threads", s.threads, "thread counts, comma separated")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--seed", s.seed, "input seed")
      ->capture_default_str()
      ->check(PlainUnsigned());
  sub->add_option("--dist", s.dist,
                  "inputs: uniform | normal | peaked | outliers")
      ->capture_default_str();
  sub->add_option("--dtype", s.dtype,
                  "input precision: f32 | bf16 | f16 (Q, K, V rounded to it)")
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::DTypeNames()));
  sub->add_option("--pass", s.pass,
                  "forward | backward | both (variants without a backward "
                  "for a configuration skip its family)")
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::PassNames()));
  sub->add_option("--target", s.target, "Highway target: best or a name")
      ->capture_default_str();
  sub->add_flag("--no-bf16-dot{false}", s.bf16_dot, kNoBf16DotHelp);
  AddDecodeStudyOptions(*sub, s.prefetch_hint, s.kv_cache);
  sub->add_option("--reps", s.timing.min_reps, "at least this many runs")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  sub->add_option("--min-time", s.timing.min_seconds,
                  "and at least this many seconds of runs")
      ->capture_default_str()
      ->check(FiniteRange(0.0, 3600.0));
  sub->add_option("--oracle-budget", s.oracle_budget,
                  "oracle multiply-adds per configuration (sampled rows "
                  "above it)")
      ->capture_default_str()
      ->check(FiniteRange(0.0, 1e13));
  sub->add_option("--max-seconds", s.max_seconds_per_run,
                  "skip configurations predicted to run longer than this")
      ->capture_default_str()
      ->check(FiniteRange(0.0, 1e6));
  sub->add_option("--rounds", s.rounds,
                  "walk the plan this many times, each configuration timed "
                  "for its share of --reps and --min-time in each; rows pool "
                  "the runs")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  sub->add_option("--retry-noisy", opt->retry_noisy,
                  "measure a noisy configuration again, up to this many times "
                  "(docs/semantics.md \"Noise\")")
      ->capture_default_str()
      ->check(CLI::Range(0, 10));
  sub->add_option("--baseline", s.baseline,
                  "variant the summary quotes speed-ups against")
      ->capture_default_str();
  sub->add_option("--baseline-N-max", s.baseline_n_max,
                  "the baseline runs only up to this N (0: to --N-max)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  sub->add_option("--out", opt->out, "run folder (default results/<run-id>)");
  sub->add_option("--resume", opt->resume,
                  "continue the run in this folder with its own settings");
  sub->add_flag("--dry-run", opt->dry_run, "list the configurations only");
  sub->add_option("--shard", opt->shard,
                  "I/N: run shard I (0-based) of the plan split into N "
                  "disjoint shards balanced by predicted cost (attnbench merge "
                  "joins them; docs/cluster.md)");
  return {sub, [opt] { return RunSweep(*opt); }};
}

}  // namespace attnbench::cli
