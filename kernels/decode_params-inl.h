// The decode kernels' tile shapes, fetch distance and key grouping, per
// target (kernels/decode_tile-inl.h, decode_values-inl.h and the engine's
// decode chunks use them).

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_DECODE_PARAMS_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_DECODE_PARAMS_INL_H_
#undef ATTNBENCH_KERNELS_DECODE_PARAMS_INL_H_
#else
#define ATTNBENCH_KERNELS_DECODE_PARAMS_INL_H_
#endif

#include <algorithm>
#include <cstddef>

#include "hwy/highway.h"
#include "kernels/row_fetch-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

// The decode kernels' register tiles. The scores take kDecodeRows rows by
// 4 keys of dot-product accumulators (AVX3: all 16 at once; with 16
// registers, 2 rows at a time; other row counts 2 keys a step); P V takes
// kDecodeRows rows x kDecodeCols vectors of d (16 accumulators and 4 V
// vectors with 32 registers on AVX3, 8 and 2 with 16 elsewhere; one row
// twice the vectors below AVX3, kValueCols). Four rows: the query heads of a
// 4:1 grouped-query group in one pass over K.
constexpr size_t kDecodeRows = 4;
#if HWY_TARGET <= HWY_AVX3
constexpr size_t kDecodeCols = 4;
#else
constexpr size_t kDecodeCols = 2;
#endif
// Callers fetch K and V rows about this many bytes of K (or V) ahead of
// the key in use: the chunk streams from memory, and the hardware
// prefetcher alone left decode at a third of the read bandwidth. The
// distance trades fetches in flight against time ahead; it is set in
// bytes, since rows of half the bytes wanted twice the keys. 1 thread,
// causal Nk=65536 H=32 Hkv=8 (Zen 5), GB/s, interleaved rounds: AVX3 fp32
// D=128 by keys ahead 8: 31.0, 10: 31.8, 12 (6 KiB): 33.7, 14: 32.0, 16:
// 31.9, 24: 29.3; AVX3 bf16 D=128 16: 24.9, 24 (6 KiB): 28.5; AVX3 fp32
// D=64 4, 6, 8 KiB: 28.1, 32.0, 30.4; AVX2 fp32 D=128 12: 29.4, 14: 31.1,
// 16 (8 KiB): 31.8; AVX2 bf16 D=128 4 -> 8 KiB: 15.0 -> 13.8 ms. AMD Zen 4,
// 2 threads, AVX3, hint T1 (kernels/prefetch_hint.h), time against 6 KiB:
// 3 KiB 1.21x, 12 KiB 1.01x, 24 KiB 1.05x.
constexpr size_t kPrefetchBytes = HWY_TARGET <= HWY_AVX3 ? 6144 : 8192;
// The keys ahead for rows of dim elements of T: 4 to 64.
template <class T>
HWY_INLINE size_t PrefetchKeys(size_t dim) {
  return std::clamp<size_t>(kPrefetchBytes / (dim * sizeof(T)), 4, 64);
}
// O += P V takes this many keys through all of d's blocks at a time.
// 1 thread, causal Nk=65536 H=32 Hkv=8 D=128 (Zen 5), GB/s by keys per
// group, 3 interleaved rounds: AVX3 2: 30.5, 4: 31.2, 8: 30.2, all (the
// chunk's 128): 29.2; AVX2 2: 27.8, 3: 29.7, 4: 31.4, 8: 27.9, 16: 22.0,
// all: 20.8. SSE4 (Nk=16384, ms): 2: 8.45, 4: 7.81, 8: 7.50, all: 9.27.
constexpr size_t kDecodeValueKeys = HWY_TARGET <= HWY_AVX2 ? 4 : 8;
// From this many rows (AVX3; 0: never) a group is bound by its FMAs, not
// by the stream of K and V: O += P V takes all its keys through one block
// of d before the next, its accumulators loaded and stored once per block
// instead of once per kDecodeValueKeys keys, and (below keys as lanes) a
// chunk's P V runs after the scores instead of interleaved with them
// (variants/engine/decode_chunk-inl.h). AMD Zen 4, 2 threads, causal
// Nk=65536 H=32 Hkv=8 D=128, time against kDecodeValueKeys, 3-4
// interleaved rounds: Nq=8 (32 rows) 0.86x, Nq=16 (64 rows) 0.84x; Nq=4
// (16 rows) 0.975x, Nk=16384 0.951x (a knob build: bf16 0.89x, H=Hkv=8
// Nq=16 0.93x); with 12 rows (Nq=3) 1.07x and 8 (Nq=2, near the memory
// bound) 1.04x. AVX2 Nq=8 0.96x.
constexpr size_t kDecodeValueAllKeysRows = HWY_TARGET <= HWY_AVX3 ? 16 : 0;
// The most new tokens the decode path takes, in eighths of the tile
// path's block of Br rows (UsesDecodePath): 7 on AVX3, whose groups of
// many rows run P V at their FMAs' pace (kDecodeValueAllKeysRows), else 6.
// AMD Zen 4, 2 threads, causal, H=32 Hkv=8 D=128, 7 eighths (28 tokens)
// against 6 (24), 3 interleaved rounds: Nq=28 Nk=4096 0.926x, Nk=65536
// 0.692x; H=8 Hkv=1 D=64 Nk=16384 0.960x. A block less one row (31)
// lost where keys are few: Nq=31 Nk=4096 1.015x, Nk=1024 1.035x (Nk=65536
// 0.693x).
constexpr size_t kDecodeBlockEighths = HWY_TARGET <= HWY_AVX3 ? 7 : 6;
// Beyond one block: the decode path also takes Nq up to Br plus this many
// eighths of a second block (AVX3: 4, so Nq 33 to 48; 0: none), where the
// tile path would run two blocks, the second half padding or more. AMD Zen
// 4, 2 threads, causal, decode path over tile path (knob build, 2
// interleaved rounds, medians), H=32 Hkv=8 D=128: Nq=33 0.46-0.59x, 40
// 0.55-0.71x, 48 0.67-0.83x, 56 0.77-1.01x, 64 0.88-1.12x over Nk=1024 to
// 65536; f16 and bf16 widened Nq=40 0.47-0.73x, 56 0.84-1.07x; H=8 Hkv=1
// D=64 and H=Hkv=32 Nq=48 0.81-0.89x, 56 0.96-1.04x. AVX2 (Br=24) Nq=33
// 0.91-1.18x, 40 1.00-1.49x: its groups of many rows lack AVX3's P V, so
// none there. Where the tile path forms bf16 scores by vdpbf16ps, half
// as many (33 to 40): Nq=33 0.74x (Nk=4096), 36 0.71-0.81x, 40
// 0.79-0.92x, 44 0.88-1.01x, 48 1.10x.
constexpr size_t kDecodeSecondBlockEighths = HWY_TARGET <= HWY_AVX3 ? 4 : 0;

