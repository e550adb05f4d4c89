// Reporters of a CompareReport: interchangeable renderings of one result model (harness/compare.h).
// Each lives in its own file: compare_table_report.cc (terminal), compare_json_report.cc,
// compare_markdown_report.cc (CI step summary), junit_report.cc. They only render: every figure
// comes from the report, none is recomputed. All are pure and thread-safe.
//
// JUnit mapping (one <testcase> per workload × metric; classname "feedbench.<suite>.<workload>",
// name = the metric):
//   REGRESSED                   → <failure type="REGRESSED">, message and body carry the numbers
//   MISSING                     → <failure type="MISSING"> (in the baseline, not in the results)
//   INVALID                     → <error type="INVALID"> (the run itself was not valid; fails CI)
//   SKIPPED, NEW, NOISY         → <skipped message="VERDICT: why"/> (not judged)
//   UNCHANGED, IMPROVED, UNCERTAIN → passed, the verdict and numbers in <system-out>
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/gate/compare.h"

namespace feedbench {

// The cells every text reporter shows for a row, formatted in the metric's own unit. Missing
// values are "-".
struct CompareCells {
  std::string baseline;   // median of the baseline's latest run
  std::string current;    // median of the current run
  std::string change;     // "+3.1%": current ÷ baseline − 1, signed
  std::string threshold;  // "5.0%": T
  std::string p;          // one-sided p in the direction of the change
};
CompareCells FormatCells(const MetricComparison& row);

// The non-zero verdict counts, those that fail the gate first: "1 REGRESSED, 1 MISSING, 1 NOISY,
// 7 UNCHANGED". Empty when the report has no rows. The summary line of the text reporters.
std::string VerdictCounts(const CompareReport& report);

// "" when no workload was left out on purpose; otherwise "not judged, left out on purpose by
// --filter '...': a, b" (or "by the workload selection"), for the text reporters.
std::string ExcludedWorkloadsLine(const CompareReport& report);

// Terminal table: workload, metric, baseline, current, change %, threshold, p, verdict; then a
// line of explanation for every row that is not UNCHANGED, the fingerprint differences, the
// workloads left out on purpose, and a summary line with the exit code.
std::string RenderCompareTable(const CompareReport& report);

// Machine-readable report (schema in compare_json_report.cc, versioned by "schema_version").
nlohmann::json CompareReportToJson(const CompareReport& report);

// GitHub-flavoured Markdown for a CI step summary: a headline verdict, the settings, the table,
// the explanations, and the workloads left out on purpose.
std::string RenderCompareMarkdown(const CompareReport& report);

// JUnit XML as mapped above, for Jenkins, GitLab and GitHub test reporters.
std::string RenderCompareJunit(const CompareReport& report);

// Escapes text for XML 1.0 character data (&, <, >, ", '), replacing characters XML 1.0 cannot
// carry (C0 controls other than tab, LF, CR) with '?'. Line breaks stay as they are.
std::string XmlEscape(std::string_view text);
// The same for an attribute value, where line breaks and tabs are also written as character
// references so that parsers do not normalise them to spaces.
std::string XmlEscapeAttribute(std::string_view text);

}  // namespace feedbench
