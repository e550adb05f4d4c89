// Terminal rendering of a CompareReport, and the cell formatting the text reporters share.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "harness/base/units.h"
#include "harness/report/compare_report.h"

namespace feedbench {

CompareCells FormatCells(const MetricComparison& row) {
  CompareCells cells{"-", "-", "-", "-", "-"};
  const MetricInfo* metric = FindMetric(row.metric);
  auto value = [&](const std::optional<double>& v) {
    if (!v) return std::string("-");
    return metric ? FormatMetricValue(*metric, *v) : fmt::format("{}", *v);
  };
  cells.baseline = value(row.baseline_median);
  cells.current = value(row.current_median);
  if (IsJudged(row.verdict)) {
    cells.change = FormatPercent(row.change, true);
    cells.threshold = FormatPercent(row.threshold, false);
    if (row.p_value) {
      cells.p = *row.p_value < 0.001 ? fmt::format("{:.1e}", *row.p_value)
                                     : fmt::format("{:.3f}", *row.p_value);
    }
  }
  return cells;
}

std::string VerdictCounts(const CompareReport& report) {
  std::string counts;
  for (Verdict v : {Verdict::kRegressed, Verdict::kInvalid, Verdict::kMissing, Verdict::kUncertain,
                    Verdict::kNoisy, Verdict::kImproved, Verdict::kUnchanged, Verdict::kNew,
                    Verdict::kSkipped}) {
    if (const std::size_t n = report.Count(v); n > 0) {
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, VerdictName(v));
    }
  }
  return counts;
}

std::string JudgedLine(const CompareReport& report) {
  std::string line = fmt::format("judged {} of {} rows", report.JudgedRows(), report.GatedRows());
  if (const std::size_t fresh = report.Count(Verdict::kNew); fresh > 0) {
    line += fmt::format("; {} NEW row{} not gated", fresh, fresh == 1 ? " is" : "s are");
  }
  const auto reported = static_cast<std::size_t>(
      std::count_if(report.rows.begin(), report.rows.end(), [](const MetricComparison& r) {
        return !r.gated && r.verdict != Verdict::kNew && r.verdict != Verdict::kRegressed;
      }));
  if (reported > 0) {
    line += fmt::format("; {} probe row{} reported, not gated", reported,
                        reported == 1 ? " is" : "s are");
  }
  const auto through = static_cast<std::size_t>(
      std::count_if(report.rows.begin(), report.rows.end(),
                    [](const MetricComparison& r) { return !r.judged_through.empty(); }));
  if (through > 0) line += fmt::format(", {} judged through the probe", through);
  return line;
}

std::string OutcomeLine(const CompareReport& report) {
  const GateOutcome outcome = report.Outcome();
  std::string head(GateOutcomeName(outcome));
  if (outcome == GateOutcome::kInconclusive && report.options.allow_inconclusive) {
    head += " (allowed by --allow-inconclusive)";
  }
  return fmt::format("{}: {}; {} (exit {})", head, JudgedLine(report), VerdictCounts(report),
                     report.ExitCode());
}

std::string ReferenceLine(const CompareReport& report) {
  if (report.reference_runs.empty()) return "";
  std::string runs;
  for (const ReferenceRun& r : report.reference_runs) {
    runs += fmt::format("{}#{} {} {}", runs.empty() ? "" : ", ", r.number, r.date, r.source);
  }
  return fmt::format(
      "reference: median of the last {} of {} baseline runs (--reference-runs {}): {}",
      report.reference_runs.size(), report.baseline_run_count, report.options.reference_runs, runs);
}

bool NeedsExplanation(const MetricComparison& row) {
  if (row.verdict == Verdict::kSkipped) return false;
  if (!row.judged_through.empty() || !row.gated) return true;
  return row.verdict != Verdict::kUnchanged || !row.inconclusive_reason.empty();
}

std::string ExcludedWorkloadsLine(const CompareReport& report) {
  if (report.excluded_workloads.empty()) return "";
  std::string names;
  for (const std::string& w : report.excluded_workloads) names += (names.empty() ? "" : ", ") + w;
  const CompareOptions& o = report.options;
  const std::string by = o.workload_filter ? fmt::format("--filter '{}'", *o.workload_filter)
                                           : std::string("the workload selection");
  return fmt::format("not judged, left out on purpose by {}: {}", by, names);
}

std::string RenderCompareTable(const CompareReport& report) {
  std::vector<std::array<std::string, 8>> lines;
  lines.push_back(
      {"workload", "metric", "baseline", "current", "change", "threshold", "p", "verdict"});
  for (const MetricComparison& row : report.rows) {
    const CompareCells c = FormatCells(row);
    lines.push_back({row.workload, row.metric, c.baseline, c.current, c.change, c.threshold, c.p,
                     std::string(VerdictName(row.verdict))});
  }
  std::array<std::size_t, 8> width{};
  for (const auto& line : lines) {
    for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  std::string out = fmt::format("compare {} (baseline) with {} (suite {})\n",
                                report.baseline_source, report.results_source, report.suite);
  if (const std::string reference = ReferenceLine(report); !reference.empty()) {
    out += reference + "\n";
  }
  for (const auto& line : lines) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      // Text columns left-aligned, figures right-aligned.
      const bool left = i < 2 || i == 7;
      text += left ? fmt::format("{:<{}}", line[i], width[i])
                   : fmt::format("{:>{}}", line[i], width[i]);
      if (i + 1 < line.size()) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  if (!report.fingerprint_differences.empty()) {
    out += report.fingerprint_ignored
               ? "\nfingerprint differs from the baseline's (ignored with --ignore-fingerprint):\n"
               : "\nfingerprint differs from the baseline's; nothing was compared:\n";
    for (const std::string& d : report.fingerprint_differences) out += "  " + d + "\n";
  }
  bool header = false;
  for (const MetricComparison& row : report.rows) {
    if (!NeedsExplanation(row)) continue;
    if (!header) {
      out += "\n";
      header = true;
    }
    out += fmt::format("{} {} {}: {}\n", VerdictName(row.verdict), row.workload, row.metric,
                       row.message);
  }
  if (const std::string excluded = ExcludedWorkloadsLine(report); !excluded.empty()) {
    out += "\n" + excluded + "\n";
  }
  out += "\n" + OutcomeLine(report) + "\n";
  return out;
}

}  // namespace feedbench
