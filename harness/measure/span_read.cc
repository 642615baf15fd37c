#include "harness/measure/span_read.h"

#include <atomic>
#include <cstdint>

#include "kernels/prefetch_hint.h"
#include "kernels/read_sum.h"

namespace attnbench {
namespace {

// How far past the end of the piece in reading the later pieces are
// fetched. AMD Zen 4, 2 threads, Nk=65536, GB/s of the loop by distance
// (2 runs each): sparse_fixed:256:32 (runs of 16 KiB) 8 KiB: 22.8-23.3,
// 16 KiB: 26.3-35.6, 32 KiB: 25.7-35.3; sparse_strided:128 26.2-30.8,
// 25.4-30.0, 23.8-31.9.
constexpr uintptr_t kPiecesAheadBytes = 16384;

// The fetch front over a task's pieces: the lines of the pieces after the
// one being read, up to kPiecesAheadBytes past its end, fetched into the
// outer caches (the hint T1) as decode fetches the rows ahead of its keys
// where kernels/prefetch_hint.h chooses T1. Without it the loop read a
// sparse rule's scattered rows at demand-miss latency, and decode, which
// fetches them ahead, read them 1.3-2x as fast; with it the loop read
// sparse_strided:128's rows (512-byte rows 64 KiB apart) 2x as fast as
// before (AMD Zen 4, 2 threads, Nk=65536). Where decode fetches with T0
// the loop fetches nothing ahead, as before: there 8 KiB of such rows
// fetched ahead made it slower (docs/semantics.md "Work accounting").
// The piece being read is not fetched: a long one streams by itself
// (ReadSum fetches its pages ahead), a short one was fetched while the
// pieces before it were read.
class PieceFetcher {
 public:
  PieceFetcher(const SpanTasks& tasks, size_t first, size_t end)
      : tasks_(tasks), piece_(first), end_(end) {}
  // Fetches ahead of piece i (called for each piece in order), whose
  // reading starts next.
  void Before(size_t i) {
    const ByteSpan& read = tasks_.pieces[i];
    read_end_ += read.bytes;
    if (piece_ <= i) {  // the front restarts at the next piece
      piece_ = i + 1;
      line_ = 0;
      front_ = read_end_;
    }
    while (front_ < read_end_ + kPiecesAheadBytes && piece_ < end_) {
      const ByteSpan& s = tasks_.pieces[piece_];
      const auto begin = reinterpret_cast<uintptr_t>(s.p);
      const uintptr_t first_line = begin & ~uintptr_t{63};
      const uintptr_t a = first_line + line_ * 64;
      if (a >= begin + s.bytes) {  // the piece's lines are all fetched
        ++piece_;
        line_ = 0;
        continue;
      }
      Fetch(reinterpret_cast<const void*>(a));
      ++line_;
      front_ += 64;
    }
  }

 private:
  static void Fetch(const void* p) { __builtin_prefetch(p, 0, 2); }
  const SpanTasks& tasks_;
  size_t piece_;  // the front: line line_ of piece piece_
  size_t end_;
  size_t line_ = 0;
  // Bytes of the pieces up to the one in reading, and of those with the
  // lines fetched past it (64 a line, so about: a piece may start
  // mid-line).
  uintptr_t read_end_ = 0;
  uintptr_t front_ = 0;
};

}  // namespace

float ReadSpansOnThreads(const SpanTasks& tasks) {
  std::atomic<float> total{0.0f};
  RunTasksOnThreads(tasks, [&](size_t t) {
    float sum = 0.0f;
    const bool fetch = CurrentPrefetchHint() == PrefetchHint::kT1;
    PieceFetcher fetcher(tasks, tasks.begin[t], tasks.begin[t + 1]);
    for (size_t i = tasks.begin[t]; i < tasks.begin[t + 1]; ++i) {
      if (fetch) fetcher.Before(i);
      // The whole 4-byte words of the piece (a half-precision row of odd
      // D may start between two).
      const auto begin = reinterpret_cast<uintptr_t>(tasks.pieces[i].p);
      const uintptr_t first = (begin + 3) & ~uintptr_t{3};
      const uintptr_t end = (begin + tasks.pieces[i].bytes) & ~uintptr_t{3};
      if (end <= first) continue;
      sum += ReadSum(reinterpret_cast<const float*>(first),
                     (end - first) / sizeof(float));
    }
    total.fetch_add(sum, std::memory_order_relaxed);
  });
  return total.load();
}

}  // namespace attnbench
