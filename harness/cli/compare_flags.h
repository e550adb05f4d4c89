// The regression gate's command-line flags, shared by `compare`, `run --compare` and `qualify`.
//
// AddCompareFlags registers --tolerance-throughput, --tolerance-await, --alpha, --metrics,
// --reference-runs, --allow-inconclusive, --json, --markdown, --junit and --ignore-fingerprint on a
// subcommand; ToCompareOptions parses and
// validates them (UsageError naming the flag) and checks the report destinations before any work;
// WriteCompareReports writes the requested reports atomically.
//
// `filter` (the workloads judged) is not registered by AddCompareFlags, since `run` and `qualify`
// already have a --filter for the workloads they run: `compare` registers it itself.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "harness/gate/compare.h"
#include "harness/report/qualify_report.h"

namespace feedbench {

struct CompareFlags {
  std::string tolerance_throughput = "5";
  std::string tolerance_await = "10";
  std::string alpha = "0.01";
  std::string metrics;
  std::string reference_runs = "5";  // K, a whole number ≥ 1
  bool allow_inconclusive = false;
  std::string json_out;
  std::string markdown_out;
  std::string junit_out;
  bool ignore_fingerprint = false;
  std::string filter;  // ECMAScript regex over workload names; empty: every workload
};

void AddCompareFlags(CLI::App& sub, CompareFlags& flags);

CompareOptions ToCompareOptions(const CompareFlags& flags);

// Where the gate runs only with a baseline (`run --compare`, `qualify --reference`): throws
// UsageError naming the first of AddCompareFlags' flags given on `sub` and `needs` (the missing
// flag) when `has_baseline` is false, so a flag that would be ignored is refused instead.
void RequireBaselineForCompareFlags(const CLI::App& sub, bool has_baseline, std::string_view needs);

// `qualification`, when given (qualify --reference), is written into the JSON beside the
// comparison, as "feedbench_qualify" (QualifyReportToJson).
void WriteCompareReports(const CompareFlags& flags, const CompareReport& report,
                         const QualifyReport* qualification = nullptr);

}  // namespace feedbench
