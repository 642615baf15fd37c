#include "harness/contract/workspace.h"

#include <atomic>

namespace attnbench {
namespace {

std::atomic<size_t> live_bytes{0};
std::atomic<size_t> peak_bytes{0};

}  // namespace

void WorkspaceMeter::Allocated(size_t bytes) {
  const size_t now = live_bytes.fetch_add(bytes) + bytes;
  size_t peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
}

void WorkspaceMeter::Freed(size_t bytes) { live_bytes.fetch_sub(bytes); }

void WorkspaceMeter::ResetPeak() { peak_bytes.store(live_bytes.load()); }

size_t WorkspaceMeter::Peak() { return peak_bytes.load(); }

size_t WorkspaceMeter::Live() { return live_bytes.load(); }

}  // namespace attnbench
