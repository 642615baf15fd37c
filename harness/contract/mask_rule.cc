#include "harness/contract/mask_rule.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "harness/contract/problem.h"

namespace attnbench {

std::vector<MaskKindInfo> BuiltinMaskKinds();

namespace {

// The built-in kinds come first, registered with the registry itself (so
// that no link order can drop them); harness/contract/builtin_masks.cc.
std::vector<MaskKindInfo>& Kinds() {
  static std::vector<MaskKindInfo> kinds = BuiltinMaskKinds();
  return kinds;
}

}  // namespace

std::vector<int64_t> ParseIntParams(std::string_view params,
                                    const std::vector<std::string>& names,
                                    int64_t min_value) {
  std::vector<int64_t> values;
  size_t start = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const size_t colon = params.find(':', start);
    const bool last = i + 1 == names.size();
    if (start > params.size() || (!last && colon == std::string_view::npos) ||
        (last && colon != std::string_view::npos)) {
      throw InvalidArgument(
          fmt::format("expected {} parameter(s)", names.size()));
    }
    const std::string_view text = params.substr(start, colon - start);
    int64_t value = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        value < min_value) {
      throw InvalidArgument(fmt::format("{} = '{}' is not an integer >= {}",
                                        names[i], text, min_value));
    }
    if (value > kMaxMaskParam) {
      throw InvalidArgument(
          fmt::format("{} = {} is out of range; allowed: {}..{} (2^40)",
                      names[i], value, min_value, kMaxMaskParam));
    }
    values.push_back(value);
    start = colon == std::string_view::npos ? params.size() + 1 : colon + 1;
  }
  return values;
}

bool RegisterMaskKind(MaskKindInfo info) {
  if (FindMaskKind(info.name) != nullptr) {
    std::fprintf(stderr, "attnbench: mask kind '%s' registered twice\n",
                 info.name.c_str());
    std::abort();
  }
  Kinds().push_back(std::move(info));
  return true;
}

const MaskKindInfo* FindMaskKind(std::string_view name) {
  for (const MaskKindInfo& k : Kinds()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<const MaskKindInfo*> MaskKinds() {
  std::vector<const MaskKindInfo*> all;
  for (const MaskKindInfo& k : Kinds()) all.push_back(&k);
  static const size_t builtins = BuiltinMaskKinds().size();
  std::sort(all.begin() + static_cast<std::ptrdiff_t>(builtins), all.end(),
            [](auto* a, auto* b) { return a->name < b->name; });
  return all;
}

}  // namespace attnbench
