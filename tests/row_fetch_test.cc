// The decode kernels' fetchers (kernels/row_fetch-inl.h): every cache line
// of the rows ahead is fetched, in address order, none outside them, and a
// step fetches its share, whatever the step count, the row length and the
// rows' alignment. The lines are recorded instead of prefetched.
#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/row_fetch_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/tests/hwy_gtest.h"
#include "kernels/row_fetch-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

// Records the line of each address asked for.
struct RecordLine {
  static std::vector<uintptr_t>& Lines() {
    static std::vector<uintptr_t> lines;
    return lines;
  }
  static void Line(const void* p) {
    Lines().push_back(reinterpret_cast<uintptr_t>(p) & ~uintptr_t{63});
  }
};

// The lines that hold bytes [begin, end).
std::set<uintptr_t> LinesOf(uintptr_t begin, uintptr_t end) {
  std::set<uintptr_t> lines;
  for (uintptr_t a = begin & ~uintptr_t{63}; a < end; a += 64) lines.insert(a);
  return lines;
}

// A run of rows rows x dim elements of T at element offset off of a
// 64-byte aligned buffer, fetched over calls Step calls (of steps planned),
// then Rest.
template <class T>
void CheckRun(size_t off, size_t dim, size_t rows, size_t steps, size_t calls) {
  std::vector<T> buffer(off + rows * dim + 64);
  const T* base = reinterpret_cast<const T*>(
      (reinterpret_cast<uintptr_t>(buffer.data()) + 63) & ~uintptr_t{63});
  const T* first = base + off;
  const T* end = first + rows * dim;
  RecordLine::Lines().clear();
  RunFetcher<T, RecordLine> fetcher(first, end, steps);
  size_t most = 0;  // lines in one step
  for (size_t i = 0; i < calls; ++i) {
    const size_t before = RecordLine::Lines().size();
    fetcher.Step();
    most = std::max(most, RecordLine::Lines().size() - before);
  }
  fetcher.Rest();
  const std::vector<uintptr_t>& got = RecordLine::Lines();
  const auto want = LinesOf(reinterpret_cast<uintptr_t>(first),
                            reinterpret_cast<uintptr_t>(end));
  const std::set<uintptr_t> fetched(got.begin(), got.end());
  const auto where = [&] {
    return ::testing::Message()
           << "off=" << off << " dim=" << dim << " rows=" << rows
           << " steps=" << steps << " calls=" << calls
           << " bytes/elem=" << sizeof(T);
  };
  EXPECT_EQ(fetched, want) << where();
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << where();
  if (steps != 0) {
    // A step's share: the lines over the steps, rounded up.
    EXPECT_LE(most, (want.size() + steps - 1) / steps) << where();
  }
  if (calls == steps && steps != 0) {  // the steps alone fetch every line
    RecordLine::Lines().clear();
    RunFetcher<T, RecordLine> again(first, end, steps);
    for (size_t i = 0; i < steps; ++i) again.Step();
    const std::set<uintptr_t> by_steps(RecordLine::Lines().begin(),
                                       RecordLine::Lines().end());
    EXPECT_EQ(by_steps, want) << where();
  }
}

// Four rows listed by pointer, not adjacent nor in order.
template <class T>
void CheckList(size_t dim, size_t steps, size_t calls) {
  constexpr size_t kRows = 4;
  const size_t stride = (dim * sizeof(T) + 63) / 64 * 64 / sizeof(T) + 64;
  std::vector<T> buffer(8 * stride + 64);
  const T* base = reinterpret_cast<const T*>(
      (reinterpret_cast<uintptr_t>(buffer.data()) + 63) & ~uintptr_t{63});
  const T* rows[kRows] = {base + 5 * stride, base + 1 * stride,
                          base + 6 * stride, base + 3 * stride};
  RecordLine::Lines().clear();
  LineFetcher<T, kRows, RecordLine> fetcher(rows, dim, steps);
  for (size_t i = 0; i < calls; ++i) fetcher.Step();
  fetcher.Rest();
  std::vector<uintptr_t> want;  // row by row, each in address order
  for (const T* row : rows) {
    for (uintptr_t a : LinesOf(reinterpret_cast<uintptr_t>(row),
                               reinterpret_cast<uintptr_t>(row + dim))) {
      want.push_back(a);
    }
  }
  EXPECT_EQ(RecordLine::Lines(), want)
      << "dim=" << dim << " steps=" << steps << " calls=" << calls;
}

void TestFetchersCoverTheirLines() {
  for (size_t dim : {1, 3, 16, 40, 64, 100, 128, 129, 256}) {
    for (size_t steps : {0, 1, 2, 3, 7, 16, 32, 61, 200}) {
      for (size_t calls : {steps / 2, steps}) {
        for (size_t off : {0, 1, 5, 16}) {
          for (size_t rows : {1, 2, 4, 12}) {
            CheckRun<float>(off, dim, rows, steps, calls);
            CheckRun<uint16_t>(off, dim, rows, steps, calls);
          }
        }
        CheckList<float>(dim, steps, calls);
        CheckList<uint16_t>(dim, steps, calls);
      }
    }
  }
}

// The run fetcher FetcherFor picks for adjacent rows covers rows t .. t+3;
// asked not to fetch, it fetches nothing.
void TestFetcherForAdjacentRows() {
  std::vector<float> buffer(16 * 128 + 16);
  const AdjacentRows<float> rows{buffer.data(), 128};
  auto fetcher = FetcherFor<4>(rows, 3, true, rows[0], 128, 8);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(rows[3]) & ~uintptr_t{63},
            fetcher.next);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(rows[7]), fetcher.end);
  auto idle = FetcherFor<4>(rows, 3, false, rows[0], 128, 8);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(rows[0]), idle.end);
  EXPECT_EQ(idle.end, idle.next);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {
HWY_BEFORE_TEST(RowFetchTest);
HWY_EXPORT_AND_TEST_P(RowFetchTest, TestFetchersCoverTheirLines);
HWY_EXPORT_AND_TEST_P(RowFetchTest, TestFetcherForAdjacentRows);
}  // namespace attnbench
#endif
