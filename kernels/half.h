// Half-precision storage, scalar: the bits of bfloat16 (8 exponent bits, 7
// fraction bits: the top half of an fp32) and IEEE binary16 (5 exponent
// bits, 10 fraction bits) values, and their fp32 values. Q, K and V stored
// this way are widened to fp32 in registers by the kernels
// (kernels/half-inl.h); these are the one-element twins, for tails and
// tests, and for the harness, which stores values already rounded to the
// type (harness/io/dtype.h) and so converts them exactly.
#ifndef ATTNBENCH_KERNELS_HALF_H_
#define ATTNBENCH_KERNELS_HALF_H_

#include <cmath>
#include <cstdint>
#include <cstring>

namespace attnbench {

inline float FloatFromBf16Bits(uint16_t bits) {
  const uint32_t u = static_cast<uint32_t>(bits) << 16;
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// Subnormals (exponent field 0) are exact: fraction * 2^-24.
inline float FloatFromF16Bits(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits >> 15) << 31;
  const uint32_t exponent = (bits >> 10) & 0x1Fu;
  const uint32_t fraction = bits & 0x3FFu;
  uint32_t u;
  if (exponent == 0) {
    const float x = std::ldexp(static_cast<float>(fraction), -24);
    return sign != 0 ? -x : x;
  }
  if (exponent == 0x1F) {  // infinity, or NaN (its payload kept)
    u = sign | 0x7F800000u | (fraction << 13);
  } else {
    u = sign | ((exponent + 127 - 15) << 23) | (fraction << 13);
  }
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// The bits of x, a bfloat16 value (the low 16 bits of its fp32 form are
// zero; a NaN becomes the quiet NaN 0x7FC0).
inline uint16_t Bf16BitsOf(float x) {
  if (std::isnan(x)) return 0x7FC0u;
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return static_cast<uint16_t>(u >> 16);
}

// The bits of x, a binary16 value (finite values of binary16's range and
// precision, infinities; a NaN becomes the quiet NaN 0x7E00).
inline uint16_t F16BitsOf(float x) {
  if (std::isnan(x)) return 0x7E00u;
  const uint16_t sign = std::signbit(x) ? 0x8000u : 0u;
  const float a = std::fabs(x);
  if (std::isinf(a)) return sign | 0x7C00u;
  if (a < 0x1.0p-14f) {  // subnormal or zero: a = fraction * 2^-24
    return sign | static_cast<uint16_t>(std::ldexp(a, 24));
  }
  const int e = std::ilogb(a);  // -14 .. 15
  const auto fraction =
      static_cast<uint16_t>(std::ldexp(a, 10 - e) - 1024.0f);  // exact
  return sign | static_cast<uint16_t>((e + 15) << 10) | fraction;
}

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_HALF_H_
