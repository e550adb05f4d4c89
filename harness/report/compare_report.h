// Reporters of a CompareReport: interchangeable renderings of one result model (harness/compare.h).
// Each lives in its own file: compare_table_report.cc (terminal), compare_json_report.cc,
// compare_markdown_report.cc (CI step summary), junit_report.cc. They only render: every figure
// comes from the report, none is recomputed. All are pure and thread-safe.
//
// JUnit mapping (one <testcase> per workload × metric; classname "feedbench.<suite>.<workload>",
// name = the metric):
//   REGRESSED            → <failure type="REGRESSED">, message and body carry the numbers
//   MISSING              → <failure type="MISSING"> (in the baseline, not in the results)
//   INVALID              → <error type="INVALID"> (the run itself was not valid; fails CI)
//   every row not judged → <skipped message="VERDICT: reason"/>: NOISY, UNCERTAIN, an UNCHANGED
//                          or IMPROVED row with an inconclusive_reason (too few reference runs or
//                          repetitions), NEW, SKIPPED
//   UNCHANGED, IMPROVED judged → passed, the verdict and numbers in <system-out>
// The suite's properties carry the outcome (PASS, FAIL, INCONCLUSIVE, NOT COMPARED), the judged
// count and the runs that formed the reference.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/gate/compare.h"

namespace feedbench {

// The cells every text reporter shows for a row, formatted in the metric's own unit. Missing
// values are "-".
struct CompareCells {
  std::string baseline;   // the reference: median of its runs' medians
  std::string current;    // median of the current run
  std::string change;     // "+3.1%": current ÷ baseline − 1, signed
  std::string threshold;  // "5.0%": T
  std::string p;          // one-sided p in the direction of the change
};
CompareCells FormatCells(const MetricComparison& row);

// The non-zero verdict counts, those that fail the gate first: "1 REGRESSED, 1 MISSING, 1 NOISY,
// 7 UNCHANGED". Empty when the report has no rows. The summary line of the text reporters.
std::string VerdictCounts(const CompareReport& report);

// "judged 7 of 11 rows", with "; 4 NEW rows are not gated" when there are NEW rows.
std::string JudgedLine(const CompareReport& report);

// The summary line of the text reporters: "INCONCLUSIVE: judged 7 of 11 rows; 4 NOISY,
// 7 UNCHANGED (exit 4)"; with --allow-inconclusive "INCONCLUSIVE (allowed by
// --allow-inconclusive): ... (exit 0)".
std::string OutcomeLine(const CompareReport& report);

// Which baseline runs formed the reference: "reference: median of the last 3 of 3 baseline runs
// (--reference-runs 5): #1 2026-11-20T02:00:00+00:00 baseline_run1.json, #2 ...". "" without rows
// judged against a reference.
std::string ReferenceLine(const CompareReport& report);

// True when a row gets a line of explanation in the text reporters: every row but a judged
// UNCHANGED one and SKIPPED ones (the fingerprint differences explain those).
bool NeedsExplanation(const MetricComparison& row);

// "" when no workload was left out on purpose; otherwise "not judged, left out on purpose by
// --filter '...': a, b" (or "by the workload selection"), for the text reporters.
std::string ExcludedWorkloadsLine(const CompareReport& report);

// Terminal table: workload, metric, baseline (the reference), current, change %, threshold, p,
// verdict; then the reference line, a line of explanation for every row NeedsExplanation picks,
// the fingerprint differences, the workloads left out on purpose, and the OutcomeLine.
std::string RenderCompareTable(const CompareReport& report);

// Machine-readable report (schema in compare_json_report.cc, versioned by "schema_version").
nlohmann::json CompareReportToJson(const CompareReport& report);

// The report back from that JSON (schema_version 2), for the reports rendered from files
// (`feedbench report`): every field CompareReportToJson writes, percentages back to fractions,
// so that Outcome(), ExitCode() and the reporters above give what they gave for the original.
// Throws UsageError naming `source` and the key when the document is not such a report.
CompareReport CompareReportFromJson(const nlohmann::json& document, std::string_view source);

// GitHub-flavoured Markdown for a CI step summary: a headline outcome, the judged count, the
// settings, the reference runs, the table, the explanations (each unjudged row with its reason),
// and the workloads left out on purpose.
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
