// What a run's terminal table shows, and where a run's files go.
//
// WorkloadSummary is computed here, once, from a parsed results file (harness/results_reader.h):
// medians, extremes and coefficients of variation over the valid repetitions (errored ones excluded, listed
// separately). Reporters only render it. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness/results/results_reader.h"

namespace feedbench {

struct WorkloadSummary {
  std::string name;
  int repetitions = 0;                   // all repetitions in the file
  int valid_repetitions = 0;             // without an error
  std::vector<std::string> errors;       // error_message of each errored repetition
  std::map<std::string, double> median;  // counter → median over valid repetitions
  std::map<std::string, double> min;     // counter → lowest value over valid repetitions
  std::map<std::string, double> max;     // counter → highest value over valid repetitions
  std::map<std::string, double> cv;      // counter → sample stddev / mean over valid repetitions
};

// Summaries in the order workloads first appear in the results.
std::vector<WorkloadSummary> SummarizeResults(const ResultsFile& results);

// Sample standard deviation over mean; 0 for fewer than two values or a zero mean.
double CoefficientOfVariation(const std::vector<double>& values);

// "<dir>/<suite>-<host>-<UTC timestamp>.json".
std::filesystem::path DefaultResultsPath(const std::filesystem::path& dir, const std::string& suite,
                                         const std::string& host, const std::string& utc_compact);

// This host's name up to the first dot ("node17"), for file names.
std::string ShortHostname();

// Room a run's results and timeline need on their filesystem, checked before the run: a floor of
// 1 MiB plus 1 MiB per planned repetition (its entry and a timeline of a few thousand rows). An
// estimate to refuse a full disk up front, not a bound: the write itself still reports ENOSPC.
uint64_t ResultsRoomBytes(int planned_repetitions);

// Where a run writes its results: `out_flag` when given, else results/<suite>-<host>-<UTC now>.json
// (results/ is made when the file is written: the output-path policy of atomic_file.h). Checked
// before any work: throws UsageError naming --out when the destination cannot be written,
// EnvironmentError (exit 3) when its filesystem has less than `room_bytes` free. Creates nothing.
std::filesystem::path ResolveResultsPath(const std::string& out_flag, const std::string& suite,
                                         uint64_t room_bytes = 0);

// Sidecar file holding the sampled timelines: "<results stem>.timeline.json" beside it.
std::filesystem::path TimelinePathFor(const std::filesystem::path& results_path);

}  // namespace feedbench
