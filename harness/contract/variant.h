// The interface every attention variant implements, and the registry that
// variants join by themselves. The harness never names a variant.
#ifndef ATTNBENCH_HARNESS_CONTRACT_VARIANT_H_
#define ATTNBENCH_HARNESS_CONTRACT_VARIANT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/contract/problem.h"

namespace attnbench {

// Views of the four tensors in the layout of harness/contract/problem.h.
// With Problem::storage bf16 or f16, Q, K and V are q16, k16 and v16 (the
// type's bits, kernels/half.h) and q, k, v are null; O is fp32 always.
struct Tensors {
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  float* o = nullptr;
  const uint16_t* q16 = nullptr;
  const uint16_t* k16 = nullptr;
  const uint16_t* v16 = nullptr;
};

// Agreement bound against the oracle: max abs error <= abs_bound *
// max(1, max|oracle|). A variant looser than the default says why.
struct Tolerance {
  double abs_bound = 2e-5;
  std::string reason;
};

// The backward pass's tensors (docs/semantics.md "Gradients"): dO in, and
// dQ, dK, dV out, laid out like Q, K and V; and what the forward saves for
// the backward.
struct Gradients {
  const float* d_out = nullptr;  // [B, H, Nq, D]
  float* dq = nullptr;           // [B, H, Nq, D]
  float* dk = nullptr;           // [B, Hkv, Nk, D]
  float* dv = nullptr;           // [B, Hkv, Nk, D]
  // Per query row [B, H, Nq]: the forward's softmax statistics, its final
  // running max m and sum l, so that P_pj = w_pj exp(s_pj - m_p) / l_p
  // (l = 0: the row sees no key). Written by RunForwardForBackward for a
  // backward that recomputes P tile by tile (FlashAttention-2's log-sum-exp,
  // kept as m and l); a variant that does not need them leaves them alone.
  float* row_max = nullptr;
  float* row_sum = nullptr;
  // [H], optional: for a mask whose rule has a learnable span
  // (MaskRule::SpanOf), dL/dz_h of each head's span, summed over
  // the batch (docs/semantics.md "Gradients"); nullptr: not wanted. A
  // variant that returns it says so (Variant::ReturnsSpanGradient).
  float* dz = nullptr;
};

class Variant {
 public:
  virtual ~Variant() = default;

  virtual std::string_view Name() const = 0;
  // One line: what the variant computes and how.
  virtual std::string_view Summary() const = 0;
  // Registered mask kinds by name ("causal", "window", "sparse_fixed", ...;
  // harness/contract/mask_rule.h).
  virtual std::vector<std::string> SupportedMasks() const = 0;
  // Whether `kind` is one of SupportedMasks(): the pairs `check` and
  // `sweep` plan at all.
  bool RunsMaskKind(std::string_view kind) const;
  virtual Tolerance GetTolerance() const { return {}; }
  // Whether Run reads Q, K and V stored in half precision (Tensors::q16,
  // k16, v16) for bf16 and f16 inputs, converting in registers. Otherwise
  // (the default) it gets their values in fp32.
  virtual bool ReadsHalfPrecision() const { return false; }

  // Empty if the variant can run this (validated) problem, else the reason.
  // The default rejects masks outside SupportedMasks().
  virtual std::string WhyUnsupported(const Problem& problem) const;

  // Upper bound of the scratch bytes Run will allocate (checked by the
  // tests against the measured workspace), so that a problem that would not
  // fit in memory is refused before it runs.
  virtual size_t EstimateWorkspaceBytes(const Problem& problem) const = 0;

  // Computes O for a validated, supported problem. The caller has entered a
  // oneTBB arena with problem.threads threads; use tbb::parallel_* inside.
  // Scratch memory goes through ScratchBuffer (harness/contract/workspace.h) so
  // that the harness can report it.
  virtual void Run(const Problem& problem, const Tensors& tensors) const = 0;

  // The backward pass, for variants that have one (fp32 inputs): training
  // runs RunForwardForBackward (O into tensors.o, and what the backward
  // needs into grads.row_max and row_sum), then RunBackward on the same
  // tensors: dQ, dK and dV of a loss whose gradient with respect to O is
  // grads.d_out. The same contract as Run otherwise. The default says it
  // has none; WhyNoBackward says why a problem has none (empty: it has).
  virtual bool HasBackward() const { return false; }
  virtual std::string WhyNoBackward(const Problem& problem) const;
  // Whether RunBackward fills grads.dz for a mask with a learnable span.
  virtual bool ReturnsSpanGradient() const { return false; }
  virtual void RunForwardForBackward(const Problem& problem,
                                     const Tensors& tensors,
                                     const Gradients& grads) const;
  virtual size_t EstimateBackwardWorkspaceBytes(const Problem&) const {
    return 0;
  }
  virtual void RunBackward(const Problem& problem, const Tensors& tensors,
                           const Gradients& grads) const;
};

class Registry {
 public:
  static Registry& Get();
  // Returns true so that it can initialise a static; names must be unique.
  bool Add(std::unique_ptr<Variant> variant);
  // nullptr when no variant has that name.
  const Variant* Find(std::string_view name) const;
  // Sorted by name, so listings do not imply a preference.
  std::vector<const Variant*> All() const;
  // "a, b, c": for error messages.
  std::string Names() const;
  // The variants named (all of them when `names` is empty); throws
  // InvalidArgument for a name not registered, listing the names.
  std::vector<const Variant*> Resolve(
      const std::vector<std::string>& names) const;

 private:
  std::vector<std::unique_ptr<Variant>> variants_;
};

}  // namespace attnbench

// Registers a Variant made by `expression` (a std::unique_ptr<Variant>) from
// its own .cc file; `tag` is any identifier unique in that file.
#define ATTNBENCH_REGISTER_VARIANT_INSTANCE(tag, expression)      \
  [[maybe_unused]] static const bool attnbench_registered_##tag = \
      ::attnbench::Registry::Get().Add(expression)

// Registers a default-constructible Variant subclass from its own .cc file.
#define ATTNBENCH_REGISTER_VARIANT(Type)                           \
  [[maybe_unused]] static const bool attnbench_registered_##Type = \
      ::attnbench::Registry::Get().Add(std::make_unique<Type>())

#endif  // ATTNBENCH_HARNESS_CONTRACT_VARIANT_H_
