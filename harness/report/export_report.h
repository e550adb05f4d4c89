// A run's results in the formats benchmark dashboards ingest (`feedbench run --export KIND:FILE`).
//
// Google Benchmark JSON puts a repetition's wall time in `real_time`, so a dashboard that reads it
// through `real_time` tracks wall time, not samples/s or await. These exports carry every counter
// of the metric registry (harness/results/metrics.h) that the run measured, per workload:
//
// - bmf: the Bencher Metric Format (https://bencher.dev/docs/reference/bencher-metric-format):
//   {"<suite>/<workload>": {"<counter>": {"value": median, "lower_value": min, "upper_value":
//   max}}}, over the valid repetitions. The counter's name is the measure (e.g.
//   samples_per_second); BMF carries no direction, so a Bencher threshold on a higher-is-better
//   measure takes a lower boundary and on a lower-is-better one an upper boundary (the README
//   lists which is which, as `feedbench metrics` does).
// - gab: github-action-benchmark's custom tools: customBiggerIsBetter and customSmallerIsBetter,
//   each a JSON array of {"name": "<suite>/<workload> <counter>", "unit", "value": median,
//   "range": "± half the min-max range", "extra": "N repetitions, min X, max Y"}; one file per
//   direction, as that action reads one tool's file per step.
//
// Pure functions over the results model; thread-safe.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/results_reader.h"

namespace feedbench {

enum class ExportKind { kBmf, kGab };

// One --export KIND:FILE.
struct ExportRequest {
  ExportKind kind = ExportKind::kBmf;
  std::filesystem::path path;  // gab: the customBiggerIsBetter file (see GabPaths)
};

// Parses "bmf:FILE" or "gab:FILE". Throws UsageError naming --export: no ':' , an unknown kind
// (listing bmf and gab), an empty FILE.
ExportRequest ParseExportFlag(std::string_view value);

// gab:FILE writes two files: FILE for customBiggerIsBetter and, beside it, FILE's stem +
// ".smaller" + its extension for customSmallerIsBetter ("perf.json" → "perf.json" and
// "perf.smaller.json").
struct GabPaths {
  std::filesystem::path bigger;
  std::filesystem::path smaller;
};
GabPaths GabPathsFor(const std::filesystem::path& path);

// The BMF document of `results` (see the top).
nlohmann::ordered_json BencherMetricFormat(const ResultsFile& results);

// The two github-action-benchmark arrays of `results`.
struct GabDocuments {
  nlohmann::ordered_json bigger_is_better = nlohmann::ordered_json::array();
  nlohmann::ordered_json smaller_is_better = nlohmann::ordered_json::array();
};
GabDocuments GithubActionBenchmark(const ResultsFile& results);

}  // namespace feedbench
