#include "kernels/bf16_dot_peak.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ATTNBENCH_HAVE_BF16_DOT 1
#endif

namespace attnbench {
namespace {

// 16 chains cover vdpbf16ps's latency (about 6 cycles at 2 a cycle) and
// leave registers spare: with 30 (32 registers in all, as this probe had
// before), g++ kept the accumulators in memory and the probe measured the
// loads and stores, 0.77 of the instruction's rate.
constexpr int kChains = 16;

}  // namespace

#ifdef ATTNBENCH_HAVE_BF16_DOT

bool HasBf16Dot() { return __builtin_cpu_supports("avx512bf16") != 0; }

// acc_c += 1.0 * 1e-6 + 1.0 * 1e-6 per lane and step (bf16 pairs): grows
// slowly, never denormal nor infinite for the iterations a probe runs.
__attribute__((target("avx512f,avx512bf16"))) float RunBf16DotChains(
    int64_t iterations) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) {
    acc[c] = _mm512_set1_ps(1.0f + static_cast<float>(c));
  }
  const auto one = reinterpret_cast<__m512bh>(_mm512_set1_epi32(0x3F803F80));
  const auto tiny = reinterpret_cast<__m512bh>(_mm512_set1_epi32(0x358637BD));
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) {
      acc[c] = _mm512_dpbf16_ps(acc[c], one, tiny);
    }
  }
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm512_add_ps(sum, acc[c]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  float total = 0.0f;
  for (float x : lanes) total += x;
  return total;
}

#else

bool HasBf16Dot() { return false; }
float RunBf16DotChains(int64_t) { return 0.0f; }

#endif

double Bf16DotChainFlops(int64_t iterations) {
  return 16.0 * 2 * 2 * kChains * static_cast<double>(iterations);
}

}  // namespace attnbench
