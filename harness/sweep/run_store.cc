#include "harness/sweep/run_store.h"

#include <fmt/format.h>

#include <sstream>

#include "harness/contract/problem.h"
#include "harness/io/atomic_file.h"
#include "harness/sweep/plan.h"

namespace attnbench::sweep {
namespace fs = std::filesystem;

const std::vector<std::string>& CsvColumns() {
  static const std::vector<std::string> columns = {"status",
                                                   "skip_reason",
                                                   "variant",
                                                   "mask",
                                                   "B",
                                                   "H",
                                                   "Hkv",
                                                   "Nq",
                                                   "Nk",
                                                   "D",
                                                   "threads",
                                                   "target",
                                                   "seed",
                                                   "repetitions",
                                                   "median_s",
                                                   "min_s",
                                                   "max_s",
                                                   "visible_pairs",
                                                   "effective_flops",
                                                   "gflops",
                                                   "peak_gflops",
                                                   "pct_peak",
                                                   "kv_bytes",
                                                   "gbps",
                                                   "read_gbps",
                                                   "pct_bandwidth",
                                                   "pattern_read_gbps",
                                                   "pct_pattern_bandwidth",
                                                   "bound",
                                                   "kv_cache",
                                                   "probes",
                                                   "dtype",
                                                   "storage",
                                                   "bf16_dot",
                                                   "noisy",
                                                   "other_cpu_cores",
                                                   "steal_cores",
                                                   "workspace_bytes",
                                                   "tensor_bytes",
                                                   "peak_rss_bytes",
                                                   "max_abs_err",
                                                   "rel_err",
                                                   "err_bound",
                                                   "rows_checked",
                                                   "rows_total",
                                                   "agrees",
                                                   "precision_abs_err",
                                                   "precision_rel_err"};
  return columns;
}

std::string CsvLine(const nlohmann::json& row) {
  std::string line;
  const std::vector<std::string>& columns = CsvColumns();
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i != 0) line += ',';
    const std::string& column = columns[i];
    if (!row.contains(column) || row[column].is_null()) continue;
    const nlohmann::json& v = row[column];
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (text.find_first_of(",\"\n") != std::string::npos) {
      std::string quoted = "\"";
      for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      text = quoted + "\"";
    }
    line += text;
  }
  return line;
}

RunStore::RunStore(fs::path dir, nlohmann::ordered_json meta)
    : dir_(std::move(dir)), meta_(std::move(meta)) {}

RunStore RunStore::Create(const fs::path& dir,
                          const nlohmann::ordered_json& meta) {
  if (fs::exists(dir / "rows.jsonl") && fs::file_size(dir / "rows.jsonl") > 0) {
    throw InvalidArgument(fmt::format(
        "output folder {} already holds rows; allowed: a new folder, or "
        "--resume {} to continue it",
        dir.string(), dir.string()));
  }
  RequireWritableDir(dir, "--out");
  RunStore store(dir, meta);
  store.SaveMeta();
  WriteFileAtomically(dir / "rows.jsonl", "");
  std::string header;
  for (const std::string& c : CsvColumns())
    header += (header.empty() ? "" : ",") + c;
  WriteFileAtomically(dir / "rows.csv", header + "\n");
  store.OpenAppenders();
  return store;
}

RunStore RunStore::Open(const fs::path& dir) {
  std::ifstream meta_in(dir / "meta.json");
  if (!meta_in) {
    throw InvalidArgument(fmt::format(
        "--resume {}: no meta.json there; allowed: a folder written by "
        "attnbench sweep",
        dir.string()));
  }
  nlohmann::ordered_json meta = nlohmann::ordered_json::parse(
      meta_in, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.is_object()) {
    throw InvalidArgument(fmt::format(
        "--resume {}: meta.json is not a sweep's (truncated, or edited); "
        "allowed: a folder written by attnbench sweep",
        dir.string()));
  }
  RunStore store(dir, std::move(meta));
  // Keep complete rows only: a kill can tear the last line.
  std::ifstream rows_in(dir / "rows.jsonl");
  std::string line, jsonl, csv;
  for (const std::string& c : CsvColumns()) csv += (csv.empty() ? "" : ",") + c;
  csv += "\n";
  while (std::getline(rows_in, line)) {
    if (line.empty()) continue;
    nlohmann::ordered_json row = nlohmann::ordered_json::parse(
        line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded() || !row.is_object()) continue;
    std::string key;
    try {  // a row without the fields of its configuration is dropped
      key = RowKey(row);
    } catch (const nlohmann::json::exception&) {
      ++store.dropped_;
      continue;
    }
    if (store.keys_.count(key) != 0) continue;  // keep every row once
    store.keys_.insert(key);
    jsonl += row.dump() + "\n";
    csv += CsvLine(row) + "\n";
    store.rows_.push_back(std::move(row));
  }
  WriteFileAtomically(dir / "rows.jsonl", jsonl);
  WriteFileAtomically(dir / "rows.csv", csv);
  store.OpenAppenders();
  return store;
}

void RunStore::OpenAppenders() {
  jsonl_.open(dir_ / "rows.jsonl", std::ios::app);
  csv_.open(dir_ / "rows.csv", std::ios::app);
  if (!jsonl_ || !csv_) {
    throw InvalidArgument(
        fmt::format("cannot append to the rows in {}", dir_.string()));
  }
}

void RunStore::SaveMeta() const {
  WriteFileAtomically(dir_ / "meta.json", meta_.dump(2) + "\n");
}

void RunStore::Append(const nlohmann::ordered_json& row) {
  // One write and a flush per file: a kill leaves whole lines behind (or,
  // at worst, one torn last line that Open drops).
  jsonl_ << row.dump() + "\n" << std::flush;
  csv_ << CsvLine(row) + "\n" << std::flush;
  keys_.insert(RowKey(row));
  rows_.push_back(row);
}

}  // namespace attnbench::sweep
