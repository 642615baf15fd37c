// The plain read's fetch front (harness/measure/piece_fetcher.h), with the
// lines it asks for recorded instead of fetched.
#include "harness/measure/piece_fetcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace attnbench {
namespace {

std::vector<uintptr_t>* recorded = nullptr;

struct RecordLine {
  static void Line(const void* p) {
    recorded->push_back(reinterpret_cast<uintptr_t>(p));
  }
};

// The pieces as one task; the buffer they lie in is never touched.
SpanTasks OneTask(const std::vector<ByteSpan>& pieces) {
  SpanTasks tasks;
  tasks.pieces = pieces;
  tasks.begin = {0, pieces.size()};
  return tasks;
}

// The bytes of piece s within the fetched lines.
size_t FetchedBytes(const ByteSpan& s, const std::map<uintptr_t, int>& lines) {
  const auto begin = reinterpret_cast<uintptr_t>(s.p);
  const uintptr_t end = begin + s.bytes;
  size_t bytes = 0;
  for (uintptr_t line = begin & ~uintptr_t{63}; line < end; line += 64) {
    if (lines.count(line)) {
      bytes += std::min(end, line + 64) - std::max(begin, line);
    }
  }
  return bytes;
}

// Short pieces that start mid-line (80-byte rows of bf16 D=40, 2 bytes
// past a line, 1000 bytes apart): every call keeps the front within one
// piece of kPiecesAheadBytes past the piece in reading, every line of the
// later pieces is fetched once, and none of the first piece.
TEST(PieceFetcher, KeepsItsDistanceOverMisalignedShortPieces) {
  std::vector<uintptr_t> lines;
  recorded = &lines;
  const uintptr_t base = uintptr_t{1} << 20;
  std::vector<ByteSpan> pieces;
  for (size_t j = 0; j < 800; ++j) {
    pieces.push_back({reinterpret_cast<const void*>(base + 1000 * j + 2), 80});
  }
  const SpanTasks tasks = OneTask(pieces);
  PieceFetcher<RecordLine> fetcher(tasks, 0, pieces.size());
  std::map<uintptr_t, int> count;
  size_t seen = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    fetcher.FetchAheadOf(i);
    for (; seen < lines.size(); ++seen) ++count[lines[seen]];
    size_t ahead = 0;
    for (size_t j = i + 1; j < pieces.size() && j < i + 260; ++j) {
      ahead += FetchedBytes(pieces[j], count);
    }
    const size_t left = (pieces.size() - 1 - i) * 80;
    EXPECT_GE(ahead, std::min(left, kPiecesAheadBytes)) << "piece " << i;
    EXPECT_LT(ahead, kPiecesAheadBytes + 80) << "piece " << i;
    EXPECT_LE(ahead, left) << "piece " << i;
  }
  for (const auto& [line, n] : count) EXPECT_EQ(n, 1) << line;
  EXPECT_EQ(FetchedBytes(pieces[0], count), 0u);
  for (size_t j = 1; j < pieces.size(); ++j) {
    EXPECT_EQ(FetchedBytes(pieces[j], count), 80u) << "piece " << j;
  }
  recorded = nullptr;
}

// A long piece is fetched only kPiecesAheadBytes into it; when its reading
// starts, the front moves on to the piece after it.
TEST(PieceFetcher, StopsInsideALongPieceAndRestartsAfterIt) {
  std::vector<uintptr_t> lines;
  recorded = &lines;
  const uintptr_t base = uintptr_t{1} << 24;
  const std::vector<ByteSpan> pieces = {
      {reinterpret_cast<const void*>(base), 512},
      {reinterpret_cast<const void*>(base + 65536), 1 << 20},
      {reinterpret_cast<const void*>(base + (4 << 20)), 512},
      {reinterpret_cast<const void*>(base + (5 << 20)), 512}};
  const SpanTasks tasks = OneTask(pieces);
  PieceFetcher<RecordLine> fetcher(tasks, 0, pieces.size());
  fetcher.FetchAheadOf(0);
  ASSERT_EQ(lines.size(), kPiecesAheadBytes / 64);
  for (size_t n = 0; n < lines.size(); ++n) {
    EXPECT_EQ(lines[n], base + 65536 + 64 * n);
  }
  lines.clear();
  fetcher.FetchAheadOf(1);  // the rest of piece 1 streams by itself
  ASSERT_EQ(lines.size(), 16u);
  for (size_t n = 0; n < 16; ++n) {
    EXPECT_EQ(lines[n],
              base + (n < 8 ? (4 << 20) + 64 * n : (5 << 20) + 64 * (n - 8)));
  }
  lines.clear();
  fetcher.FetchAheadOf(2);
  fetcher.FetchAheadOf(3);
  EXPECT_TRUE(lines.empty());
  recorded = nullptr;
}

}  // namespace
}  // namespace attnbench
