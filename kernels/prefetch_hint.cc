#include "kernels/prefetch_hint.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <cstring>

namespace attnbench {
namespace {

// Whether this is an AMD CPU of family 25 (19h: Zen 3 and Zen 4); the family
// is the base family plus the extended family where the base is 15.
bool IsAmdFamily25() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0, &a, &b, &c, &d) == 0) return false;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  if (std::strcmp(vendor, "AuthenticAMD") != 0) return false;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const unsigned base = (a >> 8) & 0xF;
  const unsigned family = base == 0xF ? base + ((a >> 20) & 0xFF) : base;
  return family == 0x19;
#else
  return false;
#endif
}

}  // namespace

namespace detail {
bool prefetch_to_outer_caches = DefaultPrefetchHint() == PrefetchHint::kT1;
}  // namespace detail

PrefetchHint DefaultPrefetchHint() {
  static const PrefetchHint hint =
      IsAmdFamily25() ? PrefetchHint::kT1 : PrefetchHint::kT0;
  return hint;
}

PrefetchHint CurrentPrefetchHint() {
  return detail::prefetch_to_outer_caches ? PrefetchHint::kT1
                                          : PrefetchHint::kT0;
}

std::string PrefetchHintName(PrefetchHint hint) {
  return hint == PrefetchHint::kT1 ? "t1" : "t0";
}

std::optional<PrefetchHint> ParsePrefetchHint(const std::string& name) {
  if (name == "auto") return DefaultPrefetchHint();
  if (name == "t0") return PrefetchHint::kT0;
  if (name == "t1") return PrefetchHint::kT1;
  return std::nullopt;
}

std::vector<std::string> PrefetchHintChoices() { return {"auto", "t0", "t1"}; }

void SetPrefetchHint(PrefetchHint hint) {
  detail::prefetch_to_outer_caches = hint == PrefetchHint::kT1;
}

}  // namespace attnbench
