// The sweep's pieces: the plan (with a test-only variant registered here),
// the run store's rows and resume behaviour, CSV quoting, and the fit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include "harness/contract/variant.h"
#include "harness/sweep/plan.h"
#include "harness/sweep/run_store.h"
#include "harness/sweep/shard.h"
#include "harness/sweep/summary.h"

namespace attnbench {
namespace {

// A variant that only supports windows, to see families left out.
class WindowOnly final : public Variant {
 public:
  std::string_view Name() const override { return "test_window_only"; }
  std::string_view Summary() const override { return "test"; }
  std::vector<std::string> SupportedMasks() const override {
    return {"window"};
  }
  size_t EstimateWorkspaceBytes(const Problem&) const override { return 0; }
  void Run(const Problem&, const Tensors&) const override {}
};
ATTNBENCH_REGISTER_VARIANT(WindowOnly);

using sweep::MakePlan;
using sweep::SweepSpec;

TEST(SweepPlan, ListsSupportedFamiliesSmallestNFirst) {
  SweepSpec spec;
  spec.variants = {"test_window_only"};
  spec.masks = {"causal", "window:16"};
  spec.n_min = 64;
  spec.n_max = 512;
  spec.threads = {1, 2};
  const sweep::SweepPlan plan = MakePlan(spec);
  // The pair whose variant does not run the mask kind is not planned, and
  // said in one line.
  EXPECT_TRUE(plan.skipped.empty());
  ASSERT_EQ(plan.not_run.size(), 1u);
  EXPECT_EQ(plan.not_run[0].mask, "causal");
  EXPECT_NE(sweep::NotRunSummary(plan.not_run)
                .find("left out 1 variant x "
                      "mask pair"),
            std::string::npos);
  ASSERT_EQ(plan.configs.size(), 2u * 4);  // 2 thread counts x N 64..512
  for (size_t i = 1; i < plan.configs.size(); ++i) {
    const Problem& a = plan.configs[i - 1].problem;
    const Problem& b = plan.configs[i].problem;
    EXPECT_TRUE(a.threads < b.threads ||
                (a.threads == b.threads && a.shape.Nk <= b.shape.Nk));
  }
}

// The baseline runs up to --baseline-N-max only (said in one line); other
// variants, and the baseline with the cap at 0, to --N-max. A run stored
// before the cap existed reads as uncapped.
TEST(SweepPlan, CapsTheBaselineAtItsOwnLargestN) {
  SweepSpec spec;
  spec.variants = {"test_window_only"};
  spec.masks = {"window:16"};
  spec.n_min = 64;
  spec.n_max = 512;
  spec.baseline = "test_window_only";
  spec.baseline_n_max = 128;
  const sweep::SweepPlan plan = MakePlan(spec);
  ASSERT_EQ(plan.configs.size(), 2u);  // N = 64, 128
  for (const auto& c : plan.configs) EXPECT_LE(c.problem.shape.Nk, 128);
  EXPECT_EQ(plan.baseline_capped, 2u);
  EXPECT_NE(sweep::BaselineCapSummary(spec, plan.baseline_capped)
                .find("left out 2 configuration(s) of the baseline "
                      "test_window_only with N > 128"),
            std::string::npos);
  spec.baseline = "naive";  // not this variant: no cap on it
  EXPECT_EQ(MakePlan(spec).configs.size(), 4u);
  spec.baseline = "test_window_only";
  spec.baseline_n_max = 0;
  EXPECT_EQ(MakePlan(spec).configs.size(), 4u);
  nlohmann::json stored = SweepSpec{}.ToJson();
  stored.erase("baseline_n_max");
  EXPECT_EQ(SweepSpec::FromJson(stored).baseline_n_max, 0);
}

TEST(SweepPlan, RejectsBadSettingsNamingThem) {
  SweepSpec spec;
  spec.variants = {"nope"};
  EXPECT_THROW(MakePlan(spec), InvalidArgument);
  spec.variants = {};
  spec.masks = {"window:0"};
  EXPECT_THROW(MakePlan(spec), InvalidArgument);
  spec.masks = {"causal"};
  spec.n_min = 512;
  spec.n_max = 256;
  EXPECT_THROW(MakePlan(spec), InvalidArgument);
}

TEST(SweepPlan, DecodeKeepsNqAndSweepsNk) {
  SweepSpec spec;
  spec.variants = {"test_window_only"};
  spec.masks = {"window:16"};
  spec.n_min = 64;
  spec.n_max = 256;
  spec.new_tokens = 3;
  const sweep::SweepPlan plan = MakePlan(spec);
  ASSERT_EQ(plan.configs.size(), 3u);
  for (const sweep::SweepConfig& c : plan.configs) {
    EXPECT_EQ(c.problem.shape.Nq, 3);
  }
  EXPECT_EQ(plan.configs.back().problem.shape.Nk, 256);
  spec.new_tokens = 65;  // more new tokens than the smallest Nk
  EXPECT_THROW(MakePlan(spec), InvalidArgument);
}

// --shard I/N: the shards are disjoint, cover the plan, keep its order and
// identity, and no shard's predicted cost exceeds the mean by more than the
// costliest configuration (greedy list scheduling's guarantee).
TEST(SweepPlan, ShardsPartitionThePlanBalancedByCost) {
  SweepSpec spec;
  spec.variants = {"test_window_only"};
  spec.masks = {"window:16", "window:200"};
  spec.n_min = 64;
  spec.n_max = 8192;
  spec.threads = {1, 2};
  const sweep::SweepPlan whole = MakePlan(spec);
  std::set<std::string> all;
  for (const auto& c : whole.configs) all.insert(sweep::ConfigKey(c));
  ASSERT_EQ(all.size(), whole.configs.size());
  constexpr int kShards = 3;
  std::set<std::string> seen;
  std::vector<double> load;
  double max_cost = 0.0, total = 0.0;
  for (const auto& c : whole.configs) {
    max_cost = std::max(max_cost, sweep::ShardCost(c));
    total += sweep::ShardCost(c);
  }
  for (int i = 0; i < kShards; ++i) {
    spec.shard_index = i;
    spec.shard_count = kShards;
    const sweep::SweepPlan part = MakePlan(spec);
    EXPECT_EQ(part.plan_id, whole.plan_id);
    EXPECT_EQ(part.plan_configs, whole.configs.size());
    double cost = 0.0;
    for (const auto& c : part.configs) {
      EXPECT_TRUE(seen.insert(sweep::ConfigKey(c)).second)
          << sweep::ConfigKey(c) << " in two shards";
      cost += sweep::ShardCost(c);
    }
    EXPECT_LE(cost, total / kShards + max_cost) << "shard " << i;
  }
  EXPECT_EQ(seen, all);
  spec.n_max = 4096;  // another plan, another identity
  spec.shard_count = 1;
  spec.shard_index = 0;
  EXPECT_NE(MakePlan(spec).plan_id, whole.plan_id);
  spec.shard_index = 3;
  spec.shard_count = 3;
  EXPECT_THROW(MakePlan(spec), InvalidArgument);
  for (const char* bad : {"3/3", "1", "-1/2", "a/b", "0/0", "1/2/3"}) {
    EXPECT_THROW(sweep::ParseShard(bad), InvalidArgument) << bad;
  }
  EXPECT_EQ(sweep::ParseShard("2/5").index, 2);
  EXPECT_EQ(sweep::ParseShard("2/5").count, 5);
}

TEST(SweepPlan, ModelPresetsSetTheHeads) {
  const sweep::ModelShape& llama = sweep::FindModelShape("llama3-8b");
  EXPECT_EQ(llama.heads, 32);
  EXPECT_EQ(llama.kv_heads, 8);
  EXPECT_EQ(llama.dim, 128);
  try {
    sweep::FindModelShape("gpt-9");
    FAIL() << "an unknown preset was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("mqa8-d64"), std::string::npos);
  }
}

TEST(SweepSpec, ReadsSettingsStoredBeforeDecodeSweeps) {
  nlohmann::json j = SweepSpec{}.ToJson();
  j.erase("new_tokens");
  j.erase("model");
  const SweepSpec back = SweepSpec::FromJson(j);
  EXPECT_EQ(back.new_tokens, 0);
  EXPECT_EQ(back.model, "");
}

// Settings added after runs were stored: read when present, their
// default ("auto") when a meta.json predates them.
TEST(SweepSpec, ReadsSettingsStoredBeforeThePrefetchHintAndKvCache) {
  const std::pair<const char*, const char*> fields[] = {{"prefetch_hint", "t1"},
                                                        {"kv_cache", "warm"}};
  for (const auto& [field, value] : fields) {
    nlohmann::json j = SweepSpec{}.ToJson();
    j[field] = value;
    EXPECT_EQ(SweepSpec::FromJson(j).ToJson()[field], value) << field;
    j.erase(field);
    EXPECT_EQ(SweepSpec::FromJson(j).ToJson()[field], "auto") << field;
  }
}

TEST(SweepSpec, RoundTripsThroughJson) {
  SweepSpec spec;
  spec.variants = {"a", "b"};
  spec.prefetch_hint = "t0";
  spec.kv_cache = "cold";
  spec.masks = {"span:1,2:8"};
  spec.threads = {1, 3};
  spec.max_seconds_per_run = 7.5;
  const SweepSpec back = SweepSpec::FromJson(spec.ToJson());
  EXPECT_EQ(back.ToJson(), spec.ToJson());
}

nlohmann::ordered_json Row(const std::string& variant, int64_t n,
                           double seconds) {
  return {{"status", "ok"},
          {"variant", variant},
          {"mask", "span:1,2:8"},
          {"B", 1},
          {"H", 2},
          {"Hkv", 2},
          {"Nq", n},
          {"Nk", n},
          {"D", 64},
          {"threads", 2},
          {"median_s", seconds},
          {"gflops", 1.0 / seconds},
          {"pct_peak", 0.5}};
}

TEST(RunStore, CsvQuotesMasksWithCommas) {
  const std::string line = sweep::CsvLine(Row("naive", 8, 1.0));
  EXPECT_NE(line.find(",\"span:1,2:8\","), std::string::npos) << line;
  const size_t commas = std::count(line.begin(), line.end(), ',');
  EXPECT_EQ(commas, sweep::CsvColumns().size() - 1 + 1);  // 1 inside quotes
}

TEST(RunStore, ResumeKeepsCompleteRowsOnceAndDropsATornLine) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("attnbench_store_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto store = sweep::RunStore::Create(dir, {{"run_id", "t"}});
    store.Append(Row("naive", 8, 1.0));
    store.Append(Row("naive", 16, 4.0));
    EXPECT_TRUE(store.Has(sweep::RowKey(Row("naive", 16, 0))));
    EXPECT_THROW(sweep::RunStore::Create(dir, {}), InvalidArgument);
  }
  {
    std::ofstream rows(dir / "rows.jsonl", std::ios::app);
    rows << Row("naive", 8, 9.0).dump() << "\n";  // a duplicate key
    rows << "{\"status\":\"ok\",\"vari";          // torn by a kill
  }
  auto store = sweep::RunStore::Open(dir);
  ASSERT_EQ(store.Rows().size(), 2u);
  EXPECT_EQ(store.Rows()[0]["median_s"], 1.0);  // the first one kept
  store.Append(Row("naive", 32, 16.0));
  auto again = sweep::RunStore::Open(dir);
  EXPECT_EQ(again.Rows().size(), 3u);
  std::ifstream csv(dir / "rows.csv");
  EXPECT_EQ(std::count(std::istreambuf_iterator<char>(csv),
                       std::istreambuf_iterator<char>(), '\n'),
            4);  // header + 3 rows
  std::filesystem::remove_all(dir);
}

TEST(Summary, FitsTheExponentAndTheSpeedUp) {
  EXPECT_NEAR(sweep::FitExponent({1, 2, 4, 8}, {3, 12, 48, 192}), 2.0, 1e-12);
  EXPECT_TRUE(std::isnan(sweep::FitExponent({4}, {1})));
  std::vector<nlohmann::ordered_json> rows;
  for (int64_t n : {256, 512, 1024}) {
    rows.push_back(Row("naive", n, 1e-6 * n * n));
    rows.push_back(Row("fast", n, 1e-6 * n));
  }
  const std::string table = sweep::SummaryTable(rows, "naive");
  EXPECT_NE(table.find("2.00"), std::string::npos) << table;
  EXPECT_NE(table.find("1.00"), std::string::npos) << table;
  EXPECT_NE(table.find("1024.0x @N=1024"), std::string::npos) << table;
}

TEST(Summary, ShowsGigabytesPerSecondForMemoryBoundRows) {
  nlohmann::ordered_json row = Row("fast", 256, 1e-3);
  row["bound"] = "memory";
  row["gbps"] = 42.5;
  row["pct_bandwidth"] = 0.81;
  const std::string table = sweep::SummaryTable({row}, "naive");
  EXPECT_NE(table.find("B 42.5 (81%)"), std::string::npos) << table;
}

// A decode family keeps one unit when the probes label some of its points
// compute-bound: GB/s at every Nk.
TEST(Summary, ShowsGigabytesPerSecondForEveryDecodePoint) {
  std::vector<nlohmann::ordered_json> rows;
  for (int64_t nk : {1024, 2048}) {
    nlohmann::ordered_json row = Row("fast", nk, 1e-3);
    row["Nq"] = 1;
    row["bound"] = nk == 1024 ? "compute" : "memory";
    row["gbps"] = nk == 1024 ? 30.5 : 40.5;
    row["pct_bandwidth"] = nk == 1024 ? 0.61 : 0.81;
    rows.push_back(row);
  }
  const std::string table = sweep::SummaryTable(rows, "naive");
  EXPECT_NE(table.find("B 30.5 (61%)"), std::string::npos) << table;
  EXPECT_NE(table.find("B 40.5 (81%)"), std::string::npos) << table;
}

}  // namespace
}  // namespace attnbench
