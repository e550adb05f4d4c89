// The results model: a Google Benchmark JSON document plus feedbench's context, and the per-workload
// summary every reporter renders.
//
// A results file is Google Benchmark JSON ({"context", "benchmarks"}) whose context carries a
// versioned "feedbench" object (suite, dataset spec and hash, cache mode and methods, machine and
// device fingerprints, version). Summaries are computed here, once, from the per-repetition entries
// (errored repetitions excluded); reporters only render them. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace feedbench {

inline constexpr int kResultsSchemaVersion = 1;

struct WorkloadSummary {
  std::string name;
  std::string kind;  // "reader" | "fio"
  int repetitions = 0;          // entries of run_type "iteration"
  int valid_repetitions = 0;    // without error_occurred
  std::vector<std::string> errors;  // error_message of each errored repetition
  std::map<std::string, double> median;  // counter → median over valid repetitions
  std::map<std::string, double> cv;      // counter → coefficient of variation (stddev/mean)
  double median_wall_sec = 0;
};

// Summaries in the order workloads first appear in `results["benchmarks"]`.
std::vector<WorkloadSummary> SummarizeResults(const nlohmann::json& results);

// Median of a non-empty list (mean of the middle two for even sizes).
double Median(std::vector<double> values);

// Throws UsageError naming `source` when `results` is not a feedbench results document of the
// supported schema version (Google Benchmark JSON with context.feedbench).
void ValidateResults(const nlohmann::json& results, const std::string& source);

// Loads and validates a results file.
nlohmann::json LoadResults(const std::filesystem::path& path);

// "results/<suite>-<host>-<UTC timestamp>.json" under `dir`.
std::filesystem::path DefaultResultsPath(const std::filesystem::path& dir, const std::string& suite,
                                         const std::string& host, const std::string& utc_compact);

// Sidecar file holding the sampled timelines: "<results stem>.timeline.json" beside it.
std::filesystem::path TimelinePathFor(const std::filesystem::path& results_path);

}  // namespace feedbench
