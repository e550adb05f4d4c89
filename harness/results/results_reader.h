// Reading a feedbench results file back: the plain model the regression gate and the baseline
// recorder consume.
//
// A results file is Google Benchmark JSON (as `feedbench run` writes it): `context` carries a
// versioned `feedbench` object (schema_version, suite, dataset_hash, machine and device
// fingerprints, feedbench_version) — accepted as a JSON object or, as Google Benchmark's
// AddCustomContext stores it, as a string holding that object — and `benchmarks` has one entry per
// repetition (`run_type` "iteration") plus aggregates (skipped here). Every numeric top-level key
// of a repetition that is not one of Google Benchmark's own fields is a counter
// (samples_per_second, r_await_ms, …). The workload name is the entry's `run_name` without the
// suffixes Google Benchmark appends (/iterations:N, /repeats:N, /threads:N, /min_time:…,
// /manual_time, /real_time, /process_time), so a workload keeps its name when its repetition count
// changes.
//
// Every counter of a repetition is a finite number. A figure that was not measured is left out of
// the entry (feedbench writes only finite counters); a repetition holding a non-finite one —
// Google Benchmark writes it as a bare NaN, Infinity or -Infinity, which is not JSON, and other
// writers as null — is bad input, refused with the file, the entry (benchmarks[i], workload and
// repetition) and the key: read as absent, it would drop the row from the gate, which then passes.
// Google Benchmark's aggregates are skipped, so non-finite values there (the cv of a counter that
// is 0 in every repetition) read as null, as does one in the context.
//
// Pure parsing plus one reading function; thread-safe. Errors are UsageError naming the file and
// the key, and what was expected.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/measurement.h"

namespace feedbench {

// The results schema this reader understands (context.feedbench.schema_version).
inline constexpr int kResultsSchemaVersion = 1;

struct Repetition {
  int repetition_index = 0;
  RepetitionState state = RepetitionState::kValid;  // set where it was measured (measurement.h);
                                                    // read back from Google Benchmark's
                                                    // error_message (Classify in the .cc)
  std::string error_message;                        // the reason it is not valid; empty when valid
  double wall_sec = 0;                              // the workload's wall time (Google Benchmark's
                                                    // manual time)
  std::string label;                                // Google Benchmark's label
  std::map<std::string, double> counters;  // counter name → value, in the counter's own unit;
                                           // finite (ParseResults refuses any other)

  bool valid() const { return state == RepetitionState::kValid; }
};

struct WorkloadResults {
  std::string name;  // run_name without Google Benchmark's suffixes, e.g. "files/random"
  std::vector<Repetition> repetitions;  // in file order

  // Every repetition is valid or disturbed: none failed, failed verification or read from the
  // page cache. A disturbed repetition was measured correctly on a busy node; it is left out of
  // Values() (and so of judging and aggregates) and the coordinator ran another in its place, so
  // it does not make the workload's figures unusable, as a contaminated or failed one does.
  bool Judgeable() const;
  // The values of one counter over the valid repetitions that carry it, in file order.
  std::vector<double> Values(std::string_view counter) const;
};

struct ResultsFile {
  std::string source;  // file name the results were read from (for messages and baselines)
  int schema_version = 0;
  std::string suite;
  std::string dataset_hash;
  nlohmann::json machine;  // fingerprint objects, null when the file has none
  nlohmann::json device;
  std::string feedbench_version;           // "unknown" when absent
  std::string date;                        // context.date (ISO 8601) as Google Benchmark wrote it
  std::vector<WorkloadResults> workloads;  // in order of first appearance

  const WorkloadResults* Find(std::string_view workload) const;
  // One ProblemLine per repetition that is not valid, disturbed ones included.
  std::vector<std::string> Problems() const;
};

// "workload #index: message" (the label when there is no message): how a repetition that is not
// valid is named in every refusal and listing.
std::string ProblemLine(const WorkloadResults& workload, const Repetition& repetition);

// "files/random/iterations:1/repeats:5/manual_time" → "files/random".
std::string WorkloadNameFromRunName(std::string_view run_name);

// Parses a results document; `source` names it in errors. Throws UsageError when the document is
// not Google Benchmark JSON with a feedbench context of kResultsSchemaVersion, has no
// repetitions, or a repetition holds a number that is not finite (a non-finite double, null, or a
// NonFiniteToMarkers marker; json_non_finite.h) under any key but Google Benchmark's text fields.
ResultsFile ParseResults(const nlohmann::json& document, std::string_view source);

// For `feedbench run --compare --confirm`: `original` with the repetitions of every workload that
// `rerun` has replaced by the rerun's (the confirmation is judged on the rerun alone); other
// workloads and the context are kept. REQUIRES: same suite and dataset (not checked here; compare
// checks them).
ResultsFile WithWorkloadsReplaced(ResultsFile original, const ResultsFile& rerun);

// Reads and parses `path`. Throws UsageError when it cannot be read or is not JSON (naming it),
// or as ParseResults does; a bare NaN or Infinity in a repetition is named as written.
ResultsFile ReadResultsFile(const std::filesystem::path& path);

}  // namespace feedbench
