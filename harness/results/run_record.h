// A run, recorded: the results model of a SuiteRun (harness/suite/suite_run.h), the documents
// written for it, and the writing.
//
// RecordRun builds the model (results_reader.h's ResultsFile) straight from the typed
// measurements — counter names and units from the metric registry (metrics.h), each repetition's
// state as it was measured — and computes the efficiencies from it. The results document is that
// model as Google Benchmark JSON (gbench_adapter.h) with the versioned context.feedbench block;
// the timeline document holds every repetition's sampled rows. Everything a command does after a
// run (the table, compare, --confirm, qualify) reads the model in memory, never the file just
// written. Pure apart from WriteRunFiles; thread-compatible (the adapter is not reentrant).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/results/efficiency.h"
#include "harness/results/results_reader.h"
#include "harness/suite/suite_run.h"

namespace feedbench {

struct RecordedRun {
  ResultsFile model;                     // the run's results, as compare and the tables read them
  std::vector<Efficiency> efficiencies;  // also in context.feedbench.efficiency
  nlohmann::json results;                // Google Benchmark JSON with context.feedbench
  nlohmann::json timeline;  // {"schema_version", "interval_ms", "workloads": {name: [[rows]...]}}
  double wall_sec = 0;      // the whole run, dataset preparation included
  bool any_failed = false;  // a repetition failed verification or hit an I/O error
};

// The results model of `run`; `source` names it (the results path) in messages.
ResultsFile ResultsModelOf(const SuiteRun& run, const std::string& source);

RecordedRun RecordRun(const SuiteRun& run, const std::string& source);

// Writes the timeline sidecar, then the results, each atomically; returns the timeline path. The
// pair is consistent for a reader of the results: the timeline names its results file
// ("results_file"), and the results name their timeline (context.feedbench.timeline_file) and
// carry the XXH3-64 of its exact bytes (context.feedbench.timeline_xxh3, 16 hex digits). Written
// in that order, a results file never names a timeline written after it; a run stopped between
// the two (or a later run to the same --out stopped there) leaves a timeline whose digest the
// results do not carry, which TimelineMatchesResults tells.
std::filesystem::path WriteRunFiles(const RecordedRun& run,
                                    const std::filesystem::path& results_path);

// Whether the timeline that the results file at `results_path` names is there and is the one
// written with it (its digest matches). False for a missing, unreadable or mismatched file.
bool TimelineMatchesResults(const std::filesystem::path& results_path);

}  // namespace feedbench
