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
#include <fmt/format.h>

#include <cmath>

#include "harness/base/errors.h"
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

namespace {

Verdict VerdictNamed(const std::string& name) {
  for (Verdict v :
       {Verdict::kRegressed, Verdict::kImproved, Verdict::kUnchanged, Verdict::kUncertain,
        Verdict::kNoisy, Verdict::kInvalid, Verdict::kMissing, Verdict::kNew, Verdict::kSkipped}) {
    if (VerdictName(v) == name) return v;
  }
  throw json::type_error::create(302, "unknown verdict \"" + name + "\"", nullptr);
}

std::optional<double> OptionalNumber(const json& row, const char* key) {
  const json& v = row.at(key);
  if (v.is_null()) return std::nullopt;
  return v.get<double>();
}

// A percentage written by Percent() back to a fraction; 0 where it was null (not judged).
double Fraction(const json& row, const char* key) {
  const std::optional<double> percent = OptionalNumber(row, key);
  return percent ? *percent / 100 : 0;
}

std::string OptionalText(const json& row, const char* key) {
  const json& v = row.at(key);
  return v.is_null() ? std::string() : v.get<std::string>();
}

MetricComparison RowFromJson(const json& r) {
  MetricComparison row;
  row.workload = r.at("workload").get<std::string>();
  row.metric = r.at("metric").get<std::string>();
  row.verdict = VerdictNamed(r.at("verdict").get<std::string>());
  row.gated = r.at("gated").get<bool>();
  row.judged_through = OptionalText(r, "judged_through");
  row.message = r.at("message").get<std::string>();
  row.inconclusive_reason = OptionalText(r, "inconclusive_reason");
  row.reference_runs = r.at("reference_runs").get<std::vector<std::size_t>>();
  row.baseline_median = OptionalNumber(r, "baseline_median");
  row.current_median = OptionalNumber(r, "current_median");
  row.baseline_repetitions = r.at("baseline_repetitions").get<std::size_t>();
  row.current_repetitions = r.at("current_repetitions").get<std::size_t>();
  row.baseline_runs = r.at("baseline_runs").get<std::size_t>();
  row.ratio = OptionalNumber(r, "ratio").value_or(1);
  row.change = Fraction(r, "change_percent");
  row.tolerance = Fraction(r, "tolerance_percent");
  row.threshold = Fraction(r, "threshold_percent");
  row.noise = Fraction(r, "noise_percent");
  row.within_run_spread = Fraction(r, "within_run_spread_percent");
  row.run_to_run_spread = Fraction(r, "run_to_run_spread_percent");
  row.baseline_noise = Fraction(r, "baseline_noise_percent");
  row.p_worse = OptionalNumber(r, "p_worse");
  row.p_better = OptionalNumber(r, "p_better");
  row.p_value = row.ratio >= 1 ? row.p_worse : row.p_better;
  if (const std::optional<double> n = OptionalNumber(r, "repetitions_to_settle")) {
    row.repetitions_to_settle = static_cast<std::size_t>(*n);
  }
  return row;
}

}  // namespace

CompareReport CompareReportFromJson(const json& document, std::string_view source) {
  std::string where = "feedbench_compare";
  try {
    const json& c = document.at("feedbench_compare");
    if (c.at("schema_version").get<int>() != 2) {
      throw UsageError(fmt::format("{}: feedbench_compare.schema_version {}: expected 2", source,
                                   c.at("schema_version").dump()));
    }
    CompareReport report;
    report.baseline_source = c.at("baseline").get<std::string>();
    report.results_source = c.at("results").get<std::string>();
    report.suite = c.at("suite").get<std::string>();
    report.dataset_hash = c.at("dataset_hash").get<std::string>();
    const json& o = c.at("options");
    CompareOptions& options = report.options;
    options.tolerance_throughput = o.at("tolerance_throughput_percent").get<double>() / 100;
    options.tolerance_await = o.at("tolerance_await_percent").get<double>() / 100;
    options.alpha = o.at("alpha").get<double>();
    options.looks = o.at("looks").get<std::size_t>();
    options.metrics = o.at("metrics").get<std::vector<std::string>>();
    options.ignore_fingerprint = o.at("ignore_fingerprint").get<bool>();
    if (!o.at("workload_filter").is_null()) {
      options.workload_filter = o.at("workload_filter").get<std::string>();
    }
    options.workloads = o.at("workloads").get<std::vector<std::string>>();
    options.reference_runs = o.at("reference_runs").get<std::size_t>();
    options.allow_inconclusive = o.at("allow_inconclusive").get<bool>();
    report.fingerprint_differences =
        c.at("fingerprint").at("differences").get<std::vector<std::string>>();
    report.fingerprint_ignored = c.at("fingerprint").at("ignored").get<bool>();
    report.baseline_run_count = c.at("reference").at("baseline_runs").get<std::size_t>();
    for (const json& run : c.at("reference").at("runs")) {
      report.reference_runs.push_back({.number = run.at("number").get<std::size_t>(),
                                       .date = run.at("date").get<std::string>(),
                                       .source = run.at("source").get<std::string>()});
    }
    report.excluded_workloads = c.at("excluded_workloads").get<std::vector<std::string>>();
    const json& rows = c.at("comparisons");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      where = fmt::format("feedbench_compare.comparisons[{}]", i);
      report.rows.push_back(RowFromJson(rows.at(i)));
    }
    return report;
  } catch (const json::exception& e) {
    throw UsageError(fmt::format("{}: {}: {}; expected a comparison as `feedbench compare --json` "
                                 "writes it (schema_version 2)",
                                 source, where, e.what()));
  }
}

}  // namespace feedbench
