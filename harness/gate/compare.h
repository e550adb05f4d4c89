// The regression gate: judges a results file against a baseline, per workload and gated counter.
//
// The rule (JudgeMetric), for one workload and metric:
// - r = median(current) ÷ median(baseline's latest run), oriented so that r > 1 is worse: for a
//   lower-is-better counter (await, latency) r = current ÷ baseline; for a higher-is-better one
//   (throughput) r = baseline ÷ current, the ratio of time per sample — so a 5% tolerance means
//   "5% longer to deliver the same data". When both medians are 0, r = 1; when only the divisor
//   is 0, r = +inf (or 0 when the change is for the better).
// - σ (noise) = the larger of the within-run robust spread (1.4826·MAD ÷ median of the baseline's
//   latest run and of the current run, the larger of the two) and the run-to-run spread (the same
//   robust spread of the per-run medians across the baseline history; 0 with one run).
// - T (threshold) = max(tolerance, 3σ); tolerance is --tolerance-throughput (default 5%) or
//   --tolerance-await (default 10%) by the metric's ToleranceClass.
// - p_worse / p_better = one-sided Mann–Whitney U p-values (harness/statistics.h) of the current
//   repetitions against the latest baseline run's, towards worse and towards better.
// - REGRESSED when r > 1 + T and p_worse < alpha (default 0.01). IMPROVED when r < 1 ÷ (1 + T)
//   and p_better < alpha (the same factor the other way). UNCERTAIN when only one of the two
//   conditions holds in either direction: the message says how many repetitions per side would
//   settle it (stats::RepetitionsToSettle with the superiority seen), or, when the shift is
//   significant but inside T, that it is a real change smaller than the threshold. UNCHANGED when
//   neither holds.
// - NOISY when the baseline's own noise σ_b = max(within-run spread of its latest run, run-to-run
//   spread) is too wide to gate at the asked tolerance: 3·σ_b > 2 × tolerance, i.e. the threshold
//   would be more than twice what was asked. NOISY replaces every verdict but REGRESSED: a change
//   beyond 3σ that the rank test confirms is reported as a regression even on a noisy baseline.
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
//   and produces no row.
//
// Exit code (CompareReport::ExitCode): 3 when SKIPPED for a fingerprint mismatch (the environment
// is not the one the baseline describes: re-record or pass --ignore-fingerprint); otherwise 1
// when any row fails the gate (FailsGate: REGRESSED, INVALID or MISSING), so that a gate does
// not pass because a workload failed, was cache-contaminated, or vanished from the results
// without being left out on purpose; otherwise 0. NOISY, UNCERTAIN and NEW rows do not fail the
// gate: they pass with their reason in the report. Bad input never reaches a report: it is a
// UsageError (exit 2).
//
// Calling it from the runner (`feedbench run --compare BASELINE [--confirm]`):
//   const Baseline baseline = ReadBaselineFile(path);  // UsageError on bad input
//   const ResultsFile results = ReadResultsFile(out_path);  // or ParseResults(json, out_path)
//   opts.workload_filter = request.filter;  // what the run left out on purpose is not MISSING
//   opts.workloads = request.only;
//   CompareReport report = CompareResults(baseline, results, opts);
//   if (confirm && !report.RegressedWorkloads().empty()) {
//     // rerun only report.RegressedWorkloads(), read that rerun as a ResultsFile `rerun`, then
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
#include "harness/results/metrics.h"
#include "harness/results/results_reader.h"

