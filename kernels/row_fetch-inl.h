// Where decode kernels find their rows and fetch the rows ahead into the
// caches: rows as a list of pointers or as one run of adjacent rows, and
// the fetchers that issue a row group's cache lines a few at a time
// between a kernel's steps (kernels/decode_tile-inl.h and the scores
// kernels it calls).

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_KERNELS_ROW_FETCH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_KERNELS_ROW_FETCH_INL_H_
#undef ATTNBENCH_KERNELS_ROW_FETCH_INL_H_
#else
#define ATTNBENCH_KERNELS_ROW_FETCH_INL_H_
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "hwy/highway.h"
#include "kernels/half-inl.h"
#include "kernels/prefetch_hint.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

// A chunk's rows that are adjacent rows of the tensor (one run of keys):
// row t at first + t * stride, its address computed rather than loaded
// from a list of row pointers (docs/flash.md "Decode").
template <class T>
struct AdjacentRows {
  const T* first;
  size_t stride;
  const T* operator[](size_t t) const { return first + t * stride; }
};

// Rows from the n-th on.
template <class T>
HWY_INLINE const T* const* SkipRows(const T* const* rows, size_t n) {
  return rows + n;
}
template <class T>
HWY_INLINE AdjacentRows<T> SkipRows(AdjacentRows<T> rows, size_t n) {
  return {rows[n], rows.stride};
}

// What a fetcher does with each line: prefetch it (into the caches
// kernels/prefetch_hint.h names).
// Tests give a fetcher one that records the lines instead.
struct PrefetchLine {
  static HWY_INLINE void Line(const void* p) { PrefetchLineHinted(p); }
};

// Fetches the cache lines of kRows rows of dim elements in address order
// (all of a row's lines, then the next row's: one run of lines where the
// rows are adjacent), a few at a time between a kernel's steps. Lines of
// several rows fetched side by side (line x of each row, then line x + 1)
// left the hardware prefetcher behind: a decode-like loop of 4 rows x 4
// keys read 27.4 GB/s that way against 31.9 in address order (1 thread,
// Zen 5, docs/flash.md "Decode").
template <class T, size_t kRows, class Fetch = PrefetchLine>
struct LineFetcher {
  static constexpr size_t kLine = 64 / sizeof(T);  // elements per line
  // The lines spread over steps calls of Step (all at Rest where 0).
  LineFetcher(const T* const (&first)[kRows], size_t dim, size_t steps)
      : lines((dim + kLine - 1) / kLine),
        per_step(steps == 0 ? 0 : (kRows * lines + steps - 1) / steps) {
    for (size_t r = 0; r < kRows; ++r) rows[r] = first[r];
  }
  HWY_INLINE void Step() {
    if (per_step != 1) return Next(per_step);
    if (row == kRows) return;  // one line, without Next's count
    Fetch::Line(rows[row] + line * kLine);
    if (++line == lines) {
      line = 0;
      ++row;
    }
  }
  // The next count lines (fewer at the end).
  HWY_INLINE void Next(size_t count) {
    for (; count != 0 && row < kRows; --count) {
      Fetch::Line(rows[row] + line * kLine);
      if (++line == lines) {
        line = 0;
        ++row;
      }
    }
  }
  HWY_INLINE void Rest() { Next(kRows * lines); }
  const T* rows[kRows];
  size_t lines;  // per row
  size_t per_step;
  size_t row = 0, line = 0;
};

// LineFetcher's order for rows that lie in one run (AdjacentRows with the
// row length as stride, as the engine makes them): one address stepped by
// a fixed number of bytes per kernel step, which it spreads the run's
// lines over. Steps of 64 bytes or less fetch one line each, the line of
// their last byte (a line may be asked for twice); longer steps a whole
// number of lines. Per 4 keys of the AVX2 scores kernel, LineFetcher's
// row and line bookkeeping (spilled to the stack) was more instructions
// than the step's FMAs and loads.
template <class T, class Fetch = PrefetchLine>
struct RunFetcher {
  // An empty run (first == run_end) fetches nothing, however stepped.
  RunFetcher(const T* first, const T* run_end, size_t steps)
      : next(first == run_end
                 ? reinterpret_cast<uintptr_t>(run_end)
                 : reinterpret_cast<uintptr_t>(first) & ~uintptr_t{63}),
        end(reinterpret_cast<uintptr_t>(run_end)) {
    const uintptr_t bytes = end > next ? end - next : 0;
    step = steps == 0 ? bytes : (bytes + steps - 1) / steps;
    if (step > 64) step = (step + 63) / 64 * 64;
  }
  HWY_INLINE void Step() {
    if (step <= 64) {  // the line of the step's last byte
      if (next < end) {
        Fetch::Line(
            reinterpret_cast<const void*>(std::min(next + step, end) - 1));
      }
      next += step;
      return;
    }
    for (uintptr_t a = next; a < next + step && a < end; a += 64) {
      Fetch::Line(reinterpret_cast<const void*>(a));
    }
    next += step;
  }
  // The lines no step has fetched (none after steps calls of Step).
  HWY_INLINE void Rest() {
    for (uintptr_t a = next & ~uintptr_t{63}; a < end; a += 64) {
      Fetch::Line(reinterpret_cast<const void*>(a));
    }
    next = end;
  }
  uintptr_t next, end, step;
};

