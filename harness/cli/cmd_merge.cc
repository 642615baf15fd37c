// attnbench merge: the run folders of one sweep's shards (`sweep --shard
// I/N`, possibly from several machines of one kind) joined into one run
// folder, refusing shards of different plans, settings, revisions or kinds
// of machine, and naming the shards that are missing.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/cli/commands.h"
#include "harness/contract/problem.h"
#include "harness/sweep/plan.h"
#include "harness/sweep/run_store.h"

namespace attnbench::cli {
namespace {

struct MergeOptions {
  std::string out;
  std::vector<std::string> shards;
  bool allow_missing = false;
};

// The kind of machine a run was measured on: its machine key (CPU model,
// family, model, cores; harness/measure/machine_info.h), or for runs older
// than the key, the model name and cores; and the Highway target.
std::string MachineKind(const nlohmann::json& meta) {
  const nlohmann::json& m = meta.value("machine", nlohmann::json::object());
  std::string kind = m.contains("machine_key")
                         ? m["machine_key"].get<std::string>()
                         : fmt::format("{}, {} cores", m.value("cpu_model", ""),
                                       m.value("cores", 0));
  return kind + " | " + meta.value("highway_target", "");
}

// The settings shards of one plan share: the sweep's without the shard.
nlohmann::json SharedSettings(const nlohmann::json& meta) {
  nlohmann::json sweep = meta.at("sweep");
  sweep.erase("shard_index");
  return sweep;
}

int RunMerge(const MergeOptions& opt) {
  std::vector<sweep::RunStore> stores;
  for (const std::string& dir : opt.shards) {
    stores.push_back(sweep::RunStore::Open(dir));
  }
  const nlohmann::json& first = stores.front().Meta();
  if (!first.contains("plan_id") || !first.contains("shard")) {
    throw InvalidArgument(fmt::format(
        "{}: meta.json has no plan_id or shard; allowed: run folders of "
        "`attnbench sweep --shard I/N`",
        opt.shards.front()));
  }
  const int count = first["shard"]["count"].get<int>();
  std::map<int, size_t> by_index;  // shard index -> store
  for (size_t s = 0; s < stores.size(); ++s) {
    const nlohmann::json& meta = stores[s].Meta();
    const auto differs = [&](const char* what) {
      return InvalidArgument(fmt::format(
          "{} and {} differ in {}; allowed: shards of one plan, one revision "
          "and the same settings",
          opt.shards.front(), opt.shards[s], what));
    };
    if (meta.value("plan_id", "") != first["plan_id"]) throw differs("plan_id");
    if (meta.at("build").value("git_revision", "") !=
        first.at("build").value("git_revision", "")) {
      throw differs("git revision");
    }
    if (SharedSettings(meta) != SharedSettings(first)) {
      throw differs("sweep settings");
    }
    // Rates from two CPU models (or targets) are not one series: a study
    // over machines keeps one merged run per machine and puts them side by
    // side (scripts/compare.py --machines; docs/cluster.md).
    if (MachineKind(meta) != MachineKind(first)) {
      throw InvalidArgument(fmt::format(
          "{} and {} differ in machine or target ({} vs {}); allowed: shards "
          "measured on machines of one kind (compare machines with "
          "scripts/compare.py --machines)",
          opt.shards.front(), opt.shards[s], MachineKind(first),
          MachineKind(meta)));
    }
    const int index = meta["shard"]["index"].get<int>();
    if (!by_index.emplace(index, s).second) {
      throw InvalidArgument(fmt::format("shard {} is given twice ({} and {})",
                                        index, opt.shards[by_index[index]],
                                        opt.shards[s]));
    }
  }
  std::vector<int> missing;
  for (int i = 0; i < count; ++i) {
    if (by_index.count(i) == 0) missing.push_back(i);
  }
  if (!missing.empty()) {
    fmt::print(stderr, "attnbench: {} shard(s) of {} missing: {}\n",
               missing.size(), count, fmt::join(missing, ", "));
    if (!opt.allow_missing) return 1;
  }
  nlohmann::ordered_json meta = stores[by_index.begin()->second].Meta();
  meta["sweep"]["shard_index"] = 0;
  meta["sweep"]["shard_count"] = 1;
  meta["shard"] = {{"index", 0}, {"count", 1}, {"configs", 0}};
  meta["merged_shards"] = nlohmann::ordered_json::array();
  meta["sessions"] = nlohmann::ordered_json::array();
  meta["missing_shards"] = missing;
  for (const auto& [index, s] : by_index) {
    const nlohmann::ordered_json& m = stores[s].Meta();
    meta["merged_shards"].push_back({{"index", index},
                                     {"dir", opt.shards[s]},
                                     {"run_id", m["run_id"]},
                                     {"machine", m["machine"]}});
    for (const auto& session : m["sessions"]) {
      nlohmann::ordered_json tagged = session;
      tagged["shard"] = index;
      meta["sessions"].push_back(tagged);
    }
  }
  sweep::RunStore out = sweep::RunStore::Create(opt.out, meta);
  std::set<std::string> seen;
  size_t rows = 0;
  for (const auto& [index, s] : by_index) {
    for (const auto& row : stores[s].Rows()) {
      if (!seen.insert(sweep::RowKey(row)).second) {
        throw InvalidArgument(fmt::format(
            "{}: configuration {} is in two shards; allowed: disjoint shards",
            opt.shards[s], sweep::RowKey(row)));
      }
      out.Append(row);
      ++rows;
    }
  }
  out.Meta()["shard"]["configs"] = rows;
  out.SaveMeta();
  fmt::print("merged {} shard(s) of {}: {} rows of the plan's {} into {}\n",
             by_index.size(), count, rows,
             first.value("plan_configs", size_t{0}), opt.out);
  return missing.empty() ? 0 : 1;
}

}  // namespace

Command AddMergeCommand(CLI::App& app) {
  auto opt = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand(
      "merge",
      "Join the run folders of one sweep's shards (sweep --shard I/N) into "
      "one run folder; exit 1 if a shard is missing");
  sub->add_option("--out", opt->out, "the merged run folder (new)")->required();
  sub->add_option("shards", opt->shards, "the shards' run folders")->required();
  sub->add_flag("--allow-missing", opt->allow_missing,
                "merge the shards given even when some are missing (still "
                "named, still exit 1)");
  return {sub, [opt] { return RunMerge(*opt); }};
}

}  // namespace attnbench::cli
