// A run folder, results/<run-id>/: meta.json (written to a temporary file
// and renamed, so it is never half-written), rows.jsonl and rows.csv
// (appended and flushed as each configuration completes, so a crash or kill
// loses nothing that finished). Reopening a folder drops a torn last line.
#ifndef ATTNBENCH_HARNESS_SWEEP_RUN_STORE_H_
#define ATTNBENCH_HARNESS_SWEEP_RUN_STORE_H_

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace attnbench::sweep {

// Columns of rows.csv, in order (a row lacking one leaves it empty).
const std::vector<std::string>& CsvColumns();

// One CSV line for a row (RFC 4180 quoting), without the newline.
std::string CsvLine(const nlohmann::json& row);

class RunStore {
 public:
  // A new run folder; throws InvalidArgument if it already holds rows.
  static RunStore Create(const std::filesystem::path& dir,
                         const nlohmann::ordered_json& meta);
  // An existing run folder, to resume: keeps every complete row.
  static RunStore Open(const std::filesystem::path& dir);

  const std::filesystem::path& Dir() const { return dir_; }
  nlohmann::ordered_json& Meta() { return meta_; }
  void SaveMeta() const;

  bool Has(const std::string& key) const { return keys_.count(key) != 0; }
  const std::vector<nlohmann::ordered_json>& Rows() const { return rows_; }
  // Rows Open dropped for lacking the fields of their configuration.
  int Dropped() const { return dropped_; }
  void Append(const nlohmann::ordered_json& row);

 private:
  RunStore(std::filesystem::path dir, nlohmann::ordered_json meta);
  void OpenAppenders();

  std::filesystem::path dir_;
  nlohmann::ordered_json meta_;
  std::vector<nlohmann::ordered_json> rows_;
  std::set<std::string> keys_;
  int dropped_ = 0;
  std::ofstream jsonl_, csv_;
};

}  // namespace attnbench::sweep

#endif  // ATTNBENCH_HARNESS_SWEEP_RUN_STORE_H_
