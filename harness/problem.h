// The problem description shared by every variant, the oracle and the CLI:
// tensor shapes, the mask and its parameters, the softmax scale, threads.
// Layout (DESIGN.md): Q [B, H, Nq, D], K and V [B, Hkv, Nk, D], O [B, H, Nq,
// D], fp32, row-major, contiguous. Query row i sits at key position Nk - Nq +
// i.
#ifndef ATTNBENCH_HARNESS_PROBLEM_H_
#define ATTNBENCH_HARNESS_PROBLEM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace attnbench {

// Thrown for input outside the allowed range. The message names the
// parameter, the value given and the allowed values.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class MaskKind { kNone, kCausal, kWindow, kSpan, kCustom };

class MaskRule;

std::string_view MaskKindName(MaskKind kind);

// What each query may see; DESIGN.md "Masks" is the definition.
struct Mask {
  MaskKind kind = MaskKind::kCausal;
  // kWindow: W keys including the diagonal (W >= 1).
  int64_t window = 0;
  // kSpan: z_h >= 0, either one value for every head or one per head.
  std::vector<double> spans;
  // kSpan: ramp length R > 0.
  double ramp = 32.0;
  // kCustom: a registered mask kind (harness/mask_rule.h) and its rule.
  std::string custom_name;
  std::shared_ptr<const MaskRule> rule;

  static Mask None();
  static Mask Causal();
  static Mask Window(int64_t w);
  static Mask Span(std::vector<double> spans, double ramp = 32.0);
  static Mask Custom(std::string name, std::shared_ptr<const MaskRule> rule);

  // "none", "causal", "window", "span" or the custom kind's name.
  std::string KindName() const;

  // The span of head h (kSpan only).
  double SpanOf(int64_t h) const {
    return spans.size() == 1 ? spans[0] : spans[static_cast<size_t>(h)];
  }
  // The text form accepted by ParseMask: none, causal, window:W,
  // span:Z[:R] or span:Z0,Z1,...[:R].
  std::string ToString() const;
};

// Parses the text form of a mask; throws InvalidArgument.
Mask ParseMask(std::string_view text);

struct Shape {
  int64_t B = 1;
  int64_t H = 1;
  int64_t Hkv = 1;
  int64_t Nq = 1;
  int64_t Nk = 1;
  int64_t D = 64;

  int64_t QElements() const { return B * H * Nq * D; }
  int64_t KVElements() const { return B * Hkv * Nk * D; }
  // "BxH/HkvxNqxNkxD", e.g. 1x8/8x1024x1024x64.
  std::string ToString() const;
};

inline constexpr int64_t kMaxHeadDim = 4096;
inline constexpr int kMaxThreads = 1024;

struct Problem {
  Shape shape;
  Mask mask;
  // Softmax scale; 1/sqrt(D) when unset.
  std::optional<double> scale;
  int threads = 1;

  double Scale() const;
  std::string ToString() const;
};

// Checks every shape and mask parameter once; throws InvalidArgument naming
// the first one out of range. Also rejects sizes whose element or pair
// counts would overflow 64-bit arithmetic.
void Validate(const Problem& problem);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_PROBLEM_H_
