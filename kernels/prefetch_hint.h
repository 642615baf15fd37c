// Which caches decode's software prefetches fill: all of them (the x86 hint
// T0, into L1) or the outer ones (T1, into L2 and the last level), chosen
// once per process from the CPU and read by every fetch of
// kernels/row_fetch-inl.h, kernels/half-inl.h and
// kernels/bf16_decode_scores.cc. It also decides how many
// scattered rows decode fetches ahead (RowsAhead in
// variants/engine/decode_fetch-inl.h), whether the plain read of a cold
// row's rows fetches ahead (harness/measure/span_read.h) and when decode's
// kernels fetch a step's rows ahead (FetchAheadAtStepStart, below).
//
// Why per CPU: on an AMD EPYC Zen 4 (family 25, model 17), causal decode
// (H=32, Hkv=8, D=128, Nk 1K-128K, 2 threads) with T1 took 0.41-0.60x the
// time of T0 on AVX3 and 0.71-0.78x on AVX2 (docs/flash.md "Decode"),
// where on a Zen 5 (family 26) T1 had been no faster and on the Intel Xeon
// the code was tuned with T0. Family 25 is Zen 3 and Zen 4; Zen 3 was not
// measured. scripts/prefetch_hint_ab.sh measures t1 against t0 on any CPU.
#ifndef ATTNBENCH_KERNELS_PREFETCH_HINT_H_
#define ATTNBENCH_KERNELS_PREFETCH_HINT_H_

#include <optional>
#include <string>
#include <vector>

namespace attnbench {

enum class PrefetchHint { kT0, kT1 };

// The hint this CPU gets by default: T1 on AMD family 25 (Zen 3, Zen 4),
// T0 elsewhere.
PrefetchHint DefaultPrefetchHint();

// The hint in use (DefaultPrefetchHint() until set) and its name ("t0",
// "t1").
PrefetchHint CurrentPrefetchHint();
std::string PrefetchHintName(PrefetchHint hint);
// "auto" (the CPU's default), "t0" or "t1"; nullopt for anything else.
std::optional<PrefetchHint> ParsePrefetchHint(const std::string& name);
// The names ParsePrefetchHint takes, for the CLI's check.
std::vector<std::string> PrefetchHintChoices();
// Sets the hint for all later decode runs and plain reads of their rows
// (the CLI's --prefetch-hint); call it before starting threads.
void SetPrefetchHint(PrefetchHint hint);

namespace detail {
// True while the hint is T1. A plain bool read by every prefetch: written
// only by SetPrefetchHint, before any decode runs.
extern bool prefetch_to_outer_caches;
}  // namespace detail

// Whether decode's kernels fetch the rows ahead of a step of keys (the
// four K rows ahead of a four-key step of the scores, the V rows ahead of
// a group of kDecodeValueKeys keys of O += P V) all at the step's start:
// with T1. With T0 they are spread over the step's loads, a few lines at
// a time (kernels/row_fetch-inl.h), as measured on the Zen 5 and Intel
// Xeon with T0. AMD Zen 4 (family 25 model 17), 2 threads, causal Nq=1
// H=32 Hkv=8 D=128 Nk=65536, GB/s over a plain read of the same rows
// (the host's memory in its slow phase / fast phase), 10 interleaved
// rounds of a knob build: T1 spread 0.85 / 0.79, at the step's start 0.94
// / 0.81 (0.89x the time); with T0, at the start lost (0.48 against 0.53,
// 4 rounds). Docs: docs/flash.md "Decode".
inline bool FetchAheadAtStepStart() { return detail::prefetch_to_outer_caches; }

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_PREFETCH_HINT_H_
