// Which K and V rows a decode chunk reads (variants/engine/
// decode_chunk-inl.h) and which it fetches ahead into the caches: how many
// rows ahead, the list of them across the task's runs and into the next
// task, and the pages of the next chunk. Compiled once per Highway target,
// inside the engine's decode translation unit.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_VARIANTS_ENGINE_DECODE_FETCH_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_VARIANTS_ENGINE_DECODE_FETCH_INL_H_
#undef ATTNBENCH_VARIANTS_ENGINE_DECODE_FETCH_INL_H_
#else
#define ATTNBENCH_VARIANTS_ENGINE_DECODE_FETCH_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "kernels/decode_params-inl.h"
#include "kernels/half-inl.h"
#include "kernels/prefetch_hint.h"
#include "variants/engine/decode.h"
#include "variants/engine/decode_rows-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

// The rows fetched ahead of a chunk of n keys in `runs` runs: the bytes of
// PrefetchKeys, except where its keys lie apart (runs shorter than
// kApartRunKeys on average; dilated, sparse_strided's strided keys) and
// the fetches go into every cache (hint T0, kernels/prefetch_hint.h):
// then kApartRowsAhead rows. A row apart from the others starts a new
// stream, none of whose lines the hardware prefetcher fetches, and with
// T0 more rows asked for ahead only queued behind the fetches in flight.
// Intel Xeon family 6 model 167 (T0), sparse_strided:128 at Nk=65536 (2
// threads, 4 interleaved rounds), GB/s over a plain read of the same rows
// timed beside each run: AVX3 fp32 by rows ahead 1: 0.74, 2: 0.78, 4:
// 0.84, 6: 0.78-0.84, 12 (the bytes): 0.73-0.74, 24: 0.53, 48: 0.55; AVX2
// fp32 4: 0.81 against 0.56 (12); AVX3 bf16 4: 0.82, 8: 0.82 against 0.74
// (24); dilated:64:4 4: 1.12, 6: 1.14 against 1.08 (noise). Runs of 32
// keys (sparse_fixed:256:32) keep the bytes: 4 rows read 0.82 against
// 0.87. With T1 (into L2) the bytes: AMD Zen 4, 2 threads, Nk=65536, 4
// interleaved rounds, time against 4 rows ahead: sparse_strided:128 AVX3
// fp32 8: 0.84x, 12 (the bytes): 0.76x, 16: 0.75x, 24: 0.76x; AVX2 fp32
// 12: 0.75x, 16 (the bytes): 0.75x, 32: 0.95x; AVX3 bf16 12: 0.75x, 24
// (the bytes): 0.68x, 32: 0.80x; H=8 Hkv=1 D=64 12: 0.66x, 24 (the
// bytes): 0.66x; dilated:64:4 AVX3 12: 0.71x, 16: 0.73x, 32: 0.99x.
constexpr size_t kApartRunKeys = 4;
constexpr size_t kApartRowsAhead = 4;
template <class T>
size_t RowsAhead(size_t dim, size_t n, size_t runs) {
  const bool apart = n < kApartRunKeys * runs;
  return apart && CurrentPrefetchHint() == PrefetchHint::kT0
             ? kApartRowsAhead
             : PrefetchKeys<T>(dim);
}

// The chunk's K and V rows (w.runs), and those to fetch ahead: the keys
// RowsAhead later in the task's order, the next chunk's first keys
// included (it starts at key next_key of run next_run of w.seen).
template <class T>
void ChunkRows(const DecodePlan& plan, const T* k, const T* v, size_t next_run,
               int64_t next_key, TaskScratch<T>& w) {
  const auto dim = static_cast<int64_t>(plan.dim);
  size_t n = 0;
  for (const ChunkRun& run : w.runs)
    n += static_cast<size_t>(run.end - run.begin);
  w.k_rows.resize(n);
  w.v_rows.resize(n);
  for (const ChunkRun& run : w.runs) {
    const T* kj = k + run.begin * dim;
    const T* vj = v + run.begin * dim;
    for (size_t t = run.at;
         t < run.at + static_cast<size_t>(run.end - run.begin);
         ++t, kj += dim, vj += dim) {
      w.k_rows[t] = kj;
      w.v_rows[t] = vj;
    }
  }
  const size_t ahead = std::min(n, RowsAhead<T>(plan.dim, n, w.runs.size()));
  w.ahead_k.assign(w.k_rows.begin() + ahead, w.k_rows.end());
  w.ahead_v.assign(w.v_rows.begin() + ahead, w.v_rows.end());
  // One run whose rows ahead are the same run's next ones: addresses
  // computed in the kernels (AdjacentRows) instead of read from the lists.
  w.adjacent = w.runs.size() == 1;
  int64_t expect = w.runs[0].end;  // the key that continues the run
  const auto fetch = [&](int64_t j) {
    w.adjacent = w.adjacent && j == expect++;
    w.ahead_k.push_back(k + j * dim);
    w.ahead_v.push_back(v + j * dim);
  };
  for (size_t i = next_run; i < w.seen.size() && w.ahead_k.size() < n; ++i) {
    for (int64_t j = i == next_run ? next_key : w.seen[i].begin;
         j < w.seen[i].end && w.ahead_k.size() < n; ++j) {
      fetch(j);
    }
  }
  for (int64_t j = w.follow.begin; j < w.follow.end && w.ahead_k.size() < n;
       ++j) {
    fetch(j);
  }
}

// The 4 KiB pages of the chunk_bytes after a chunk of adjacent rows that
// starts at first, one line of each fetched into the outer caches
// (PrefetchPages): the rows fetched a few KiB ahead then find their pages
// in the TLB and their lines on the way, where the hardware prefetcher,
// which stops at page boundaries, would start each page anew. 1 thread,
// causal Nk=65536 (Zen 5, AVX3, busy host, 5 interleaved rounds): 0.69 of
// the time; 2 threads 0.88, Nk=131072 0.87, Nk=16384 0.98-1.05 (noise).
// Past the end of a task the pages belong to the next split, which the
// same thread most often runs next (decode.cc).
template <class T>
void PrefetchPagesAhead(const T* first, size_t chunk_bytes) {
  PrefetchPages(reinterpret_cast<const void*>(
                    reinterpret_cast<uintptr_t>(first) + chunk_bytes),
                chunk_bytes);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_VARIANTS_ENGINE_DECODE_FETCH_INL_H_
