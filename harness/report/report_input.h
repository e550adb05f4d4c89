// The inputs of an HTML report: the files feedbench writes, recognised by their content, and the
// in-memory models of `run`, `compare` and `qualify`, each made into one section of the page
// (html_report.h).
//
// A file is recognised by its schema keys, not its name: "schema": "feedbench.monitor/1" (monitor
// --json), "feedbench_qualify" (qualify --json), "feedbench_compare" (compare --json, run
// --compare --json), or Google Benchmark's "context" and "benchmarks" (run's results). Run results
// bring the timeline written with them (context.feedbench.timeline_file, when its digest matches)
// and the efficiencies they keep. Reads files; thread-safe.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "harness/gate/compare.h"
#include "harness/report/html_report.h"
#include "harness/results/run_record.h"

namespace feedbench {

// The section of one file. Throws UsageError naming `path` and what was expected when it cannot
// be read, is not JSON, or is none of the documents above (or one of them with a bad key).
HtmlSection ReadReportInput(const std::filesystem::path& path);

// The section of a run just recorded (`run --html`, `qualify --html`).
RunSection RunSectionOf(const RecordedRun& recorded);

// The section of a comparison (`compare --html`, `run --compare --html`).
ComparisonSection ComparisonSectionOf(const CompareReport& report);

// The section of a qualification decided from `report` (`qualify --reference --html`).
QualificationSection QualificationSectionOf(const CompareReport& report);

// The timeline document of a run (run_record.h: {"workloads": {name: [[row, ...] per repetition]}})
// as per-repetition device timelines; `source` names it in errors (UsageError with the key).
RunTimelines TimelinesFromJson(const nlohmann::json& timeline, std::string_view source);

}  // namespace feedbench
