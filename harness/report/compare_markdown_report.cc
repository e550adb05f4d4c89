// Markdown rendering of a CompareReport, for a CI step summary ($GITHUB_STEP_SUMMARY) or a merge
// request comment.
#include <fmt/format.h>

#include "harness/report/compare_report.h"

namespace feedbench {
namespace {

// A table cell: pipes would end the cell, line breaks the row.
std::string Cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Code(std::string_view text) {
  std::string out(1, '`');
  out += Cell(text);
  out += '`';
  return out;
}

}  // namespace

std::string RenderCompareMarkdown(const CompareReport& report) {
  const GateOutcome outcome = report.Outcome();
  std::string headline(GateOutcomeName(outcome));
  if (outcome == GateOutcome::kNotCompared) headline += " (fingerprint mismatch)";
  if (outcome == GateOutcome::kInconclusive && report.options.allow_inconclusive) {
    headline += " (allowed by `--allow-inconclusive`)";
  }
  std::string out =
      fmt::format("### feedbench compare, suite {}: {}\n\n", Code(report.suite), headline);
  out += fmt::format("{}; {} (exit {})\n\n", Cell(JudgedLine(report)), Cell(VerdictCounts(report)),
                     report.ExitCode());
  const CompareOptions& o = report.options;
  const std::string alpha =
      o.looks > 1 ? fmt::format("alpha {:g} over up to {} looks = {:.2g} per look", o.alpha,
                                o.looks, o.AlphaPerLook())
                  : fmt::format("alpha {:g}", o.alpha);
  out += fmt::format("Baseline {} · results {} · tolerance {:g}% throughput, {:g}% await · {}\n\n",
                     Code(report.baseline_source), Code(report.results_source),
                     o.tolerance_throughput * 100, o.tolerance_await * 100, alpha);
  if (!report.reference_runs.empty()) {
    out += fmt::format(
        "Reference: median of the last {} of {} baseline runs (`--reference-runs {}`):\n\n",
        report.reference_runs.size(), report.baseline_run_count, o.reference_runs);
    for (const ReferenceRun& r : report.reference_runs) {
      out += fmt::format("- #{} {} {}\n", r.number, Cell(r.date), Code(r.source));
    }
    out += "\n";
  }
  if (!report.fingerprint_differences.empty()) {
    out += report.fingerprint_ignored
               ? "**Fingerprint differs from the baseline's** (ignored with "
                 "`--ignore-fingerprint`):\n\n"
               : "**Fingerprint differs from the baseline's; nothing was compared:**\n\n";
    for (const std::string& d : report.fingerprint_differences) out += "- " + Cell(d) + "\n";
    out += "\n";
  }
  out += "| workload | metric | baseline | current | change | threshold | p | verdict |\n";
  out += "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (const MetricComparison& row : report.rows) {
    const CompareCells c = FormatCells(row);
    const std::string verdict(VerdictName(row.verdict));
    const bool bold = FailsGate(row.verdict);
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", Code(row.workload),
                       Cell(row.metric), Cell(c.baseline), Cell(c.current), Cell(c.change),
                       Cell(c.threshold), Cell(c.p), bold ? "**" + verdict + "**" : verdict);
  }
  bool header = false;
  for (const MetricComparison& row : report.rows) {
    if (!NeedsExplanation(row)) continue;
    if (!header) {
      out += "\n";
      header = true;
    }
    const bool unjudged = !row.inconclusive_reason.empty();
    out += fmt::format("- **{}**{} {} {}: {}\n", VerdictName(row.verdict),
                       unjudged ? " (not judged)" : "", Code(row.workload), Cell(row.metric),
                       Cell(row.message));
  }
  if (const std::string excluded = ExcludedWorkloadsLine(report); !excluded.empty()) {
    out += "\n" + Cell(excluded) + "\n";
  }
  return out;
}

}  // namespace feedbench
