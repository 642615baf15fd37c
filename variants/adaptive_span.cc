// adaptive_span: Sukhbaatar et al. 2019, as docs/semantics.md defines it.
// Head h weights key j at distance x = p - j by clamp((R + z_h - x) / R, 0,
// 1), multiplying the exponentials, with exact renormalisation. On the
// blocked engine each head visits only keys with x < z_h + R (the paper's
// trimming, per head, without its rounding to multiples of 64); tiles in the
// flat part (x <= z_h) need no weights and only the ramp's tiles compute
// them. Cost is proportional to sum_h (z_h + R).
#include "harness/contract/variant.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

ATTNBENCH_REGISTER_BLOCKED_VARIANT(
    AdaptiveSpan, "adaptive_span",
    "blocked engine over each head's span z_h + R: soft ramp, "
    "exact renormalisation",
    {"span"});

}  // namespace
}  // namespace attnbench