// The fetcher of rows ahead[t .. t + kRows) over steps calls of Step, or
// where !fetch one that will not be asked (over the row idle, without
// reading ahead, which may then be null).
template <size_t kRows, class T>
HWY_INLINE LineFetcher<T, kRows> FetcherFor(const T* const* ahead, size_t t,
                                            bool fetch, const T* idle,
                                            size_t dim, size_t steps) {
  const T* first[kRows];
  for (size_t r = 0; r < kRows; ++r) first[r] = fetch ? ahead[t + r] : idle;
  return LineFetcher<T, kRows>(first, dim, steps);
}
template <size_t kRows, class T>
HWY_INLINE RunFetcher<T> FetcherFor(AdjacentRows<T> ahead, size_t t, bool fetch,
                                    const T* idle, size_t dim, size_t steps) {
  if (!fetch) return RunFetcher<T>(idle, idle, steps);
  return RunFetcher<T>(ahead[t], ahead[t + kRows - 1] + dim, steps);
}

// The element type of rows (row pointers or AdjacentRows).
template <class Rows>
using RowElement = std::remove_cv_t<std::remove_pointer_t<std::remove_cv_t<
    std::remove_reference_t<decltype(std::declval<Rows&>()[size_t{0}])>>>>;

// Whether a kernel over rows of T fetches the rows ahead of a step all at
// its start: fp32 rows on AVX3 where the hint says so
// (kernels/prefetch_hint.h). The rest keep the spread. AMD Zen 4, 2
// threads, causal Nq=1 H=32 Hkv=8 D=128, time at once over spread
// (interleaved rounds, within a phase of the host's memory): f16 1.036x
// (4 rounds, all 1.02-1.05x, slow), bf16 0.986x (6, slow); --target AVX2
// 0.89-1.01x slow (0.886 -> 0.918 of the plain read) but 1.04-1.05x fast
// (0.699 -> 0.679), 8 rounds (again, 8 rounds all slow: 0.963x, K alone
// 1.010x); SSE4 Nk=16384 0.90-1.27x, 4 rounds.
template <class T>
HWY_INLINE bool FetchAtStepStart() {
  return HWY_TARGET <= HWY_AVX3 && sizeof(T) == sizeof(float) &&
         FetchAheadAtStepStart();
}

// The K rows of keys t .. t+3 of a four-key step, and the fetching of the
// rows ahead of them: a few lines a step over `steps` steps (Step, then
// Rest) where all four are listed ahead, else whatever is left at once;
// all four at once where they are fetched at a step's start
// (FetchAtStepStart).
template <class Rows, class Ahead>
struct FourKeys {
  using T = RowElement<Rows>;
  HWY_INLINE FourKeys(Rows k, size_t t, Ahead ahead, size_t n_ahead, size_t dim,
                      size_t steps)
      : row{k[t], k[t + 1], k[t + 2], k[t + 3]},
        fetch(t + 4 <= n_ahead),
        fetcher(FetcherFor<4>(ahead, t, fetch, row[0], dim, steps)) {
    if (!fetch) {
      for (size_t u = t; u < n_ahead; ++u) PrefetchRow(ahead[u], dim);
    } else if (FetchAtStepStart<T>()) {
      fetcher.Rest();  // Step and Rest then find nothing left
    }
  }
  HWY_INLINE void Step() {
    if (fetch) fetcher.Step();
  }
  HWY_INLINE void Rest() {
    if (fetch) fetcher.Rest();
  }
  const T* row[4];
  bool fetch;
  decltype(FetcherFor<4>(std::declval<Ahead>(), 0, false,
                         static_cast<const T*>(nullptr), 0, 0)) fetcher;
};

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_KERNELS_ROW_FETCH_INL_H_
