#include "harness/measure/canary.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "harness/io/huge_pages.h"
#include "hwy/aligned_allocator.h"
#include "kernels/read_sum.h"

namespace attnbench {
namespace {

constexpr size_t kCanaryFloats = (size_t{64} << 20) / sizeof(float);

struct CanaryState {
  hwy::AlignedFreeUniquePtr<float[]> buffer;
  double best_gbps = 0.0;
  std::mutex mutex;
};

CanaryState& State() {
  static CanaryState state;
  return state;
}

}  // namespace

CanaryReading ReadCanary() {
  CanaryState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (!state.buffer) {
    state.buffer = AllocateOnHugePages<float>(kCanaryFloats);
    std::fill(state.buffer.get(), state.buffer.get() + kCanaryFloats, 1.0f);
  }
  std::atomic<float> sink{0.0f};
  double best_s = 1e30;
  for (int pass = 0; pass < 2; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    sink.store(ReadSum(state.buffer.get(), kCanaryFloats),
               std::memory_order_relaxed);
    best_s = std::min(best_s, std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - start)
                                  .count());
  }
  CanaryReading reading;
  reading.gbps =
      static_cast<double>(kCanaryFloats * sizeof(float)) / best_s * 1e-9;
  state.best_gbps = std::max(state.best_gbps, reading.gbps);
  reading.ratio = reading.gbps / state.best_gbps;
  return reading;
}

}  // namespace attnbench