namespace feedbench {

enum class Verdict {
  kRegressed,
  kImproved,
  kUnchanged,
  kUncertain,
  kNoisy,
  kInvalid,
  kMissing,
  kNew,
  kSkipped,
};

// "REGRESSED", "IMPROVED", "UNCHANGED", "UNCERTAIN", "NOISY", "INVALID", "MISSING", "NEW",
// "SKIPPED".
std::string_view VerdictName(Verdict verdict);

// True for the verdicts the threshold rule produces (REGRESSED, IMPROVED, UNCHANGED, UNCERTAIN,
// NOISY): their ratio, threshold, noise and p-values are meaningful.
bool IsJudged(Verdict verdict);

// True for the verdicts that fail the gate (exit 1): REGRESSED, INVALID and MISSING.
bool FailsGate(Verdict verdict);

struct CompareOptions {
  double tolerance_throughput = 0.05;  // fraction: 0.05 = 5%
  double tolerance_await = 0.10;       // fraction
  double alpha = 0.01;                 // significance level of the one-sided rank test
  std::vector<std::string> metrics = DefaultGatedMetrics();
  bool ignore_fingerprint = false;
  // The workloads judged, on both sides; every workload when both are empty. As `run` selects
  // them: an ECMAScript regex searched in the name (--filter), and exact names.
  std::optional<std::string> workload_filter;
  std::vector<std::string> workloads;

  double ToleranceFor(const MetricInfo& metric) const;
};

// Throws UsageError naming the flag: a tolerance outside (0, 1) (i.e. not strictly between 0% and
// 100%), alpha outside (0, 1), an empty or unknown metric name (listing the known ones), a
// workload_filter that is not a valid regular expression.
void ValidateOptions(const CompareOptions& options);

// The samples one judgement needs. All values in the metric's own unit.
struct MetricSamples {
  std::vector<std::vector<double>> baseline_runs;  // per-repetition values per run, oldest first
  std::vector<double> current;                     // per-repetition values of the current run
};

struct MetricComparison {
  std::string workload;
  std::string metric;
  Verdict verdict = Verdict::kUnchanged;
  std::optional<double> baseline_median;  // of the baseline's latest run
  std::optional<double> current_median;
  std::size_t baseline_repetitions = 0;  // in the latest run
  std::size_t current_repetitions = 0;
  std::size_t baseline_runs = 0;  // in the history
  double ratio = 1;               // r, oriented: > 1 is worse
  double change = 0;     // current ÷ baseline − 1, signed, not oriented (−0.25 = 25% lower)
  double tolerance = 0;  // fraction asked
  double threshold = 0;  // T, fraction
  double within_run_spread = 0;   // fraction
  double run_to_run_spread = 0;   // fraction
  double noise = 0;               // σ = max of the two, fraction
  double baseline_noise = 0;      // σ_b, what NOISY is judged on
  std::optional<double> p_worse;  // one-sided rank test towards worse
  std::optional<double> p_better;
  std::optional<double> p_value;  // the one in the direction of the change: p_worse when r ≥ 1
  std::optional<std::size_t> repetitions_to_settle;  // per side, for UNCERTAIN
  std::string message;                               // one sentence for humans: why this verdict
};

// Applies the rule above to one workload × metric. REQUIRES: samples.current and the latest
// baseline run non-empty. The returned workload/metric names are empty (the caller sets them).
MetricComparison JudgeMetric(const MetricSamples& samples, const MetricInfo& metric,
                             double tolerance, double alpha);

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

  bool SkippedForFingerprint() const {
    return !fingerprint_differences.empty() && !fingerprint_ignored;
  }
  std::size_t Count(Verdict verdict) const;
  // Workloads with at least one REGRESSED row, in report order, each once: what a runner with
  // --confirm reruns.
  std::vector<std::string> RegressedWorkloads() const;
  // 0, 1 or 3 as documented above.
  int ExitCode() const;
};

// Compares parsed results with a baseline. Throws UsageError (naming both files) when they are
// of another suite or dataset hash, the options are invalid, the workload selection matches no
// workload of either, or no gated metric appears in either.
CompareReport CompareResults(const Baseline& baseline, const ResultsFile& results,
                             const CompareOptions& options);

// Convenience for the runner: `results` is the Google Benchmark JSON document it just wrote
// (named `results_source` in messages).
CompareReport CompareFiles(const Baseline& baseline, const nlohmann::json& results,
                           std::string_view results_source, const CompareOptions& options);

}  // namespace feedbench
