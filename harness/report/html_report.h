// The HTML report: one self-contained page (no external URL; it loads nothing, so it opens
// offline, e.g. from a CI artifact) with one section per input — a monitor window, a run's
// results, a comparison, a qualification — its tables as HTML and its charts drawn by Chart.js,
// which the caller passes in (chartjs_library.h) and the page carries inline.
//
// What each section shows:
//   monitor        per device, timelines of rkB/s (read bytes/s), r/s, r_await (ms), aqu-sz and
//                  %util against seconds since the start; the accelerator's utilisation per GPU
//                  when sampled; the job's phases as shaded, labelled bands on every timeline and
//                  a table of their figures and verdicts; the diagnosis verdicts; the log lines.
//   run results    per workload, every repetition's samples/s and bytes/s as a point (valid,
//                  disturbed, or contaminated/failed, marked), the min–max range as a bar and the
//                  median; efficiency against the paired probe and the fio ceiling; the device
//                  timeline (rkB/s) of every repetition when the timeline was kept with the
//                  results, otherwise a sentence saying why there is none.
//   comparison     per workload × metric, the oriented ratio r (above 1 is worse) as a point
//                  coloured by verdict, inside the threshold band [1 ÷ (1 + T), 1 + T]; the table
//                  of baseline, current, change, threshold, p and verdict, coloured by verdict.
//   qualification  per workload × metric, candidate ÷ reference as a bar coloured by verdict, the
//                  per-workload verdicts and the outcome.
//   layouts        (`feedbench layouts`) per layout, its median per-round ratio to the reference
//                  as a point coloured by verdict inside its signed-rank interval, the
//                  recommendation, and the decision table (harness/gate/layout_decision.h).
//
// Reporters render the models; they compute no figure. The data the charts draw is embedded as
// JSON in <script type="application/json"> blocks, every number exactly as in the model (full
// precision) and every string escaped (JsonForScript): no text from the data — a workload name, a
// log line — can end a script or inject markup. Tables escape text with HtmlEscape. Long
// timelines are drawn decimated (Chart.js's min/max decimation: per pixel column the first,
// last, lowest and highest point), the embedded data staying whole. Pure; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/gate/compare.h"
#include "harness/gate/layout_decision.h"
#include "harness/report/monitor_document.h"
#include "harness/report/qualify_report.h"
#include "harness/results/efficiency.h"
#include "harness/results/results.h"

namespace feedbench {

// A workload's sampled device rows, one DeviceTimeline per repetition (and device), in the order
// of its repetitions in the timeline file.
using RunTimelines = std::map<std::string, std::vector<DeviceTimeline>>;

struct RunSection {
  ResultsFile results;
  std::vector<WorkloadSummary> summaries;  // SummarizeResults(results)
  std::vector<Efficiency> efficiencies;    // against the fio ceilings, when the run had them
  std::optional<RunTimelines> timelines;   // the timeline kept with the results, if any
  std::string timeline_note;               // why there is no timeline, when there is none
};

struct ComparisonSection {
  CompareReport report;
};

struct QualificationSection {
  CompareReport comparison;  // what the qualification was decided from
  QualifyReport qualification;
};

struct LayoutsSection {
  LayoutDecision decision;
};

using HtmlSection = std::variant<MonitorDocument, RunSection, ComparisonSection,
                                 QualificationSection, LayoutsSection>;

// The whole page. `chartjs_source` is Chart.js's UMD build (chartjs_library.h), inlined as is.
std::string RenderHtmlReport(const std::vector<HtmlSection>& sections,
                             std::string_view chartjs_source);

// Text for HTML element content and quoted attribute values: & < > " ' as character references.
std::string HtmlEscape(std::string_view text);

// JSON for a <script type="application/json"> block: `value` dumped (numbers at full precision,
// so JSON.parse gives the same doubles), with every <, > and & written as \u003c, \u003e,
// \u0026 — still the same JSON, but no "</script" or "<!--" can appear in the block.
std::string JsonForScript(const nlohmann::json& value);

}  // namespace feedbench
