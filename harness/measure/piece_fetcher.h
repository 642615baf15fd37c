// The fetch front of the plain read of a problem's rows
// (harness/measure/span_read.h): while one piece of a task is read, the
// lines of the pieces after it, up to kPiecesAheadBytes past its end, are
// fetched into the caches, as decode fetches the rows ahead of its keys.
#ifndef ATTNBENCH_HARNESS_MEASURE_PIECE_FETCHER_H_
#define ATTNBENCH_HARNESS_MEASURE_PIECE_FETCHER_H_

#include <cstddef>
#include <cstdint>

#include "harness/measure/cache_flush.h"

namespace attnbench {

// How far past the end of the piece in reading the later pieces are
// fetched. AMD Zen 4, 2 threads, Nk=65536, GB/s of the loop by distance
// (2 runs each): sparse_fixed:256:32 (runs of 16 KiB) 8 KiB: 22.8-23.3,
// 16 KiB: 26.3-35.6, 32 KiB: 25.7-35.3; sparse_strided:128 26.2-30.8,
// 25.4-30.0, 23.8-31.9.
inline constexpr size_t kPiecesAheadBytes = 16384;

// Pieces [first, end) of `tasks`, read in order: FetchAheadOf(i) before
// reading piece i calls Fetch::Line on each line (64-byte aligned address)
// of the later pieces not yet fetched, until those lines hold
// kPiecesAheadBytes of the pieces' bytes past the end of piece i (or the
// pieces run out). Piece i itself is not fetched there: a long piece
// streams by itself (ReadSum fetches its pages ahead), and a short one
// was fetched while the pieces before it were read (the task's first
// piece is not fetched at all). Each line of a piece is fetched once.
template <class Fetch>
class PieceFetcher {
 public:
  PieceFetcher(const SpanTasks& tasks, size_t first, size_t end)
      : tasks_(tasks), piece_(first), end_(end) {}

  void FetchAheadOf(size_t i) {
    read_end_ += tasks_.pieces[i].bytes;
    if (piece_ <= i) {  // the front restarts at the next piece
      piece_ = i + 1;
      line_ = 0;
      front_ = read_end_;
    }
    while (front_ < read_end_ + kPiecesAheadBytes && piece_ < end_) {
      const ByteSpan& s = tasks_.pieces[piece_];
      const auto begin = reinterpret_cast<uintptr_t>(s.p);
      const uintptr_t line = (begin & ~uintptr_t{63}) + line_ * 64;
      if (line >= begin + s.bytes) {  // the piece's lines are all fetched
        ++piece_;
        line_ = 0;
        continue;
      }
      Fetch::Line(reinterpret_cast<const void*>(line));
      ++line_;
      // The piece's bytes in this line: a piece may start or end mid-line.
      const uintptr_t from = line > begin ? line : begin;
      const uintptr_t to =
          line + 64 < begin + s.bytes ? line + 64 : begin + s.bytes;
      front_ += to - from;
    }
  }

 private:
  const SpanTasks& tasks_;
  size_t piece_;  // the front: line line_ of piece piece_
  size_t end_;
  size_t line_ = 0;
  // Bytes of the pieces up to the one in reading, and up to the front.
  size_t read_end_ = 0;
  size_t front_ = 0;
};

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_PIECE_FETCHER_H_
