// Whether a measurement flushes K and V from the caches before each timed
// run (`--kv-cache`): by the problem (auto), always (cold) or never (warm);
// docs/semantics.md "Work accounting".
#ifndef ATTNBENCH_HARNESS_MEASURE_KV_CACHE_H_
#define ATTNBENCH_HARNESS_MEASURE_KV_CACHE_H_

#include <string>
#include <string_view>
#include <vector>

#include "harness/contract/problem.h"
#include "harness/measure/pass.h"

namespace attnbench {

struct MachinePeaks;  // harness/measure/measure.h

enum class KvCache { kAuto, kCold, kWarm };

std::string_view KvCacheName(KvCache choice);
const std::vector<std::string>& KvCacheNames();  // auto, cold, warm
// InvalidArgument naming the allowed values for anything else.
KvCache ParseKvCache(std::string_view name);

// The option's help line, shared by `run` and `sweep`.
inline constexpr const char* kKvCacheHelp =
    "K and V before each timed run: auto (flushed from every cache for "
    "decode, chunked prefill and memory-bound rows) | cold (flushed for "
    "every forward row; --pass forward only) | warm (left in the caches)";

// Whether a run of the pass is timed with K and V flushed from the caches
// (MeasureOptions::cold_kv). auto: forward rows that are memory-bound, and
// every forward row with a cache of earlier keys (Nq < Nk: decode,
// chunked prefill), whose K and V a real step finds in memory whatever the
// label. The label alone moved with the probes: bf16 decode at --target
// AVX2 on a Zen 5 (read 75-80 GB/s, AVX2 FMA peak 263-272 GFLOP/s) came
// out "compute" and ran warm. cold: every forward row; warm: none. The
// backward pass is never flushed.
bool WantsColdKv(const Problem& stored, Pass pass, const MachinePeaks& peaks,
                 KvCache choice);

// InvalidArgument where the choice cannot be honoured: cold with a
// backward pass, or cold on a CPU that cannot flush cache lines.
void RequireKvCacheChoice(KvCache choice, Pass pass);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_KV_CACHE_H_
