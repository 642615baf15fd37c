// flash: blocked, online-softmax attention (FlashAttention-2 on the CPU) for
// masks none and causal. Causal tiles above the diagonal are never visited;
// only tiles on the diagonal apply a per-element mask. The engine, shared
// with the sparse variants, is variants/engine/blocked.cc.
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

ATTNBENCH_REGISTER_BLOCKED_VARIANT(
    Flash, "flash",
    "blocked online-softmax (FlashAttention-2 style); skips tiles "
    "above the causal diagonal",
    {"none", "causal"});

}  // namespace
}  // namespace attnbench
