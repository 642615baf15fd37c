#include "harness/sweep/shard.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <numeric>

#include "harness/contract/mask.h"
#include "harness/measure/pass.h"

namespace attnbench::sweep {

ShardSpec ParseShard(const std::string& text) {
  const size_t slash = text.find('/');
  ShardSpec shard;
  const auto number = [](std::string_view s, int& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  if (slash == std::string::npos ||
      !number(std::string_view(text).substr(0, slash), shard.index) ||
      !number(std::string_view(text).substr(slash + 1), shard.count) ||
      shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
    throw InvalidArgument(fmt::format(
        "--shard '{}' is not a shard; allowed: I/N with 0 <= I < N (e.g. "
        "0/3, 1/3, 2/3)",
        text));
  }
  return shard;
}

double ShardCost(const SweepConfig& config) {
  const double dense = config.variant->Name() == "naive" ? 8.0 : 1.0;
  return dense * std::max(1.0, EffectiveFlops(config.problem));
}

std::string PlanId(const std::vector<SweepConfig>& configs) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const SweepConfig& c : configs) {
    for (const char ch : ConfigKey(c) + "\n") {
      hash ^= static_cast<unsigned char>(ch);
      hash *= 0x100000001b3ULL;
    }
  }
  return fmt::format("{:016x}", hash);
}

std::vector<int> AssignShards(const std::vector<SweepConfig>& configs,
                              int count) {
  std::vector<size_t> order(configs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::vector<double> cost(configs.size());
  for (size_t i = 0; i < configs.size(); ++i) cost[i] = ShardCost(configs[i]);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return cost[a] > cost[b]; });
  std::vector<double> load(static_cast<size_t>(count), 0.0);
  std::vector<int> shard(configs.size(), 0);
  for (size_t i : order) {
    const auto lightest = static_cast<size_t>(
        std::min_element(load.begin(), load.end()) - load.begin());
    shard[i] = static_cast<int>(lightest);
    load[lightest] += cost[i];
  }
  return shard;
}

}  // namespace attnbench::sweep
