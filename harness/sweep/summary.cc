#include "harness/sweep/summary.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "harness/measure/measure.h"
#include "harness/sweep/plan.h"

namespace attnbench::sweep {

double FitExponent(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += std::log(x[i]) / n;
    my += std::log(y[i]) / n;
  }
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (std::log(x[i]) - mx) * (std::log(y[i]) - my);
    sxx += (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
  }
  return sxx > 0 ? sxy / sxx : std::numeric_limits<double>::quiet_NaN();
}

std::string SummaryTable(const std::vector<nlohmann::ordered_json>& rows,
                         const std::string& baseline) {
  // A memory-bound or decode point (ShowsBandwidth) shows GB/s of minimal
  // K/V bytes and the fraction of the read bandwidth instead of GFLOP/s
  // and the fraction of the peak.
  struct Point {
    double seconds, rate, pct;
    bool memory, noisy;
  };
  // family -> N -> point; the baseline's time per (mask, D, threads, N).
  std::map<std::string, std::map<int64_t, Point>> families;
  std::map<std::string, std::tuple<std::string, std::string, int64_t, int>>
      family_parts;
  std::map<std::string, double> baseline_seconds;
  std::set<int64_t> sizes;
  for (const auto& r : rows) {
    if (r.value("status", "") != "ok") continue;
    const std::string variant = r["variant"], mask = r["mask"];
    const int64_t dim = r["D"], n = r["Nk"];
    const int threads = r["threads"];
    const std::string family = FamilyKey(variant, mask, dim, threads);
    const bool memory = ShowsBandwidth(r);
    families[family][n] = {r["median_s"], memory ? r["gbps"] : r["gflops"],
                           memory ? r["pct_bandwidth"] : r["pct_peak"], memory,
                           r.value("noisy", false)};
    family_parts[family] = {variant, mask, dim, threads};
    sizes.insert(n);
    if (variant == baseline) {
      baseline_seconds[fmt::format("{} {} {} {}", mask, dim, threads, n)] =
          r["median_s"];
    }
  }
  std::string out =
      fmt::format("{:<44}", "GFLOP/s (pct_peak), or GB/s (pct_bandwidth)");
  for (int64_t n : sizes) out += fmt::format(" {:>14}", fmt::format("N={}", n));
  out += fmt::format(" {:>8} {:>14}\n", "exponent", "vs " + baseline);
  out += fmt::format(
      "(effective GFLOP/s and % of the FMA peak; for memory-bound and decode "
      "rows (Nq <= {}, Nq < Nk),\n marked B, GB/s of minimal K/V bytes and % "
      "of the read bandwidth. "
      "exponent of time in N over each family's four largest quiet N; vs "
      "{}: time ratio at the largest N both ran. * marks a noisy point,\n "
      "left out of the fit; a family with fewer than two quiet points gets "
      "no exponent)\n",
      kDecodeMaxNewRows, baseline);
  for (const auto& [family, points] : families) {
    const auto& [variant, mask, dim, threads] = family_parts[family];
    out += fmt::format("{:<44}", family);
    std::vector<double> xs, ys;
    std::string speedup = "";
    for (int64_t n : sizes) {
      const auto it = points.find(n);
      if (it == points.end()) {
        out += fmt::format(" {:>14}", "-");
        continue;
      }
      const Point& p = it->second;
      out += fmt::format(
          " {:>14}", fmt::format("{}{}{:.1f} ({:.0f}%)", p.noisy ? "*" : "",
                                 p.memory ? "B " : "", p.rate, 100 * p.pct));
      if (!p.noisy) {
        xs.push_back(static_cast<double>(n));
        ys.push_back(p.seconds);
      }
      const auto base = baseline_seconds.find(
          fmt::format("{} {} {} {}", mask, dim, threads, n));
      if (variant != baseline && base != baseline_seconds.end()) {
        speedup = fmt::format("{:.1f}x @N={}", base->second / p.seconds, n);
      }
    }
    // The asymptotic regime: the four largest quiet sizes (a window of W
    // keys is causal, so quadratic, while N <= W).
    const size_t skip = xs.size() > 4 ? xs.size() - 4 : 0;
    const double e = FitExponent({xs.begin() + skip, xs.end()},
                                 {ys.begin() + skip, ys.end()});
    out += fmt::format(" {:>8} {:>14}\n",
                       std::isnan(e) ? "-" : fmt::format("{:.2f}", e), speedup);
  }
  return out;
}

}  // namespace attnbench::sweep
