// The regression gate: judges a results file against a baseline, per workload and gated counter.
//
// Each row is judged by the rule of judge.h (JudgeMetric, against the pooled reference of the
// baseline's last K runs); this file applies it to a whole comparison.
//
// Per workload (CompareResults):
// - Which workloads are judged: all, or those CompareOptions selects (workload_filter, workloads:
//   the same selection `run --filter` makes). A workload left out on purpose, on either side, has
//   no row and is listed in CompareReport::excluded_workloads; everything else below applies to
//   the selected workloads only.
// - INVALID when the current run has failed or cache-contaminated repetitions (they are never
//   compared as if valid); MISSING when the baseline's latest run has a workload (or a gated
//   counter of a workload) the results lack; NEW for the reverse; SKIPPED for everything when the
//   machine or device fingerprint differs from the baseline's, with the differences listed,
//   unless ignore_fingerprint is set. A gated counter absent from both sides is not applicable
//   and produces no row. NEW rows are not gated: they count neither as judged nor as unjudged.
//
// Outcome and exit code (CompareReport::Outcome, ExitCode), in this order:
// - NOT COMPARED, exit 3, when SKIPPED for a fingerprint mismatch (the environment is not the one
//   the baseline describes: re-record or pass --ignore-fingerprint);
// - FAIL, exit 1, when any row fails the gate (FailsGate: REGRESSED, INVALID or MISSING), so that
//   a gate does not pass because a workload failed, was cache-contaminated, or vanished from the
//   results without being left out on purpose;
// - INCONCLUSIVE, exit 4, when a gated row was not judged, or no row was: a gate that could not
//   judge does not pass. With allow_inconclusive (--allow-inconclusive) the outcome stays
//   INCONCLUSIVE but the exit code is 0;
// - PASS, exit 0, otherwise: every gated row judged, none failing.
// Bad input never reaches a report: it is a UsageError (exit 2).
//
// Calling it after a run (`feedbench run --compare BASELINE [--confirm]`):
//   const Baseline baseline = ReadBaselineFile(path);  // UsageError on bad input, before the run
//   const ResultsFile& results = recorded.model;  // the run's results model, in memory
//   opts.workload_filter = request.filter;  // what the run left out on purpose is not MISSING
//   opts.workloads = request.only;
//   CompareReport report = CompareResults(baseline, results, opts);
//   if (confirm && !report.RegressedWorkloads().empty()) {
//     // rerun only report.RegressedWorkloads(), take that rerun's model as `rerun`, then
//     report = CompareResults(baseline, WithWorkloadsReplaced(results, rerun), opts);
//   }
//   print RenderCompareTable(report); return report.ExitCode();  // 1 only if it reproduced
// Everything here is pure (no IO) and thread-safe; reporters are in
// harness/report/compare_report.h.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/gate/baseline.h"
#include "harness/gate/judge.h"
#include "harness/results/metrics.h"
#include "harness/results/results_reader.h"

namespace feedbench {

// A baseline run that formed the reference of at least one row.
struct ReferenceRun {
  std::size_t number = 0;  // 1.. in the baseline, oldest first
  std::string date;
  std::string source;
};

struct CompareReport {
  std::string baseline_source;  // paths as given, for display
  std::string results_source;
  std::string suite;
  std::string dataset_hash;
  CompareOptions options;
  std::vector<std::string> fingerprint_differences;  // empty when they match
  bool fingerprint_ignored = false;                  // differences present but ignored
  std::vector<MetricComparison> rows;  // current results' workload order, then MISSING ones
  // Workloads of the baseline's latest run or of the results that the options leave out on
  // purpose (no rows), baseline's first, each once.
  std::vector<std::string> excluded_workloads;
  // Every baseline run some row's reference was formed of, oldest first; baseline_run_count is
  // how many runs the baseline holds.
  std::vector<ReferenceRun> reference_runs;
  std::size_t baseline_run_count = 0;

  bool SkippedForFingerprint() const {
    return !fingerprint_differences.empty() && !fingerprint_ignored;
  }
  std::size_t Count(Verdict verdict) const;
  // Workloads with at least one REGRESSED row, in report order, each once: what a runner with
  // --confirm reruns.
  std::vector<std::string> RegressedWorkloads() const;
  // Rows that are gated (every verdict but NEW), and those of them judged (IsDecided).
  std::size_t GatedRows() const;
  std::size_t JudgedRows() const;
  GateOutcome Outcome() const;
  // 0, 1, 3 or 4 as documented above.
  int ExitCode() const;
};

// Compares parsed results with a baseline. Throws UsageError (naming both files) when they are
// of another suite or dataset hash, the options are invalid, the workload selection matches no
// workload of either, or no gated metric appears in either.
CompareReport CompareResults(const Baseline& baseline, const ResultsFile& results,
                             const CompareOptions& options);

// The same for a results document (Google Benchmark JSON), named `results_source` in messages.
CompareReport CompareFiles(const Baseline& baseline, const nlohmann::json& results,
                           std::string_view results_source, const CompareOptions& options);

}  // namespace feedbench
