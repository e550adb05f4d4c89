// A baseline: what one machine profile measured for one suite, over its last accepted runs.
//
// Stored as `baselines/<profile>/<suite>.json` and committed. It holds the schema version, the
// suite and its dataset hash, the machine and device fingerprints of the node it was recorded on,
// and the history of accepted runs (oldest first, at most `keep`, default 20): for each run its
// date, feedbench version, the results file it came from, and per workload and counter the value
// of every repetition (in the counter's own unit). The gate's reference is the history, not one
// run: the last K runs that have a counter (ReferenceRunIndices; compare --reference-runs), pooled
// as harness/gate/compare.h describes. A baseline of fewer than 3 runs can be recorded, but the
// gate cannot measure run-to-run noise from it and judges nothing against it but a regression.
//
// Only valid runs enter a baseline: RecordRuns refuses results with failed or cache-contaminated
// repetitions or a counter that is not a finite number, of another suite or dataset, or from a
// machine with another fingerprint. Every value a baseline holds is finite: ParseBaseline refuses
// NaN, Infinity (bare tokens, which are not JSON, or doubles built in memory) and null among a
// counter's values, naming the run, workload and counter. All functions but the two file
// functions are pure; nothing here is shared between threads. Errors are UsageError naming the
// file and what was expected.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/results_reader.h"

namespace feedbench {

inline constexpr int kBaselineSchemaVersion = 1;
inline constexpr std::size_t kDefaultKeepRuns = 20;
// The `kind` key that tells a baseline from any other JSON file.
inline constexpr std::string_view kBaselineKind = "feedbench-baseline";

// workload → counter → value per repetition (finite, in the counter's own unit).
using RunValues = std::map<std::string, std::map<std::string, std::vector<double>>>;

struct BaselineRun {
  std::string date;               // the run's own date (results context.date), ISO 8601
  std::string feedbench_version;  // of the binary that ran it
  std::string source;             // file name of the results it was recorded from
  RunValues workloads;

  // nullptr when the run has no such workload or counter.
  const std::vector<double>* Values(std::string_view workload, std::string_view metric) const;
};

struct Baseline {
  std::string source;  // where it was read from, for messages; not stored in the file
  int schema_version = kBaselineSchemaVersion;
  std::string suite;
  std::string dataset_hash;
  nlohmann::json machine;  // fingerprints as the results carried them
  nlohmann::json device;
  std::size_t keep = kDefaultKeepRuns;  // history length kept by `record`
  std::vector<BaselineRun> runs;        // oldest first; never empty in a valid baseline

  const BaselineRun& Latest() const { return runs.back(); }
  // Medians of one workload's counter, one per run that has it, oldest first.
  std::vector<double> RunMedians(std::string_view workload, std::string_view metric) const;
  // Indices into `runs` of the last `k` runs that have this workload's counter, oldest first:
  // the runs that form the gate's reference. Fewer than k when fewer runs have it.
  std::vector<std::size_t> ReferenceRunIndices(std::string_view workload, std::string_view metric,
                                               std::size_t k) const;
};

nlohmann::json BaselineToJson(const Baseline& baseline);

// Throws UsageError naming `source` and the key when the document is not a baseline of
// kBaselineSchemaVersion (wrong `kind`, wrong version, missing or mistyped keys, no runs), or a
// counter's value is not a finite number (null, a non-finite double or a NonFiniteToMarkers marker:
// "runs[i].workloads.<workload>.<counter>[k] is NaN").
Baseline ParseBaseline(const nlohmann::json& document, std::string_view source);

// Reads and parses `path`; throws UsageError when it cannot be read, is not JSON or not a baseline,
// or holds a bare NaN or Infinity anywhere (named as written, with its place).
Baseline ReadBaselineFile(const std::filesystem::path& path);

// Writes atomically (temporary file, fsync, rename): an interrupted write leaves the old file.
// Throws EnvironmentError when the directory is not writable or the disk is full.
void WriteBaselineFile(const std::filesystem::path& path, const Baseline& baseline);

// The fingerprint fields that differ, one "key: baseline value → this run's value" line each;
// empty when they match: FingerprintDifferences (harness/fingerprint.h) over
// {"machine": …, "device": …}, which compares the fields that change performance (kernel, CPU,
// memory, fio; device model, kind, queue settings, filesystem and mount options) and not names,
// sizes, paths or the host name, so identical nodes of one profile share a baseline.
std::vector<std::string> FingerprintMismatches(const nlohmann::json& baseline_machine,
                                               const nlohmann::json& baseline_device,
                                               const nlohmann::json& current_machine,
                                               const nlohmann::json& current_device);

// Creates a baseline from `results` (when `existing` is empty) or extends `existing`, appending
// one run per results file in the given order and keeping the last `keep` runs (default: the
// baseline's own `keep`, or kDefaultKeepRuns for a new one). Validates every results file before
// changing anything. Throws UsageError naming the results file when one has failed or
// contaminated repetitions, a counter that is not finite (naming workload, repetition and
// counter), another suite, dataset hash or fingerprint, or is already recorded (same source name
// and date). REQUIRES: !results.empty(); keep ≥ 1 when given.
Baseline RecordRuns(std::optional<Baseline> existing, const std::vector<ResultsFile>& results,
                    std::optional<std::size_t> keep);

}  // namespace feedbench
