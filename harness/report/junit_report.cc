// JUnit XML rendering of a CompareReport (mapping of verdicts in compare_report.h).
#include <fmt/format.h>

#include <algorithm>

#include "harness/report/compare_report.h"

namespace feedbench {
namespace {

std::string Attr(std::string_view text) { return XmlEscapeAttribute(text); }

std::string Escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += attribute ? "&#13;" : "\r";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        // XML 1.0 forbids C0 controls other than tab, LF and CR, even escaped.
        out += (c < 0x20 || c == 0x7f) ? '?' : ch;
    }
  }
  return out;
}

// Every figure of a judged row, one per line: the body of a <failure> or <system-out>.
std::string Numbers(const MetricComparison& row) {
  const CompareCells c = FormatCells(row);
  std::string out = fmt::format("{} {} {}\n{}\n", VerdictName(row.verdict), row.workload,
                                row.metric, row.message);
  out += fmt::format("reference median: {} over {} repetitions of {} baseline run(s)\n", c.baseline,
                     row.baseline_repetitions, row.baseline_runs);
  out +=
      fmt::format("current median: {} over {} repetitions\n", c.current, row.current_repetitions);
  if (IsJudged(row.verdict)) {
    out += fmt::format("change: {} (oriented ratio r = {:.4f}; r > 1 is worse)\n", c.change,
                       row.ratio);
    out += fmt::format(
        "threshold T = {} = max(tolerance {:.1f}%, 3 x noise {:.2f}%); within-run spread "
        "{:.2f}%, run-to-run spread {:.2f}%\n",
        c.threshold, row.tolerance * 100, row.noise * 100, row.within_run_spread * 100,
        row.run_to_run_spread * 100);
    if (row.p_worse && row.p_better) {
      out += fmt::format("Mann-Whitney one-sided p: worse {:.4g}, better {:.4g}\n", *row.p_worse,
                         *row.p_better);
    }
    if (row.repetitions_to_settle) {
      out += fmt::format("repetitions per side to settle: {}\n", *row.repetitions_to_settle);
    }
  }
  return out;
}

// The <properties> of the suite: sources, settings and fingerprint differences.
std::string Properties(const CompareReport& report) {
  const CompareOptions& o = report.options;
  std::string out = "    <properties>\n";
  auto property = [&](std::string_view name, const std::string& value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", Attr(name), Attr(value));
  };
  property("baseline", report.baseline_source);
  property("results", report.results_source);
  property("dataset_hash", report.dataset_hash);
  property("tolerance_throughput_percent", fmt::format("{:g}", o.tolerance_throughput * 100));
  property("tolerance_await_percent", fmt::format("{:g}", o.tolerance_await * 100));
  property("alpha", fmt::format("{:g}", o.alpha));
  property("looks", fmt::format("{}", o.looks));
  property("alpha_per_look", fmt::format("{:g}", o.AlphaPerLook()));
  property("outcome", std::string(GateOutcomeName(report.Outcome())));
  property("judged", JudgedLine(report));
  property("reference_runs_asked", fmt::format("{}", o.reference_runs));
  for (const ReferenceRun& r : report.reference_runs) {
    property(fmt::format("reference_run_{}", r.number), r.date + " " + r.source);
  }
  for (std::size_t i = 0; i < report.fingerprint_differences.size(); ++i) {
    property(fmt::format("fingerprint_difference_{}", i + 1), report.fingerprint_differences[i]);
  }
  out += "    </properties>\n";
  return out;
}

// What goes inside a row's <testcase>, by the mapping in compare_report.h.
std::string TestcaseBody(const MetricComparison& row) {
  const std::string verdict(VerdictName(row.verdict));
  switch (row.verdict) {
    case Verdict::kRegressed: {
      const CompareCells c = FormatCells(row);
      const std::string message =
          fmt::format("REGRESSED: {} {} → {} ({}), threshold {}, p = {}", row.metric, c.baseline,
                      c.current, c.change, c.threshold, c.p);
      return fmt::format("      <failure type=\"REGRESSED\" message=\"{}\">{}</failure>\n",
                         Attr(message), XmlEscape(Numbers(row)));
    }
    case Verdict::kMissing:
      return fmt::format("      <failure type=\"MISSING\" message=\"{}\">{}</failure>\n",
                         Attr("MISSING: " + row.message), XmlEscape(Numbers(row)));
    case Verdict::kInvalid:
      return fmt::format("      <error type=\"INVALID\" message=\"{}\">{}</error>\n",
                         Attr("INVALID: " + row.message), XmlEscape(Numbers(row)));
    case Verdict::kSkipped:
    case Verdict::kNew:
      return fmt::format("      <skipped message=\"{}\"/>\n", Attr(verdict + ": " + row.message));
    case Verdict::kNoisy:
    case Verdict::kUncertain:
    case Verdict::kUnchanged:
    case Verdict::kImproved:
      break;
  }
  if (!row.gated) {
    // Reported, not gated (a probe row that does not narrow the spread): numbers only.
    return fmt::format("      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n",
                       Attr(verdict + ", not gated: " + row.message), XmlEscape(Numbers(row)));
  }
  if (!row.judged_through.empty()) {
    return fmt::format("      <system-out>{}</system-out>\n",
                       XmlEscape(row.message + "\n" + Numbers(row)));
  }
  if (!row.inconclusive_reason.empty()) {
    // Not judged: skipped with the reason, the numbers still in <system-out>.
    return fmt::format("      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n",
                       Attr(verdict + ": " + row.inconclusive_reason), XmlEscape(Numbers(row)));
  }
  return fmt::format("      <system-out>{}</system-out>\n", XmlEscape(Numbers(row)));
}

}  // namespace

std::string XmlEscape(std::string_view text) { return Escape(text, false); }

std::string XmlEscapeAttribute(std::string_view text) { return Escape(text, true); }

std::string RenderCompareJunit(const CompareReport& report) {
  const std::size_t tests = report.rows.size();
  const std::size_t failures = report.Count(Verdict::kRegressed) + report.Count(Verdict::kMissing);
  const std::size_t errors = report.Count(Verdict::kInvalid);
  const std::size_t skipped = static_cast<std::size_t>(
      std::count_if(report.rows.begin(), report.rows.end(), [](const MetricComparison& r) {
        return r.verdict == Verdict::kSkipped || r.verdict == Verdict::kNew || !r.gated ||
               (!r.inconclusive_reason.empty() && r.judged_through.empty());
      }));
  const std::string suite_name = "feedbench." + report.suite;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"feedbench compare\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\" time=\"0\">\n",
      tests, failures, errors, skipped);
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
      "time=\"0\">\n",
      Attr(suite_name), tests, failures, errors, skipped);
  out += Properties(report);
  for (const MetricComparison& row : report.rows) {
    out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0\">\n", Attr(row.metric),
                       Attr(suite_name + "." + row.workload));
    out += TestcaseBody(row);
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace feedbench
