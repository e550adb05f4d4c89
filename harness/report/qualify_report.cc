#include "harness/report/qualify_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/base/errors.h"
#include "harness/report/compare_report.h"
#include "harness/results/metrics.h"

namespace feedbench {
namespace {

std::string MetricVerdict(Verdict v) {
  switch (v) {
    case Verdict::kRegressed:
      return "below";
    case Verdict::kImproved:
      return "above";
    case Verdict::kUnchanged:
    case Verdict::kUncertain:
    case Verdict::kNoisy:
      return "meets";
    case Verdict::kInvalid:
      return "invalid";
    case Verdict::kMissing:
      return "not run";
    case Verdict::kNew:
      return "no reference";
    case Verdict::kSkipped:
      return "skipped";
  }
  return "?";
}

std::string Value(const std::string& metric, const std::optional<double>& v) {
  if (!v) return "-";
  const MetricInfo* info = FindMetric(metric);
  return info != nullptr ? FormatMetricValue(*info, *v) : fmt::format("{:.4g}", *v);
}

}  // namespace

std::vector<std::string> QualifyMetrics() {
  return {"samples_per_second", "bytes_per_second", "iops", "r_await_ms", "lat_p99_us"};
}

int QualifyReport::ExitCode() const {
  for (const auto& w : workloads) {
    if (w.verdict == "below reference" || w.verdict == "invalid") return kExitFailed;
  }
  if (inconclusive && !allow_inconclusive) return kExitInconclusive;
  return kExitOk;
}

QualifyReport BuildQualifyReport(const CompareReport& report) {
  QualifyReport out;
  out.fingerprint_differences = report.fingerprint_differences;
  out.judged = JudgedLine(report);
  out.inconclusive = report.Outcome() == GateOutcome::kInconclusive;
  out.allow_inconclusive = report.options.allow_inconclusive;
  for (const MetricComparison& c : report.rows) {
    QualifyRow row;
    row.workload = c.workload;
    row.metric = c.metric;
    row.reference = c.baseline_median;
    row.candidate = c.current_median;
    if (c.baseline_median && c.current_median && *c.baseline_median != 0) {
      row.ratio = *c.current_median / *c.baseline_median;
    }
    row.verdict = MetricVerdict(c.verdict);
    row.message = c.message;
    row.inconclusive_reason = c.inconclusive_reason;
    out.rows.push_back(row);

    auto it = std::find_if(out.workloads.begin(), out.workloads.end(),
                           [&](const QualifyWorkload& w) { return w.workload == c.workload; });
    if (it == out.workloads.end()) {
      out.workloads.push_back({c.workload, ""});
      it = out.workloads.end() - 1;
    }
    // The worst metric decides: invalid > below > not run / no reference > above/meets.
    auto rank = [](const std::string& v) {
      if (v == "invalid") return 5;
      if (v == "below reference") return 4;
      if (v == "not run" || v == "no reference" || v == "skipped") return 3;
      if (v == "meets reference") return 1;
      return 0;
    };
    std::string workload_verdict = row.verdict == "below" ? "below reference"
                                   : row.verdict == "meets" || row.verdict == "above"
                                       ? "meets reference"
                                       : row.verdict;
    if (rank(workload_verdict) > rank(it->verdict)) it->verdict = workload_verdict;
  }
  return out;
}

std::string RenderQualifyReport(const QualifyReport& report) {
  size_t name_width = 8;
  for (const auto& r : report.rows) name_width = std::max(name_width, r.workload.size());
  constexpr std::string_view kRow = "{:<{}}  {:<18}  {:>16}  {:>16}  {:>7}  {}\n";
  std::string out = fmt::format(kRow, "workload", name_width, "metric", "reference", "candidate",
                                "ratio", "verdict");
  for (const auto& r : report.rows) {
    out += fmt::format(kRow, r.workload, name_width, r.metric, Value(r.metric, r.reference),
                       Value(r.metric, r.candidate),
                       r.ratio ? fmt::format("{:.3f}", *r.ratio) : std::string("-"), r.verdict);
  }
  out += "\nper workload:\n";
  for (const auto& w : report.workloads) {
    out += fmt::format("  {:<{}}  {}\n", w.workload, name_width, w.verdict);
  }
  for (const auto& r : report.rows) {
    if (r.verdict == "below")
      out += fmt::format("\nbelow: {} {}: {}", r.workload, r.metric, r.message);
  }
  if (!report.fingerprint_differences.empty()) {
    out += "\n\nhow the candidate differs from the reference (not gating):\n";
    for (const auto& d : report.fingerprint_differences) out += "  " + d + "\n";
  }
  bool header = false;
  for (const auto& r : report.rows) {
    if (r.inconclusive_reason.empty()) continue;
    out += fmt::format("{}not judged: {} {}: {}\n", header ? "" : "\n", r.workload, r.metric,
                       r.inconclusive_reason);
    header = true;
  }
  const int code = report.ExitCode();
  std::string verdict;
  if (QualifyOutcome(report) == "NOT QUALIFIED") {
    verdict = "NOT QUALIFIED: a workload is below the reference or invalid";
  } else if (report.inconclusive) {
    verdict = fmt::format(
        "INCONCLUSIVE{}: {}; the rows above could not be judged, so no workload is shown below "
        "the reference but none is shown to meet it",
        report.allow_inconclusive ? " (allowed by --allow-inconclusive)" : "", report.judged);
  } else {
    verdict = fmt::format("QUALIFIED: every workload meets the reference ({})", report.judged);
  }
  out += fmt::format("\n{} (exit {})\n", verdict, code);
  return out;
}

std::string QualifyOutcome(const QualifyReport& report) {
  if (report.ExitCode() == kExitFailed) return "NOT QUALIFIED";
  return report.inconclusive ? "INCONCLUSIVE" : "QUALIFIED";
}

nlohmann::json QualifyReportToJson(const QualifyReport& report) {
  using nlohmann::json;
  auto number = [](const std::optional<double>& v) { return v ? json(*v) : json(); };
  json workloads = json::array(), rows = json::array();
  for (const QualifyWorkload& w : report.workloads) {
    workloads.push_back({{"workload", w.workload}, {"verdict", w.verdict}});
  }
  for (const QualifyRow& r : report.rows) {
    rows.push_back({{"workload", r.workload},
                    {"metric", r.metric},
                    {"reference", number(r.reference)},
                    {"candidate", number(r.candidate)},
                    {"ratio", number(r.ratio)},
                    {"verdict", r.verdict},
                    {"message", r.message},
                    {"inconclusive_reason", r.inconclusive_reason}});
  }
  return json{{"schema_version", 1},
              {"outcome", QualifyOutcome(report)},
              {"exit_code", report.ExitCode()},
              {"judged", report.judged},
              {"workloads", workloads},
              {"rows", rows},
              {"fingerprint_differences", report.fingerprint_differences}};
}

}  // namespace feedbench
