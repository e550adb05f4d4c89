// JSON rendering of a CompareReport. Schema (schema_version 2; 1 had no "outcome", judged counts,
// "reference" or per-row "judged", "inconclusive_reason", "reference_runs", and its
// "baseline_median" was the latest run's):
// {"feedbench_compare": {"schema_version", "baseline", "results", "suite", "dataset_hash",
//   "options": {"tolerance_throughput_percent", "tolerance_await_percent", "alpha", "looks",
//               "alpha_per_look" (alpha ÷ looks, what each look's rank test used), "metrics",
//               "ignore_fingerprint", "workload_filter" (null when none), "workloads",
//               "reference_runs" (K asked), "allow_inconclusive"},
//   "fingerprint": {"differences": [..], "ignored": bool},
//   "outcome" ("PASS", "FAIL", "INCONCLUSIVE", "NOT COMPARED"), "exit_code",
//   "judged_rows", "gated_rows" (every row but NEW ones and probe rows reported, not gated),
//   "reference": {"runs_asked", "baseline_runs" (how many the baseline holds),
//                 "runs": [{"number" (1.. oldest first), "date", "source"}] (those that formed
//                 some row's reference)},
//   "counts": {"REGRESSED": n, ...}, "regressed_workloads": [..],
//   "excluded_workloads": [..] (left out on purpose by the options: no comparisons),
//   "comparisons": [{"workload", "metric", "orientation", "verdict",
//     "fails_gate" (REGRESSED, INVALID, MISSING: the rows that make exit_code 1), "gated" (false
//     for a probe row reported, not gated), "judged_through" (the probe row that decided this
//     one, null when it was decided alone or not at all), "message",
//     "judged" (IsDecided), "inconclusive_reason" (null when judged or not gated),
//     "reference_runs" ([numbers of the baseline runs that formed the reference]),
//     "baseline_median" (the reference: median of its runs' medians), "current_median"
//     (metric's unit, null when absent),
//     "baseline_repetitions", "current_repetitions", "baseline_runs",
//     "ratio" (oriented r, > 1 is worse), "change_percent" (current ÷ baseline − 1),
//     "tolerance_percent", "threshold_percent", "noise_percent", "within_run_spread_percent",
//     "run_to_run_spread_percent", "baseline_noise_percent", "p_worse", "p_better",
//     "repetitions_to_settle"}]}}
// Fields that do not apply to a verdict (MISSING has no current median) are null; so are
// infinities, which JSON cannot carry.
#include <cmath>

#include "harness/report/compare_report.h"

namespace feedbench {
namespace {

using nlohmann::json;

json Number(double v) { return std::isfinite(v) ? json(v) : json(); }
json Number(const std::optional<double>& v) { return v ? Number(*v) : json(); }
json Percent(double fraction) { return Number(fraction * 100); }

}  // namespace

json CompareReportToJson(const CompareReport& report) {
  json rows = json::array();
  for (const MetricComparison& r : report.rows) {
    const MetricInfo* metric = FindMetric(r.metric);
    const bool judged = IsJudged(r.verdict);
    json row = {
        {"workload", r.workload},
        {"metric", r.metric},
        {"orientation", metric ? json(OrientationName(metric->orientation)) : json()},
        {"verdict", VerdictName(r.verdict)},
        {"fails_gate", FailsGate(r.verdict) && (r.gated || r.verdict == Verdict::kRegressed)},
        {"gated", r.gated || r.verdict == Verdict::kRegressed},
        {"judged_through", r.judged_through.empty() ? json() : json(r.judged_through)},
        {"message", r.message},
        {"judged", IsDecided(r)},
        {"inconclusive_reason",
         r.inconclusive_reason.empty() ? json() : json(r.inconclusive_reason)},
        {"reference_runs", r.reference_runs},
        {"baseline_median", Number(r.baseline_median)},
        {"current_median", Number(r.current_median)},
        {"baseline_repetitions", r.baseline_repetitions},
        {"current_repetitions", r.current_repetitions},
        {"baseline_runs", r.baseline_runs},
        {"ratio", judged ? Number(r.ratio) : json()},
        {"change_percent", judged ? Percent(r.change) : json()},
        {"tolerance_percent", Percent(r.tolerance)},
        {"threshold_percent", Percent(r.threshold)},
        {"noise_percent", judged ? Percent(r.noise) : json()},
        {"within_run_spread_percent", judged ? Percent(r.within_run_spread) : json()},
        {"run_to_run_spread_percent", judged ? Percent(r.run_to_run_spread) : json()},
        {"baseline_noise_percent", judged ? Percent(r.baseline_noise) : json()},
        {"p_worse", Number(r.p_worse)},
        {"p_better", Number(r.p_better)},
        {"repetitions_to_settle",
         r.repetitions_to_settle ? json(*r.repetitions_to_settle) : json()},
    };
    rows.push_back(std::move(row));
  }
  json counts = json::object();
  for (Verdict v :
       {Verdict::kRegressed, Verdict::kImproved, Verdict::kUnchanged, Verdict::kUncertain,
        Verdict::kNoisy, Verdict::kInvalid, Verdict::kMissing, Verdict::kNew, Verdict::kSkipped}) {
    counts[std::string(VerdictName(v))] = report.Count(v);
  }
  json reference_runs = json::array();
  for (const ReferenceRun& run : report.reference_runs) {
    reference_runs.push_back(
        json{{"number", run.number}, {"date", run.date}, {"source", run.source}});
  }
  const CompareOptions& o = report.options;
  return json{{"feedbench_compare",
               {{"schema_version", 2},
                {"baseline", report.baseline_source},
                {"results", report.results_source},
                {"suite", report.suite},
                {"dataset_hash", report.dataset_hash},
                {"options",
                 {{"tolerance_throughput_percent", o.tolerance_throughput * 100},
                  {"tolerance_await_percent", o.tolerance_await * 100},
                  {"alpha", o.alpha},
                  {"looks", o.looks},
                  {"alpha_per_look", o.AlphaPerLook()},
                  {"metrics", o.metrics},
                  {"ignore_fingerprint", o.ignore_fingerprint},
                  {"workload_filter", o.workload_filter ? json(*o.workload_filter) : json()},
                  {"workloads", o.workloads},
                  {"reference_runs", o.reference_runs},
                  {"allow_inconclusive", o.allow_inconclusive}}},
                {"fingerprint",
                 {{"differences", report.fingerprint_differences},
                  {"ignored", report.fingerprint_ignored}}},
                {"outcome", GateOutcomeName(report.Outcome())},
                {"exit_code", report.ExitCode()},
                {"judged_rows", report.JudgedRows()},
                {"gated_rows", report.GatedRows()},
                {"reference",
                 {{"runs_asked", o.reference_runs},
                  {"baseline_runs", report.baseline_run_count},
                  {"runs", reference_runs}}},
                {"counts", counts},
                {"regressed_workloads", report.RegressedWorkloads()},
                {"excluded_workloads", report.excluded_workloads},
                {"comparisons", rows}}}};
}

}  // namespace feedbench
