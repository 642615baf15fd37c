// A mask: a registered kind and its rule (harness/contract/mask_rule.h).
// The text form is KIND or KIND:PARAMS; docs/semantics.md defines every
// built-in kind.
#ifndef ATTNBENCH_HARNESS_CONTRACT_MASK_H_
#define ATTNBENCH_HARNESS_CONTRACT_MASK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/contract/mask_rule.h"

namespace attnbench {

struct Problem;

struct Mask {
  // The registered kind ("causal", "window", "sparse_fixed", ...).
  std::string kind;
  // Never null in a mask made by ParseMask or the factories below.
  std::shared_ptr<const MaskRule> rule;

  // Causal, so that a default Problem is valid.
  Mask();
  Mask(std::string kind_name, std::shared_ptr<const MaskRule> mask_rule)
      : kind(std::move(kind_name)), rule(std::move(mask_rule)) {}

  // The built-in kinds (docs/semantics.md "Masks").
  static Mask None();
  static Mask Causal();
  static Mask Window(int64_t w);
  static Mask Span(std::vector<double> spans, double ramp = 32.0);

  const MaskRule& Rule() const { return *rule; }
  // KIND or KIND:PARAMS, as ParseMask reads it.
  std::string ToString() const;
};

// Parses the text form of a mask; throws InvalidArgument naming the
// parameter and listing every kind's form.
Mask ParseMask(std::string_view text);

// P of docs/semantics.md: the number of (query, key) pairs with w > 0,
// summed over batch and heads.
int64_t CountVisiblePairs(const Problem& problem);

// Effective FLOPs = 4 * D * P (2D for q.k, 2D for the weighted v).
double EffectiveFlops(const Problem& problem);

// For each key/value head, the keys that some query of its heads sees,
// as sorted, disjoint, non-adjacent ranges: from the rule's RowKeys; a
// rule without them: from its weights over its rows' Bounds when a K/V
// head has at most 256 query rows, else the Bounds themselves (an upper
// bound). The same for every batch entry (masks do not depend on it).
std::vector<std::vector<KeyRange>> KeysToRead(const Problem& problem);

// The bytes of K and V the problem must read at least: B times the keys
// of KeysToRead times 2 * D * the bytes of an element as stored
// (Problem::storage: 4 for f32, 2 for bf16 and f16).
// For an unmasked or causal fp32 decode step: 2 * B * Hkv * Nk * D * 4.
int64_t MinimalKvBytes(const Problem& problem);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CONTRACT_MASK_H_
