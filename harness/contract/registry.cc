#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "harness/contract/variant.h"

namespace attnbench {

bool Variant::RunsMaskKind(std::string_view kind) const {
  const std::vector<std::string> masks = SupportedMasks();
  return std::find(masks.begin(), masks.end(), kind) != masks.end();
}

std::string Variant::WhyUnsupported(const Problem& problem) const {
  const std::vector<std::string> masks = SupportedMasks();
  const std::string kind = problem.mask.kind;
  if (std::find(masks.begin(), masks.end(), kind) != masks.end()) return {};
  std::string names;
  for (const std::string& m : masks) names += (names.empty() ? "" : ", ") + m;
  return fmt::format("{} does not support mask {}; supported: {}", Name(), kind,
                     names);
}

std::string Variant::WhyNoBackward(const Problem& problem) const {
  if (!HasBackward()) {
    return fmt::format(
        "{} has no backward pass; variants with one: those `attnbench "
        "list` marks \"backward pass\"",
        Name());
  }
  if (problem.storage != DType::kF32) {
    return fmt::format(
        "{}'s backward pass takes fp32 inputs only (--dtype f32)", Name());
  }
  return {};
}

void Variant::RunForwardForBackward(const Problem& problem,
                                    const Tensors& tensors,
                                    const Gradients&) const {
  Run(problem, tensors);
}

void Variant::RunBackward(const Problem& problem, const Tensors&,
                          const Gradients&) const {
  throw InvalidArgument(WhyNoBackward(problem));
}

Registry& Registry::Get() {
  static Registry registry;
  return registry;
}

bool Registry::Add(std::unique_ptr<Variant> variant) {
  if (Find(variant->Name()) != nullptr) {
    // Two files registering one name is a build mistake; fail at start-up.
    std::fprintf(stderr, "attnbench: variant '%s' registered twice\n",
                 std::string(variant->Name()).c_str());
    std::abort();
  }
  variants_.push_back(std::move(variant));
  return true;
}

const Variant* Registry::Find(std::string_view name) const {
  for (const auto& v : variants_) {
    if (v->Name() == name) return v.get();
  }
  return nullptr;
}

std::vector<const Variant*> Registry::All() const {
  std::vector<const Variant*> all;
  for (const auto& v : variants_) all.push_back(v.get());
  std::sort(all.begin(), all.end(), [](const Variant* a, const Variant* b) {
    return a->Name() < b->Name();
  });
  return all;
}

std::vector<const Variant*> Registry::Resolve(
    const std::vector<std::string>& names) const {
  if (names.empty()) return All();
  std::vector<const Variant*> variants;
  for (const std::string& name : names) {
    const Variant* v = Find(name);
    if (v == nullptr) {
      throw InvalidArgument(fmt::format(
          "variant '{}' is not registered; allowed: {}", name, Names()));
    }
    variants.push_back(v);
  }
  return variants;
}

std::string Registry::Names() const {
  std::string names;
  for (const Variant* v : All()) {
    names += names.empty() ? "" : ", ";
    names += v->Name();
  }
  return names;
}

}  // namespace attnbench
