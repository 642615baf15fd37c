#include "harness/inputs.h"

#include <algorithm>

namespace attnbench {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

void FillUniform(float* x, int64_t n, uint64_t seed) {
  uint64_t state = seed;
  for (int64_t i = 0; i < n; ++i) {
    // 24 random bits -> a float in [0, 1) exactly, then to [-1, 1).
    const float u = static_cast<float>(SplitMix64(state) >> 40) * 0x1.0p-24f;
    x[i] = 2.0f * u - 1.0f;
  }
}

int64_t AttentionData::Bytes() const {
  return static_cast<int64_t>(sizeof(float)) * 2 *
         (shape.QElements() + shape.KVElements());
}

AttentionData MakeInputs(const Shape& shape, uint64_t seed) {
  AttentionData data;
  data.shape = shape;
  const int64_t nq = shape.QElements();
  const int64_t nkv = shape.KVElements();
  data.q = hwy::AllocateAligned<float>(static_cast<size_t>(nq));
  data.k = hwy::AllocateAligned<float>(static_cast<size_t>(nkv));
  data.v = hwy::AllocateAligned<float>(static_cast<size_t>(nkv));
  data.o = hwy::AllocateAligned<float>(static_cast<size_t>(nq));
  if (!data.q || !data.k || !data.v || !data.o) throw std::bad_alloc();
  FillUniform(data.q.get(), nq, seed * 4 + 1);
  FillUniform(data.k.get(), nkv, seed * 4 + 2);
  FillUniform(data.v.get(), nkv, seed * 4 + 3);
  std::fill(data.o.get(), data.o.get() + nq, 0.0f);
  return data;
}

}  // namespace attnbench
