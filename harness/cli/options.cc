#include "harness/cli/options.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "harness/measure/kv_cache.h"
#include "harness/measure/pin_target.h"
#include "kernels/prefetch_hint.h"

namespace attnbench::cli {

void ProblemOptions::AddTo(CLI::App& app) {
  app.add_option("--N", n, "sequence length: Nq = Nk = N unless given")
      ->capture_default_str()
      ->check(NotEmpty());
  app.add_option("--Nq", nq, "query rows (<= Nk), aligned to the last keys")
      ->check(NotEmpty());
  app.add_option("--Nk", nk, "keys and values")->check(NotEmpty());
  app.add_option("--D", head_dim, "head dimension")
      ->capture_default_str()
      ->check(NotEmpty());
  app.add_option("--H", h, "query heads")
      ->capture_default_str()
      ->check(NotEmpty());
  app.add_option("--Hkv", hkv, "key/value heads, dividing H (default: H)")
      ->check(NotEmpty());
  app.add_option("--B", b, "batch size")
      ->capture_default_str()
      ->check(NotEmpty());
  app.add_option("--mask", mask,
                 "KIND[:PARAMS]: none | causal | window:W | span:Z[:R] | "
                 "span:Z0,Z1,...[:R] | any registered kind (`attnbench list`)")
      ->capture_default_str();
  app.add_option("--scale", scale, "softmax scale (default: 1/sqrt(D))")
      ->check(NotEmpty());
  app.add_option("--threads", threads, "oneTBB threads")
      ->capture_default_str()
      ->check(NotEmpty());
}

Problem ProblemOptions::ToProblem() const {
  const ProblemOptions& o = *this;
  if (o.n < 1) {
    throw InvalidArgument(
        fmt::format("N = {} is out of range; allowed: >= 1", o.n));
  }
  Problem p;
  p.shape.B = o.b;
  p.shape.H = o.h;
  p.shape.Hkv = o.hkv.value_or(o.h);
  p.shape.Nk = o.nk.value_or(o.n);
  p.shape.Nq = o.nq.value_or(o.n);
  p.shape.D = o.head_dim;
  p.mask = ParseMask(o.mask);
  p.scale = o.scale;
  p.threads = o.threads;
  return p;
}

void InputOptions::AddTo(CLI::App& app, bool with_save) {
  app.add_option("--dist", dist,
                 "generated inputs: uniform | normal | peaked | outliers")
      ->capture_default_str();
  app.add_option("--inputs", inputs,
                 "folder with q.npy, k.npy, v.npy (float32, C order; and "
                 "do.npy, dO for `run --pass backward|both`); the shape "
                 "comes from the files");
  app.add_option("--layout", layout, "layout of .npy tensors: bhnd | bnhd")
      ->capture_default_str();
  if (with_save) {
    app.add_option("--save", save,
                   "folder to write o.npy into (and q, k, v.npy when they "
                   "were generated)");
  }
}

std::optional<AttentionData> InputOptions::Load() const {
  Dist();        // validate every option, even when unused
  FileLayout();  //
  if (inputs.empty()) return std::nullopt;
  return LoadInputs(inputs, FileLayout());
}

const Variant& FindVariant(const std::string& name) {
  return *Registry::Get().Resolve({name}).front();
}

void AddDecodeStudyOptions(CLI::App& app, std::string& prefetch_hint,
                           std::string& kv_cache) {
  app.add_option("--prefetch-hint", prefetch_hint, kPrefetchHintHelp)
      ->capture_default_str()
      ->check(CLI::IsMember(PrefetchHintChoices()));
  app.add_option("--kv-cache", kv_cache, kKvCacheHelp)
      ->capture_default_str()
      ->check(CLI::IsMember(KvCacheNames()));
}

CLI::Validator FiniteRange(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) {
          return fmt::format("'{}' is not a number", text);
        }
        if (!(value >= lo && value <= hi)) {
          return fmt::format("{} is out of range; allowed: {}..{}", text, lo,
                             hi);
        }
        return {};
      },
      fmt::format("NUMBER in [{} - {}]", lo, hi));
}

CLI::Validator PlainUnsigned() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() ||
            text.find_first_not_of("0123456789") != std::string::npos) {
          return fmt::format(
              "'{}' is not an unsigned integer; allowed: "
              "digits 0-9 only",
              text);
        }
        return {};
      },
      "UINT");
}

CLI::Validator NotEmpty() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return text.empty() ? "an empty value; allowed: a number"
                            : std::string();
      },
      "");
}

void RequireThreads(int threads) {
  if (threads < 1 || threads > kMaxThreads) {
    throw InvalidArgument(fmt::format(
        "threads = {} is out of range; allowed: 1..{}", threads, kMaxThreads));
  }
}

void RequireFormat(const std::string& format) {
  if (format != "text" && format != "json") {
    throw InvalidArgument(
        fmt::format("format '{}' is not known; allowed: text, json", format));
  }
}

int HardwareThreads() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace attnbench::cli
