// Harness pieces: seeded inputs and the buffers that hold them, timing
// statistics, the workspace meter, row sampling for large problems,
// agreement verdicts, and the cache flush of the cold-cache protocol.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <vector>

#include "harness/check/agreement.h"
#include "harness/check/oracle.h"
#include "harness/contract/workspace.h"
#include "harness/io/huge_pages.h"
#include "harness/io/inputs.h"
#include "harness/measure/cache_flush.h"
#include "harness/measure/kv_cache.h"
#include "harness/measure/machine_info.h"
#include "harness/measure/measure.h"
#include "harness/measure/peak_store.h"
#include "harness/measure/span_read.h"
#include "harness/measure/timing.h"
#include "kernels/prefetch_hint.h"

namespace attnbench {
namespace {

TEST(Inputs, SameSeedSameBitsAndInRange) {
  const Shape s{1, 2, 1, 33, 40, 7};
  AttentionData a = MakeInputs(s, 9), b = MakeInputs(s, 9),
                c = MakeInputs(s, 10);
  EXPECT_EQ(0, std::memcmp(a.q.get(), b.q.get(), s.QElements() * 4));
  EXPECT_EQ(0, std::memcmp(a.v.get(), b.v.get(), s.KVElements() * 4));
  EXPECT_NE(0, std::memcmp(a.k.get(), c.k.get(), s.KVElements() * 4));
  EXPECT_NE(0, std::memcmp(a.k.get(), a.v.get(), s.KVElements() * 4));
  for (int64_t x = 0; x < s.QElements(); ++x) {
    EXPECT_GE(a.q[x], -1.0f);
    EXPECT_LT(a.q[x], 1.0f);
    EXPECT_EQ(a.o[x], 0.0f);
  }
}

// A buffer of 2 MiB or more starts within the first 4 KiB of a 2 MiB page
// (so huge pages cover all but its last few bytes), smaller ones anywhere;
// both aligned for vectors, whole and writable.
TEST(HugePages, LargeBuffersStartOnAHugePage) {
  for (const size_t n : {size_t{1000}, kHugePageBytes / 4, size_t{3} << 20}) {
    auto p = AllocateOnHugePages<float>(n);
    const auto at = reinterpret_cast<uintptr_t>(p.get());
    EXPECT_EQ(at % HWY_ALIGNMENT, 0u) << n;
    if (n * sizeof(float) >= kHugePageBytes) {
      EXPECT_LT(at % kHugePageBytes, 4096u) << n;
    }
    std::fill(p.get(), p.get() + n, 1.5f);
    EXPECT_EQ(std::accumulate(p.get(), p.get() + n, 0.0), 1.5 * n);
  }
  void* raw = AllocateHugePageBytes(nullptr, kHugePageBytes + 1);
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(raw) % kHugePageBytes, 0u);
  FreeHugePageBytes(nullptr, raw);
}

// Decode (2 FLOPs per K/V byte here) is memory-bound on a machine with 10
// FLOPs per byte of bandwidth; prefill at N=1024 (about 1000) is not.
MachinePeaks Peaks(double gflops, double read_gbps) {
  MachinePeaks peaks;
  peaks.gflops = gflops;
  peaks.read_gbps = read_gbps;
  return peaks;
}

// The flush evicts lines and writes nothing (whether they left the caches
// is a matter of time, measured in benchmarks): spans of any start and
// length, short ones joined and long ones cut into tasks, on 2 threads.
TEST(CacheFlush, TakesAnySpansAndLeavesTheBytes) {
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_TRUE(CanFlushCaches());
#endif
  std::vector<float> data((size_t{3} << 20) / sizeof(float) + 37);
  std::iota(data.begin(), data.end(), 0.5f);
  const std::vector<float> before = data;
  const char* p = reinterpret_cast<const char*>(data.data());
  std::vector<ByteSpan> spans = {{p + 3, 5}, {p + 64, 0}, {p + 100, 4000}};
  for (size_t at = 8192; at < (size_t{1} << 20); at += 2048) {
    spans.push_back({p + at, 512});  // a sparse rule's single rows
  }
  spans.push_back({p + (size_t{1} << 20) + 1,
                   data.size() * sizeof(float) - (size_t{1} << 20) - 1});
  tbb::task_arena arena(2);
  arena.execute([&] { FlushFromCachesOnThreads(CutIntoTasks(spans)); });
  arena.execute([] { FlushFromCachesOnThreads(CutIntoTasks({})); });
  EXPECT_EQ(data, before);
}

// The plain read of a problem's rows sums every whole 4-byte word of every
// piece with either hint (with T1 it also fetches the pieces ahead:
// tests/piece_fetcher_test.cc): many short pieces (a sparse rule's rows),
// one starting mid-word, and a long one, over 1 and 2 threads.
TEST(ReadSpans, SumsEveryWordOfEveryPieceWithEitherHint) {
  std::vector<float> data(1 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 7);
  const char* base = reinterpret_cast<const char*>(data.data());
  std::vector<ByteSpan> spans;
  double expected = 0.0;
  const auto add = [&](size_t first_word, size_t words, size_t skew) {
    spans.push_back({base + 4 * first_word + skew, 4 * words});
    // A piece that starts mid-word reads its whole words only.
    for (size_t w = first_word + (skew ? 1 : 0); w < first_word + words; ++w) {
      expected += data[w];
    }
  };
  for (size_t row = 0; row < 600; ++row) add(row * 1000, 128, 0);
  add(700100, 37, 2);
  add(800000, 200000, 0);
  const PrefetchHint before = CurrentPrefetchHint();
  for (PrefetchHint hint : {PrefetchHint::kT0, PrefetchHint::kT1}) {
    SetPrefetchHint(hint);
    for (int threads : {1, 2}) {
      tbb::task_arena arena(threads);
      float sum = 0.0f;
      arena.execute([&] { sum = ReadSpansOnThreads(CutIntoTasks(spans)); });
      EXPECT_EQ(static_cast<double>(sum), expected)
          << PrefetchHintName(hint) << ", " << threads << " threads";
    }
  }
  SetPrefetchHint(before);
}

TEST(BoundBy, ComparesFlopsPerByteWithTheMachineBalance) {
  const MachinePeaks peaks = Peaks(500.0, 50.0);
  Problem decode{{1, 8, 2, 1, 4096, 64}, Mask::Causal(), std::nullopt, 2};
  EXPECT_EQ(BoundBy(decode, peaks), "memory");
  Problem prefill{{1, 8, 2, 1024, 1024, 64}, Mask::Causal(), std::nullopt, 2};
  EXPECT_EQ(BoundBy(prefill, peaks), "compute");
  // The same decode on a machine whose FMAs are slow (a sanitizer build).
  EXPECT_EQ(BoundBy(decode, Peaks(7.0, 15.0)), "compute");
}

// A row's rate reads in GB/s where it is labelled memory-bound, or where it
// is a forward pass of decode's shape (Nq <= 16 and Nq < Nk) whatever its
// label; GFLOP/s otherwise.
TEST(RateText, BandwidthForMemoryBoundAndDecodeRowsFlopsForTheRest) {
  const auto row = [](int64_t nq, int64_t nk, const char* bound) {
    return nlohmann::json{
        {"Nq", nq},        {"Nk", nk},          {"bound", bound},
        {"gbps", 40.0},    {"read_gbps", 50.0}, {"pct_bandwidth", 0.8},
        {"gflops", 120.0}, {"pct_peak", 0.6},   {"peak_gflops", 200.0}};
  };
  const nlohmann::json decode_compute = row(1, 4096, "compute");
  EXPECT_TRUE(ShowsBandwidth(decode_compute));
  const std::string text = RateText(decode_compute);
  EXPECT_EQ(text.rfind("40.00 GB/s = 80.0% of the 50.0 GB/s read bandwidth", 0),
            0u)
      << text;
  EXPECT_NE(text.find("decode, labelled compute-bound"), std::string::npos)
      << text;
  EXPECT_NE(text.find("60.0% of the 200.0 GFLOP/s FMA peak"), std::string::npos)
      << text;
  EXPECT_TRUE(ShowsBandwidth(row(16, 4096, "compute")));
  EXPECT_TRUE(ShowsBandwidth(row(256, 4096, "memory")));
  EXPECT_NE(RateText(row(256, 4096, "memory")).find("(memory-bound; 120.00"),
            std::string::npos);
  // Chunked prefill and prefill labelled compute: GFLOP/s.
  for (const nlohmann::json& r :
       {row(17, 4096, "compute"), row(4096, 4096, "compute"),
        row(1, 1, "compute")}) {
    EXPECT_FALSE(ShowsBandwidth(r));
    EXPECT_EQ(RateText(r).rfind("120.00 effective GFLOP/s = 60.0%", 0), 0u)
        << RateText(r);
  }
  // A backward pass of decode's shape labelled compute (kv_bytes counts
  // the forward's reads), and a row stored without a bandwidth figure.
  nlohmann::json backward = row(1, 4096, "compute");
  backward["pass"] = "backward";
  EXPECT_FALSE(ShowsBandwidth(backward));
  nlohmann::json older = row(1, 4096, "compute");
  older.erase("pct_bandwidth");
  EXPECT_FALSE(ShowsBandwidth(older));
  older["Nq"] = nullptr;
  older["pct_bandwidth"] = 0.8;
  EXPECT_FALSE(ShowsBandwidth(older));
}

// Decode and chunked prefill run with K and V flushed however the probes
// label them; prefill only where it is memory-bound; backward never.
TEST(WantsColdKv, EveryForwardRowWithEarlierKeysAndMemoryBoundPrefill) {
  const MachinePeaks peaks = Peaks(500.0, 50.0);
  const MachinePeaks slow_fmas = Peaks(7.0, 15.0);
  Problem decode{{1, 8, 2, 1, 4096, 64}, Mask::Causal(), std::nullopt, 2};
  EXPECT_TRUE(WantsColdKv(decode, Pass::kForward, peaks, KvCache::kAuto));
  EXPECT_TRUE(WantsColdKv(decode, Pass::kForward, slow_fmas, KvCache::kAuto));
  EXPECT_FALSE(WantsColdKv(decode, Pass::kBackward, peaks, KvCache::kAuto));
  Problem chunked{{1, 8, 2, 256, 4096, 64}, Mask::Causal(), std::nullopt, 2};
  EXPECT_EQ(BoundBy(chunked, peaks), "compute");
  EXPECT_TRUE(WantsColdKv(chunked, Pass::kForward, peaks, KvCache::kAuto));
  Problem prefill{{1, 8, 2, 1024, 1024, 64}, Mask::Causal(), std::nullopt, 2};
  EXPECT_FALSE(WantsColdKv(prefill, Pass::kForward, peaks, KvCache::kAuto));
  EXPECT_FALSE(WantsColdKv(prefill, Pass::kBoth, peaks, KvCache::kAuto));
  Problem tiny{{1, 8, 2, 2, 2, 64}, Mask::Causal(), std::nullopt, 2};
  EXPECT_EQ(BoundBy(tiny, peaks), "memory");
  EXPECT_TRUE(WantsColdKv(tiny, Pass::kForward, peaks, KvCache::kAuto));
  // --kv-cache cold and warm: every forward row, and none.
  EXPECT_TRUE(WantsColdKv(prefill, Pass::kForward, peaks, KvCache::kCold));
  EXPECT_FALSE(WantsColdKv(decode, Pass::kForward, peaks, KvCache::kWarm));
  EXPECT_FALSE(WantsColdKv(tiny, Pass::kForward, peaks, KvCache::kWarm));
  EXPECT_FALSE(WantsColdKv(decode, Pass::kBoth, peaks, KvCache::kCold));
}

TEST(KvCache, ParsesItsNamesAndRejectsTheRest) {
  for (const std::string& name : KvCacheNames()) {
    EXPECT_EQ(KvCacheName(ParseKvCache(name)), name);
  }
  EXPECT_EQ(KvCacheNames().size(), 3u);
  try {
    ParseKvCache("hot");
    FAIL() << "accepted --kv-cache hot";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("allowed: auto, cold, warm"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(RequireKvCacheChoice(KvCache::kCold, Pass::kBackward),
               InvalidArgument);
  EXPECT_NO_THROW(RequireKvCacheChoice(KvCache::kWarm, Pass::kBoth));
  EXPECT_NO_THROW(RequireKvCacheChoice(KvCache::kAuto, Pass::kBackward));
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_NO_THROW(RequireKvCacheChoice(KvCache::kCold, Pass::kForward));
#else
  EXPECT_THROW(RequireKvCacheChoice(KvCache::kCold, Pass::kForward),
               InvalidArgument);
#endif
}

// The ranks of the median's 95% interval against the binomial tables:
// none below 6 runs ([min, max]), the 2nd and 9th of 10, the 6th and 15th
// of 20, the 40th and 61st of 100.
TEST(Timing, MedianIntervalRanksFollowTheBinomial) {
  EXPECT_EQ(MedianIntervalRank(1), 1);
  EXPECT_EQ(MedianIntervalRank(5), 1);
  EXPECT_EQ(MedianIntervalRank(6), 1);
  EXPECT_EQ(MedianIntervalRank(9), 2);
  EXPECT_EQ(MedianIntervalRank(10), 2);
  EXPECT_EQ(MedianIntervalRank(20), 6);
  EXPECT_EQ(MedianIntervalRank(100), 40);
  EXPECT_GE(MedianIntervalRank(1000), 469);
}

TEST(Timing, MedianOfTheRuns) {
  int calls = 0;
  const TimingStats t = TimeRepeated([&] { ++calls; }, {2, 7, 0.0, 100});
  EXPECT_EQ(calls, 9);  // 2 warm-up + 7 timed
  EXPECT_EQ(t.reps, 7);
  EXPECT_LE(t.min_s, t.median_s);
  EXPECT_LE(t.median_s, t.max_s);
  EXPECT_LE(t.median_lo_s, t.median_s);  // 7 runs: [1st, 7th]
  EXPECT_EQ(t.median_lo_s, t.min_s);
  EXPECT_EQ(t.median_hi_s, t.max_s);
}

// The per-machine FMA peak record keeps the best value per key, survives
// a damaged file (treated as empty, then rewritten) and can be turned off.
TEST(PeakStore, KeepsTheBestAndSurvivesADamagedFile) {
  const std::string path = testing::TempDir() + "attnbench_peaks.json";
  std::filesystem::remove(path);
  setenv("ATTNBENCH_PEAK_STORE", path.c_str(), 1);
  EXPECT_FALSE(StoredFmaPeak(2).has_value());
  RecordFmaPeak(2, 200.0);
  RecordFmaPeak(2, 150.0);  // lower: kept at 200
  EXPECT_EQ(StoredFmaPeak(2).value_or(0.0), 200.0);
  EXPECT_FALSE(StoredFmaPeak(3).has_value());  // per thread count
  RecordFmaPeak(2, 210.0);
  EXPECT_EQ(StoredFmaPeak(2).value_or(0.0), 210.0);
  std::ofstream(path) << "{ not json";
  EXPECT_FALSE(StoredFmaPeak(2).has_value());
  RecordFmaPeak(2, 190.0);
  EXPECT_EQ(StoredFmaPeak(2).value_or(0.0), 190.0);
  setenv("ATTNBENCH_PEAK_STORE", "none", 1);
  EXPECT_TRUE(PeakStorePath().empty());
  EXPECT_FALSE(StoredFmaPeak(2).has_value());
  unsetenv("ATTNBENCH_PEAK_STORE");
}

// The machine key names the CPU's family and model numbers (a bare "AMD
// EPYC" covers several generations) and the core count; the peak store and
// the cross-machine scripts key on it. "model" must not be read from the
// "model name" line.
TEST(MachineInfo, KeyNamesFamilyModelAndCores) {
  const nlohmann::ordered_json m = MachineJson();
  EXPECT_EQ(m["machine_key"].get<std::string>(), MachineKey());
  EXPECT_NE(MachineKey().find(" cores"), std::string::npos);
  EXPECT_TRUE(m["cpu_family"].is_number_integer());
  EXPECT_TRUE(m["cpu_model_number"].is_number_integer());
#if defined(__x86_64__)
  EXPECT_GE(m["cpu_family"].get<int>(), 0);  // x86 Linux reports both
  EXPECT_GE(m["cpu_model_number"].get<int>(), 0);
  EXPECT_NE(MachineKey().find(fmt::format("(family {}, model {})",
                                          m["cpu_family"].get<int>(),
                                          m["cpu_model_number"].get<int>())),
            std::string::npos);
#endif
}

TEST(WorkspaceMeter, TracksPeakOfLiveScratch) {
  WorkspaceMeter::ResetPeak();
  const size_t base = WorkspaceMeter::Live();
  {
    ScratchBuffer<float> a(100);
    {
      ScratchBuffer<double> b(50);
      EXPECT_EQ(WorkspaceMeter::Live(), base + 800);
    }
    ScratchBuffer<float> moved = std::move(a);
    EXPECT_EQ(WorkspaceMeter::Live(), base + 400);
  }
  EXPECT_EQ(WorkspaceMeter::Live(), base);
  EXPECT_EQ(WorkspaceMeter::Peak(), base + 800);
}

TEST(RowsToCheck, AllRowsWithinBudgetElseFirstAndLastOfEachHead) {
  Problem p{{2, 3, 3, 50, 50, 8}, Mask::Causal(), std::nullopt, 1};
  EXPECT_EQ(RowsToCheck(p, 1e12).size(), 2u * 3 * 50);
  const std::vector<int64_t> rows = RowsToCheck(p, 0.0);
  ASSERT_EQ(rows.size(), 2u * 3 * 2);
  EXPECT_EQ(rows[0], 0);
  EXPECT_EQ(rows[1], 49);
  EXPECT_EQ(rows.back(), 2 * 3 * 50 - 1);
}

TEST(CompareWithOracle, VerdictsFollowTheBound) {
  const Shape s{1, 1, 1, 8, 8, 4};
  AttentionData data = MakeInputs(s, 2);
  Problem p{s, Mask::Causal(), std::nullopt, 1};
  const std::vector<double> ref = OracleOutput(p, data.View());
  for (size_t x = 0; x < ref.size(); ++x)
    data.o[x] = static_cast<float>(ref[x]);
  const std::vector<int64_t> all = RowsToCheck(p, 1e12);
  Agreement a = CompareWithOracle(p, data.View(), {}, all);
  EXPECT_TRUE(a.pass);
  EXPECT_LT(a.max_abs_err, 1e-7);
  EXPECT_EQ(a.rows_checked, 8);

  data.o[13] += 1e-3f;  // beyond 2e-5 * max(1, max|o|)
  a = CompareWithOracle(p, data.View(), {}, all);
  EXPECT_FALSE(a.pass);
  EXPECT_NEAR(a.max_abs_err, 1e-3, 1e-6);

  data.o[13] = std::nanf("");
  a = CompareWithOracle(p, data.View(), {}, all);
  EXPECT_FALSE(a.pass);
  EXPECT_EQ(a.nonfinite_mismatch, 1);
}

}  // namespace
}  // namespace attnbench
