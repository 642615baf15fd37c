// sliding_window: each query sees the last W keys, its own included
// (mask window:W; flash-attn's window_size = (W - 1, 0)). On the blocked
// engine, tiles outside the band are never visited, tiles inside it run
// with no per-element mask, and only the band's two edges are partial, so
// the cost is O(N * W) rather than O(N^2). W >= Nk is plain causal.
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

ATTNBENCH_REGISTER_BLOCKED_VARIANT(
    SlidingWindow, "sliding_window",
    "blocked engine over the band of the last W keys: O(N W) work", {"window"});

}  // namespace
}  // namespace attnbench
