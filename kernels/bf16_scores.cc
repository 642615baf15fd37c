#include "kernels/bf16_scores.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "kernels/bf16_dot_peak.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ATTNBENCH_HAVE_BF16_SCORES 1
#endif

namespace attnbench {
namespace {

std::atomic<bool>& EnabledFlag() {
  static std::atomic<bool> enabled{HasBf16Dot()};
  return enabled;
}

std::atomic<bool>& UsedFlag() {
  static std::atomic<bool> used{false};
  return used;
}

}  // namespace

bool Bf16DotEnabled() { return EnabledFlag().load(std::memory_order_relaxed); }

void SetBf16DotEnabled(bool enabled) {
  EnabledFlag().store(enabled && HasBf16Dot(), std::memory_order_relaxed);
}

void NoteBf16DotUsed() { UsedFlag().store(true, std::memory_order_relaxed); }
void ResetBf16DotUsed() { UsedFlag().store(false, std::memory_order_relaxed); }
bool Bf16DotUsed() { return UsedFlag().load(std::memory_order_relaxed); }

void PackBf16QueryPairs(const uint16_t* q, size_t dim, size_t stride,
                        size_t n_rows, uint32_t* qp) {
  constexpr size_t br = kBf16ScoreRows;
  for (size_t x = 0; x < dim; x += 2) {
    uint32_t* col = qp + (x / 2) * br;
    for (size_t r = 0; r < n_rows; ++r) {
      const uint16_t* row = q + r * stride + x;
      col[r] =
          static_cast<uint32_t>(row[0]) | (static_cast<uint32_t>(row[1]) << 16);
    }
    for (size_t r = n_rows; r < br; ++r) col[r] = 0;
  }
}

#ifdef ATTNBENCH_HAVE_BF16_SCORES
namespace {

constexpr size_t kKeys = 8;  // 2 row vectors x 8 keys: 16 accumulators

// The pair of bf16 at p as one 32-bit word in every lane.
__attribute__((target("avx512f"))) inline __m512bh BroadcastPair(
    const uint16_t* p) {
  uint32_t word;
  std::memcpy(&word, p, sizeof(word));
  return reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(word)));
}

}  // namespace

__attribute__((target("avx512f,avx512bf16"))) void Bf16ScoresTile(
    const uint32_t* qp, size_t dim, const uint16_t* k, size_t k_stride,
    size_t n_keys, float scale, float* st) {
  constexpr size_t br = kBf16ScoreRows;
  const __m512 vscale = _mm512_set1_ps(scale);
  size_t j = 0;
  for (; j + kKeys <= n_keys; j += kKeys) {
    __m512 acc[2][kKeys];
    for (size_t c = 0; c < kKeys; ++c) {
      acc[0][c] = _mm512_setzero_ps();
      acc[1][c] = _mm512_setzero_ps();
    }
    const uint16_t* kj = k + j * k_stride;
    for (size_t x = 0; x < dim; x += 2) {
      const uint32_t* col = qp + (x / 2) * br;
      const auto q0 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(col));
      const auto q1 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(col + 16));
      for (size_t c = 0; c < kKeys; ++c) {
        const __m512bh kb = BroadcastPair(kj + c * k_stride + x);
        acc[0][c] = _mm512_dpbf16_ps(acc[0][c], q0, kb);
        acc[1][c] = _mm512_dpbf16_ps(acc[1][c], q1, kb);
      }
    }
    for (size_t c = 0; c < kKeys; ++c) {
      float* s = st + (j + c) * br;
      _mm512_storeu_ps(s, _mm512_mul_ps(acc[0][c], vscale));
      _mm512_storeu_ps(s + 16, _mm512_mul_ps(acc[1][c], vscale));
    }
  }
  for (; j < n_keys; ++j) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (size_t x = 0; x < dim; x += 2) {
      const uint32_t* col = qp + (x / 2) * br;
      const __m512bh kb = BroadcastPair(k + j * k_stride + x);
      acc0 = _mm512_dpbf16_ps(
          acc0, reinterpret_cast<__m512bh>(_mm512_loadu_si512(col)), kb);
      acc1 = _mm512_dpbf16_ps(
          acc1, reinterpret_cast<__m512bh>(_mm512_loadu_si512(col + 16)), kb);
    }
    _mm512_storeu_ps(st + j * br, _mm512_mul_ps(acc0, vscale));
    _mm512_storeu_ps(st + j * br + 16, _mm512_mul_ps(acc1, vscale));
  }
}

#else

void Bf16ScoresTile(const uint32_t*, size_t, const uint16_t*, size_t, size_t,
                    float, float*) {
  std::abort();  // Bf16DotEnabled() is false on this platform
}

#endif

}  // namespace attnbench
