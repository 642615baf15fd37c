#include "harness/io/dtype.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "harness/io/inputs.h"
#include "kernels/half.h"

namespace attnbench {
namespace {

uint32_t Bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

float FromBits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

void RoundAll(float* x, int64_t n, DType dtype) {
  for (int64_t i = 0; i < n; ++i) x[i] = RoundTo(dtype, x[i]);
}

}  // namespace

const std::vector<std::string>& DTypeNames() {
  static const std::vector<std::string> names = {"f32", "bf16", "f16"};
  return names;
}

DType ParseDType(std::string_view name) {
  for (DType dtype : {DType::kF32, DType::kBF16, DType::kF16}) {
    if (name == DTypeName(dtype)) return dtype;
  }
  throw InvalidArgument(fmt::format("dtype '{}' is not known; allowed: {}",
                                    name, fmt::join(DTypeNames(), ", ")));
}

std::string DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kBF16:
      return "bf16";
    case DType::kF16:
      return "f16";
    case DType::kF32:
      break;
  }
  return "f32";
}

float RoundToBf16(float x) {
  if (std::isnan(x)) return std::numeric_limits<float>::quiet_NaN();
  // Keep the top 16 bits, rounding the 16 dropped ones to nearest, ties to
  // the even kept value; a carry may run into the exponent (up to inf).
  const uint32_t u = Bits(x);
  const uint32_t lsb = (u >> 16) & 1u;
  return FromBits((u + 0x7FFFu + lsb) & 0xFFFF0000u);
}

float RoundToF16(float x) {
  if (!std::isfinite(x)) {
    return std::isnan(x) ? std::numeric_limits<float>::quiet_NaN() : x;
  }
  const float a = std::fabs(x);
  if (a >= 65520.0f) return std::copysign(HUGE_VALF, x);
  // The spacing of binary16 values at |x|: 2^(e - 10) for normal numbers
  // (2^e <= |x| < 2^(e+1), e >= -14), 2^-24 for subnormals. x / ulp is
  // exact in fp32, and nearbyint rounds it to even in the default mode.
  const int e = a < 0x1.0p-14f ? -14 : std::ilogb(a);
  const float ulp = std::ldexp(1.0f, e - 10);
  return std::nearbyint(x / ulp) * ulp;
}

float RoundTo(DType dtype, float x) {
  switch (dtype) {
    case DType::kBF16:
      return RoundToBf16(x);
    case DType::kF16:
      return RoundToF16(x);
    case DType::kF32:
      break;
  }
  return x;
}

void StoreHalf(AttentionData& data, DType dtype) {
  if (dtype == DType::kF32) {
    data.q16.reset();
    data.k16.reset();
    data.v16.reset();
    return;
  }
  const auto store = [dtype](const float* x, int64_t n) {
    auto bits = AllocateHalfTensor(n);
    for (int64_t i = 0; i < n; ++i) {
      bits[i] = dtype == DType::kBF16 ? Bf16BitsOf(x[i]) : F16BitsOf(x[i]);
    }
    return bits;
  };
  data.q16 = store(data.q.get(), data.shape.QElements());
  data.k16 = store(data.k.get(), data.shape.KVElements());
  data.v16 = store(data.v.get(), data.shape.KVElements());
}

DType StorageFor(const Variant& variant, DType dtype) {
  return variant.ReadsHalfPrecision() ? dtype : DType::kF32;
}

Problem StoredProblem(const Variant& variant, const Problem& problem,
                      DType dtype) {
  Problem stored = problem;
  stored.storage = StorageFor(variant, dtype);
  return stored;
}

void RoundInputs(AttentionData& data, DType dtype) {
  if (dtype == DType::kF32) return;
  RoundAll(data.q.get(), data.shape.QElements(), dtype);
  RoundAll(data.k.get(), data.shape.KVElements(), dtype);
  RoundAll(data.v.get(), data.shape.KVElements(), dtype);
}

}  // namespace attnbench
