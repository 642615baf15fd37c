// attnbench check: every variant (or one) on the check cases, against the
// oracle, on the best Highway target (or a named one, or all of them).
#include <fmt/format.h>

#include "harness/agreement.h"
#include "harness/check_cases.h"
#include "harness/cli/commands.h"
#include "harness/cli/options.h"
#include "harness/execute.h"
#include "harness/inputs.h"
#include "kernels/target.h"

namespace attnbench::cli {
namespace {

struct CheckOptions {
  std::string variant;
  std::string target = "best";
  int threads = 2;
  uint64_t seed = 1;
  bool failures_only = false;
};

struct Tally {
  int passed = 0, failed = 0, skipped = 0;
};

constexpr const char* kRowFormat =
    "{:<14} {:<6} {:<22} {:<22} {:>11} {:>11} {:>9} {}\n";

void CheckOne(const Variant& variant, const CheckCase& c,
              const CheckOptions& opt, Tally& tally) {
  Problem problem{c.shape, c.mask, std::nullopt, opt.threads};
  if (!variant.WhyUnsupported(problem).empty()) {
    ++tally.skipped;
    return;
  }
  AttentionData data = MakeInputs(c.shape, opt.seed);
  RunVariant(variant, problem, data.View());
  const Agreement a =
      CompareWithOracle(problem, data.View(), variant.GetTolerance(),
                        RowsToCheck(problem, kDefaultOracleBudget));
  ++(a.pass ? tally.passed : tally.failed);
  if (a.pass && opt.failures_only) return;
  std::string verdict = a.pass ? "pass" : "FAIL";
  if (a.nonfinite_mismatch > 0) {
    verdict += fmt::format(" ({} non-finite where the oracle is finite)",
                           a.nonfinite_mismatch);
  }
  fmt::print(kRowFormat, variant.Name(), DispatchedTargetName(),
             c.mask.ToString(), c.shape.ToString(),
             fmt::format("{:.3e}", a.max_abs_err),
             fmt::format("{:.3e}", a.rel_err), fmt::format("{:.1e}", a.bound),
             verdict);
}

int RunCheck(const CheckOptions& opt) {
  RequireThreads(opt.threads);
  std::vector<const Variant*> variants;
  if (opt.variant.empty()) {
    variants = Registry::Get().All();
  } else {
    variants = {&FindVariant(opt.variant)};
  }
  std::vector<std::string> targets;
  if (opt.target == "all") {
    PinTarget("best");
    for (int64_t t : RunnableTargets()) targets.push_back(TargetNameOf(t));
  } else {
    PinTarget(opt.target);  // validates the name
    targets.push_back(opt.target);
  }

  fmt::print(kRowFormat, "variant", "target", "mask", "shape BxH/HkvxNqxNkxD",
             "max_abs_err", "rel_err", "bound", "result");
  Tally tally;
  for (const std::string& target : targets) {
    PinTarget(target);
    for (const Variant* v : variants) {
      for (const CheckCase& c : CheckCases()) CheckOne(*v, c, opt, tally);
    }
  }
  PinTarget("best");
  fmt::print("check: {} passed, {} failed, {} skipped (mask not supported)\n",
             tally.passed, tally.failed, tally.skipped);
  return tally.failed == 0 ? 0 : 1;
}

}  // namespace

Command AddCheckCommand(CLI::App& app) {
  auto opt = std::make_shared<CheckOptions>();
  CLI::App* sub = app.add_subcommand(
      "check",
      "Run variants on awkward shapes and every mask against the "
      "double-precision oracle; exit 1 if any disagrees");
  sub->add_option("--variant", opt->variant,
                  "one variant (default: every registered variant)");
  sub->add_option("--target", opt->target,
                  "Highway target: best, all, or a name from `list`")
      ->capture_default_str();
  sub->add_option("--threads", opt->threads, "oneTBB threads")
      ->capture_default_str();
  sub->add_option("--seed", opt->seed, "input seed")->capture_default_str();
  sub->add_flag("--failures-only", opt->failures_only,
                "print only the rows that disagree");
  return {sub, [opt] { return RunCheck(*opt); }};
}

}  // namespace attnbench::cli