// The rows the decode kernels run for a group of `rows`: on AVX3 and AVX2,
// a group of two or three rows (H = 2 Hkv at Nq = 1, or H = Hkv at Nq = 2
// or 3) runs as four, the rest zero query rows whose scores and outputs
// go unused: the four-row kernels read K and V faster from memory than
// the one-row kernels taken two or three times, though they do up to
// twice the FMAs. AMD Zen 4, 2 threads, causal D=128, GB/s over a plain
// read of the same rows (the host's memory fast / slow), 4 interleaved
// rounds against the one-row kernels: AVX3 H=16 Hkv=8 Nk=65536 0.55 ->
// 0.79 / 0.78 -> 0.83 (0.67-0.69x the time when fast); Nq=3 H=Hkv=8 0.53
// -> 0.76 / 0.74 -> 0.80; Nq=2 H=Hkv=32 Nk=16384 0.58 -> 0.76; H=16 Hkv=8
// Nk=1024 0.75x the time. --target AVX2: H=16 Hkv=8 0.69 -> 0.73 / 0.82
// -> 0.89, Nq=3 H=Hkv=8 0.57 -> 0.72 / 0.86 -> 0.87, Nk=1024 0.88x the
// time. Not SSE4, whose four-row kernels are bound by their 4-lane FMAs
// (H=16 Hkv=8 Nk=16384 1.07x the time, 3 rounds), nor more than four: six
// or seven rows as eight (Nq=3 H=16 Hkv=8, Nq=7 H=Hkv=8) tied or lost.
// One row (H = Hkv at Nq = 1) runs as four where the four-row kernels
// fetch each step's rows ahead at its start (fp32 rows, AVX3, the hint
// T1: FetchAtStepStart): AMD Zen 4, 2 threads, causal D=128, knob build
// against one row, interleaved rounds: H=Hkv=8 Nk=65536 0.728 -> 0.886 of
// the plain read fast, 0.872 -> 0.923 slow, 0.82x the time fast and
// 0.89-0.95x slow (8 rounds); H=Hkv=32 Nk=16384 0.966x (4), H=Hkv=8
// Nk=1024 0.92x (4). Not elsewhere: with the fetches spread, one row as
// four had read 0.78 against 0.69 when the memory was fast but 0.84
// against 0.86-0.88 when slow (5 rounds; a CPU with less bandwidth a core
// is the slow case), and f16 and bf16 rows took 1.14x and 1.20x the time
// (H=Hkv=8 Nk=65536, 4 rounds, slow).
constexpr bool kDecodePadsToFourRows = HWY_TARGET <= HWY_AVX2;
HWY_INLINE size_t DecodeKernelRows(size_t rows, bool fp32_rows) {
  if (rows == 1) {
    return fp32_rows && FetchAtStepStart<float>() ? kDecodeRows : 1;
  }
  return kDecodePadsToFourRows && rows < kDecodeRows ? kDecodeRows : rows;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_DECODE_PARAMS_INL_H_
