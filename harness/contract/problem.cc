#include "harness/contract/problem.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "harness/contract/mask_rule.h"

namespace attnbench {
namespace {

// Multiplies non-negative counts, or throws naming what overflowed.
int64_t CheckedProduct(std::initializer_list<int64_t> factors,
                       std::string_view what) {
  int64_t product = 1;
  for (int64_t f : factors) {
    if (__builtin_mul_overflow(product, f, &product)) {
      throw InvalidArgument(fmt::format(
          "{} overflows 64-bit arithmetic; reduce B, H, N or D", what));
    }
  }
  return product;
}

void RequireRange(std::string_view name, int64_t value, int64_t lo,
                  int64_t hi) {
  if (value >= lo && value <= hi) return;
  if (hi == std::numeric_limits<int64_t>::max()) {
    throw InvalidArgument(fmt::format("{} = {} is out of range; allowed: >= {}",
                                      name, value, lo));
  }
  throw InvalidArgument(fmt::format("{} = {} is out of range; allowed: {}..{}",
                                    name, value, lo, hi));
}

}  // namespace

std::string Shape::ToString() const {
  return fmt::format("{}x{}/{}x{}x{}x{}", B, H, Hkv, Nq, Nk, D);
}

double Problem::Scale() const {
  return scale ? *scale : 1.0 / std::sqrt(static_cast<double>(shape.D));
}

std::string Problem::ToString() const {
  return fmt::format("{} {} scale={} threads={}", shape.ToString(),
                     mask.ToString(), Scale(), threads);
}

void Validate(const Problem& problem) {
  constexpr int64_t kMaxDim = std::numeric_limits<int64_t>::max();
  const Shape& s = problem.shape;
  RequireRange("B", s.B, 1, kMaxDim);
  RequireRange("H", s.H, 1, kMaxDim);
  RequireRange("Hkv", s.Hkv, 1, s.H);
  if (s.H % s.Hkv != 0) {
    throw InvalidArgument(
        fmt::format("Hkv = {} does not divide H = {}; allowed: a divisor of H",
                    s.Hkv, s.H));
  }
  RequireRange("Nk", s.Nk, 1, kMaxDim);
  RequireRange("Nq", s.Nq, 1, s.Nk);
  RequireRange("D", s.D, 1, kMaxHeadDim);
  RequireRange("threads", problem.threads, 1, kMaxThreads);
  // Element and pair counts (and their byte sizes) must fit in 64 bits.
  CheckedProduct({s.B, s.H, s.Nq, s.D, 4}, "Q/O size in bytes (B*H*Nq*D*4)");
  CheckedProduct({s.B, s.Hkv, s.Nk, s.D, 4},
                 "K/V size in bytes (B*Hkv*Nk*D*4)");
  CheckedProduct({s.B, s.H, s.Nq, s.Nk, 4 * s.D}, "work count (B*H*Nq*Nk*4*D)");

  // Scores are scale * q.k in fp32: a scale far from 1/sqrt(D) overflows
  // them (inf - inf in the softmax) long before it means anything; at 1e6
  // every row is already one-hot for any inputs that differ at all.
  if (problem.scale &&
      !(std::isfinite(*problem.scale) && std::fabs(*problem.scale) <= 1e6)) {
    throw InvalidArgument(fmt::format(
        "scale = {} is out of range; allowed: a finite number with |scale| <= "
        "1e6",
        *problem.scale));
  }
  if (!problem.mask.rule) {
    throw InvalidArgument(
        fmt::format("mask '{}' has no rule", problem.mask.kind));
  }
  problem.mask.Rule().Check(s);
}

}  // namespace attnbench
