// attnbench check: every variant (or one) against the oracle, on the best
// Highway target (or a named one, or all of them). By default on the check
// cases (awkward shapes x every mask) with inputs of every distribution;
// with --inputs on the given tensors, and with --expected against a given
// output instead of the oracle.
#include <fmt/format.h>

#include <set>
#include <utility>

#include "harness/check/agreement.h"
#include "harness/check/check_cases.h"
#include "harness/cli/commands.h"
#include "harness/cli/options.h"
#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "harness/measure/execute.h"
#include "harness/measure/measure_backward.h"
#include "harness/measure/pass.h"
#include "harness/measure/pin_target.h"

namespace attnbench::cli {
namespace {

struct CheckOptions {
  std::string variant;
  std::string target = "best";
  bool no_bf16_dot = false;
  int threads = 2;
  uint64_t seed = 1;
  std::vector<std::string> dists;  // default: every distribution
  std::vector<std::string> masks;  // default: the check masks of the shape
  InputOptions io;
  std::string expected;  // .npy of the output to compare with
  bool failures_only = false;
  std::string dtype = "f32";     // inputs rounded to it (harness/io/dtype.h)
  std::string pass = "forward";  // or backward, both: gradients checked
};

struct Tally {
  int passed = 0, failed = 0, skipped = 0;
  int no_backward = 0;  // --pass backward|both: problems without one
  // Variant x mask pairs of a kind the variant does not run: not run at all.
  std::set<std::pair<std::string, std::string>> not_run;
};

constexpr const char* kRowFormat =
    "{:<14} {:<6} {:<9} {:<22} {:<22} {:>11} {:>11} {:>9} {}\n";

// Runs one variant on one problem and prints the comparison's row.
void CheckOne(const Variant& variant, const Problem& problem,
              const std::string& inputs_label, AttentionData& data,
              const std::vector<float>* expected, const CheckOptions& opt,
              Tally& tally) {
  if (!variant.WhyUnsupported(problem).empty()) {
    ++tally.skipped;  // a kind it runs, on a shape it does not
    return;
  }
  // Half precision stored for a variant that reads it; the comparisons
  // read the same values in fp32.
  const Problem stored = StoredProblem(variant, problem, ParseDType(opt.dtype));
  const Pass pass = ParsePass(opt.pass);
  Agreement a;
  if (pass != Pass::kForward) {  // the gradients (and O for both)
    if (!variant.WhyNoBackward(stored).empty()) {
      ++tally.no_backward;
      return;
    }
    TrainingData training(problem.shape, WantsSpanGradient(variant, problem));
    FillGradOutput(training, problem.shape, opt.seed, Distribution::kUniform);
    const Tensors view = data.View();
    const Gradients grads = training.View();
    ThreadArena(problem.threads).Execute([&] {
      variant.RunForwardForBackward(problem, view, grads);
      variant.RunBackward(problem, view, grads);
    });
    // The check shapes keep the gradients' oracle within a budget of 1e9.
    a = *CheckGradients(variant, problem, view, training, pass == Pass::kBoth,
                        1e9);
  } else {
    StoreHalf(data, stored.storage);
    RunVariant(variant, stored, data.ViewAs(stored.storage));
    StoreHalf(data, DType::kF32);
    a = expected
            ? CompareWithExpected(problem, data.View(), expected->data(),
                                  variant.GetTolerance())
            : CompareWithOracle(problem, data.View(), variant.GetTolerance(),
                                RowsToCheck(problem, kDefaultOracleBudget));
  }
  ++(a.pass ? tally.passed : tally.failed);
  if (a.pass && opt.failures_only) return;
  std::string verdict = a.pass ? "pass" : "FAIL";
  if (a.nonfinite_mismatch > 0) {
    verdict +=
        fmt::format(" ({} entries finite in only one of output, {})",
                    a.nonfinite_mismatch, expected ? "expected" : "oracle");
  }
  fmt::print(kRowFormat, variant.Name(), DispatchedTargetName(), inputs_label,
             problem.mask.ToString(), problem.shape.ToString(),
             fmt::format("{:.3e}", a.max_abs_err),
             fmt::format("{:.3e}", a.rel_err), fmt::format("{:.1e}", a.bound),
             verdict);
}

std::vector<Mask> MasksFor(const Shape& shape, const CheckOptions& opt) {
  if (opt.masks.empty()) return CheckMasks(shape);
  std::vector<Mask> masks;
  for (const std::string& text : opt.masks) masks.push_back(ParseMask(text));
  return masks;
}

int RunCheck(const CheckOptions& opt) {
  RequireThreads(opt.threads);
  const std::vector<const Variant*> variants = Registry::Get().Resolve(
      opt.variant.empty() ? std::vector<std::string>{}
                          : std::vector<std::string>{opt.variant});
  std::vector<Distribution> dists;
  for (const std::string& name : opt.dists)
    dists.push_back(ParseDistribution(name));
  if (dists.empty())
    dists.assign(std::begin(kAllDistributions), std::end(kAllDistributions));
  const DType dtype = ParseDType(opt.dtype);
  std::optional<AttentionData> loaded = opt.io.Load();
  if (loaded) RoundInputs(*loaded, dtype);
  std::vector<float> expected;
  if (!opt.expected.empty()) {
    if (!loaded) {
      throw InvalidArgument(
          "--expected needs --inputs (the tensors the expected output was "
          "computed from)");
    }
    if (opt.masks.size() != 1) {
      throw InvalidArgument(
          "--expected needs exactly one --mask (the mask it was computed "
          "with)");
    }
    expected = LoadOutput(opt.expected, loaded->shape, opt.io.FileLayout());
  }
  SetBf16DotEnabled(!opt.no_bf16_dot);
  if (ParsePass(opt.pass) != Pass::kForward && !opt.expected.empty()) {
    throw InvalidArgument(
        "--expected compares the forward's output; allowed with --pass "
        "forward only");
  }
  std::vector<std::string> targets;
  if (opt.target == "all") {
    PinTarget("best");
    for (int64_t t : RunnableTargets()) targets.push_back(TargetNameOf(t));
  } else {
    PinTarget(opt.target);  // validates the name
    targets.push_back(opt.target);
  }

  fmt::print(kRowFormat, "variant", "target", "inputs", "mask",
             "shape BxH/HkvxNqxNkxD", "max_abs_err", "rel_err", "bound",
             "result");
  Tally tally;
  for (const std::string& target : targets) {
    PinTarget(target);
    for (const Variant* v : variants) {
      if (loaded) {
        for (const Mask& mask : MasksFor(loaded->shape, opt)) {
          if (!v->RunsMaskKind(mask.kind)) {
            tally.not_run.insert({std::string(v->Name()), mask.ToString()});
            continue;
          }
          const Problem problem{loaded->shape, mask, std::nullopt, opt.threads};
          Validate(problem);
          RequireFp32Scores(*loaded, problem.Scale(),
                            "--inputs " + opt.io.inputs);
          CheckOne(*v, problem, "files", *loaded,
                   expected.empty() ? nullptr : &expected, opt, tally);
        }
        continue;
      }
      for (Distribution dist : dists) {
        for (const Shape& shape : CheckShapes()) {
          AttentionData data = MakeInputs(shape, opt.seed, dist);
          RoundInputs(data, dtype);
          for (const Mask& mask : MasksFor(shape, opt)) {
            if (!v->RunsMaskKind(mask.kind)) {
              tally.not_run.insert({std::string(v->Name()), mask.ToString()});
              continue;
            }
            const Problem problem{shape, mask, std::nullopt, opt.threads};
            Validate(problem);
            CheckOne(*v, problem, std::string(DistributionName(dist)), data,
                     nullptr, opt, tally);
          }
        }
      }
    }
  }
  PinTarget("best");
  fmt::print("check: {} passed, {} failed", tally.passed, tally.failed);
  if (tally.skipped > 0) {
    fmt::print(", {} skipped (shape not supported)", tally.skipped);
  }
  if (tally.no_backward > 0) {
    fmt::print(
        ", {} without a backward pass for the problem (`attnbench run "
        "--pass backward` says why)",
        tally.no_backward);
  }
  if (!tally.not_run.empty()) {
    fmt::print(
        "; left out {} variant x mask pair(s) whose variant does not run "
        "that mask kind (`attnbench list` shows each variant's masks)",
        tally.not_run.size());
  }
  fmt::print("\n");
  return tally.failed == 0 ? 0 : 1;
}

}  // namespace

Command AddCheckCommand(CLI::App& app) {
  auto opt = std::make_shared<CheckOptions>();
  CLI::App* sub = app.add_subcommand(
      "check",
      "Run variants on awkward shapes, every mask and every input "
      "distribution (or on given tensors) against the double-precision "
      "oracle (or an expected output); exit 1 if any disagrees");
  sub->add_option("--variant", opt->variant,
                  "one variant (default: every registered variant)");
  sub->add_option("--target", opt->target,
                  "Highway target: best, all, or a name from `list`")
      ->capture_default_str();
  sub->add_flag("--no-bf16-dot", opt->no_bf16_dot, kNoBf16DotHelp);
  sub->add_option("--threads", opt->threads, "oneTBB threads")
      ->capture_default_str();
  sub->add_option("--seed", opt->seed, "input seed")
      ->capture_default_str()
      ->check(PlainUnsigned());
  sub->add_option("--dist", opt->dists,
                  "input distributions, comma separated (default: uniform, "
                  "normal, peaked, outliers)")
      ->delimiter(',');
  sub->add_option("--mask", opt->masks,
                  "masks, separated by ';' (default: the check masks)")
      ->delimiter(';');
  sub->add_option("--dtype", opt->dtype,
                  "input precision: f32 | bf16 | f16 (Q, K, V rounded to it; "
                  "the oracle sees the rounded values)")
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::DTypeNames()));
  sub->add_option("--pass", opt->pass,
                  "forward | backward (dQ, dK, dV against the oracle's "
                  "gradients) | both (and O)")
      ->capture_default_str()
      ->check(CLI::IsMember(attnbench::PassNames()));
  sub->add_option("--inputs", opt->io.inputs,
                  "folder with q.npy, k.npy, v.npy instead of generated "
                  "inputs");
  sub->add_option("--layout", opt->io.layout,
                  "layout of .npy tensors: bhnd | bnhd")
      ->capture_default_str();
  sub->add_option("--expected", opt->expected,
                  "o.npy to compare with instead of the oracle (needs "
                  "--inputs and one --mask)");
  sub->add_flag("--failures-only", opt->failures_only,
                "print only the rows that disagree");
  return {sub, [opt] { return RunCheck(*opt); }};
}

}  // namespace attnbench::cli
