#include "harness/measure/kv_cache.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/measure/cache_flush.h"
#include "harness/measure/measure.h"

namespace attnbench {
namespace {
constexpr KvCache kChoices[] = {KvCache::kAuto, KvCache::kCold, KvCache::kWarm};
}  // namespace

std::string_view KvCacheName(KvCache choice) {
  switch (choice) {
    case KvCache::kAuto:
      return "auto";
    case KvCache::kCold:
      return "cold";
    case KvCache::kWarm:
      return "warm";
  }
  return "auto";
}

const std::vector<std::string>& KvCacheNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (KvCache c : kChoices) all.emplace_back(KvCacheName(c));
    return all;
  }();
  return names;
}

KvCache ParseKvCache(std::string_view name) {
  for (KvCache c : kChoices) {
    if (KvCacheName(c) == name) return c;
  }
  throw InvalidArgument(
      fmt::format("--kv-cache '{}' is not a choice; allowed: {}", name,
                  fmt::join(KvCacheNames(), ", ")));
}

bool WantsColdKv(const Problem& stored, Pass pass, const MachinePeaks& peaks,
                 KvCache choice) {
  if (pass != Pass::kForward || choice == KvCache::kWarm) return false;
  if (choice == KvCache::kCold) return true;
  return stored.shape.Nq < stored.shape.Nk ||
         BoundBy(stored, peaks) == "memory";
}

void RequireKvCacheChoice(KvCache choice, Pass pass) {
  if (choice != KvCache::kCold) return;
  if (pass != Pass::kForward) {
    throw InvalidArgument(fmt::format(
        "--kv-cache cold with --pass {}: allowed with --pass forward only "
        "(the backward pass is timed with K and V in the caches)",
        PassName(pass)));
  }
  if (!CanFlushCaches()) {
    throw InvalidArgument(
        "--kv-cache cold: this CPU cannot flush cache lines (no clflush); "
        "allowed here: auto, warm");
  }
}

}  // namespace attnbench
