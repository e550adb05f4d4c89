#include "harness/report/report_input.h"

#include <fmt/format.h>

#include <map>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/json_non_finite.h"
#include "harness/report/compare_report.h"
#include "harness/report/qualify_report.h"

namespace feedbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double kTimelineBytesPerKb = 1024.0;  // iostat's kB, as the timeline's rkb_per_second has it

constexpr std::string_view kExpected =
    "expected a feedbench file: a monitor JSON (\"schema\": \"feedbench.monitor/1\", from "
    "`feedbench monitor --json`), run results (Google Benchmark JSON with context.feedbench, "
    "from `feedbench run`), a comparison (\"feedbench_compare\", from `feedbench compare "
    "--json`) or a qualification (\"feedbench_qualify\", from `feedbench qualify --json`)";

RunSection RunSectionOfFile(const fs::path& path, const json& document) {
  RunSection section;
  section.results = ReadResultsFile(path);
  section.summaries = SummarizeResults(section.results);
  const json* context = nullptr;
  if (document.contains("context") && document["context"].is_object()) {
    const json& c = document["context"];
    if (c.contains("feedbench") && c["feedbench"].is_object()) context = &c["feedbench"];
  }
  if (context != nullptr && context->contains("efficiency")) {
    section.efficiencies = EfficienciesFromJson((*context)["efficiency"], path.string());
  }
  if (context == nullptr || !context->contains("timeline_file")) {
    section.timeline_note =
        "These results name no timeline file (context.feedbench.timeline_file), so there are no "
        "per-interval device rows to show; `feedbench run` keeps them in <results>.timeline.json.";
  } else if (!TimelineMatchesResults(path)) {
    section.timeline_note = fmt::format(
        "The timeline these results name ({}) is not beside them, or is not the one written with "
        "them (its XXH3-64 differs from context.feedbench.timeline_xxh3): no device timeline is "
        "shown.",
        (*context)["timeline_file"].is_string() ? (*context)["timeline_file"].get<std::string>()
                                                : std::string("?"));
  } else {
    const fs::path timeline_path =
        path.parent_path() / (*context)["timeline_file"].get<std::string>();
    const json timeline = json::parse(ReadWholeFile(timeline_path), nullptr, false);
    if (timeline.is_discarded()) {
      throw UsageError(fmt::format("timeline {}: not JSON", timeline_path.string()));
    }
    section.timelines = TimelinesFromJson(timeline, timeline_path.string());
  }
  return section;
}

}  // namespace

RunTimelines TimelinesFromJson(const json& timeline, std::string_view source) {
  RunTimelines out;
  std::string where = "workloads";
  try {
    for (const auto& [workload, repetitions] : timeline.at("workloads").items()) {
      std::vector<DeviceTimeline>& series = out[workload];
      for (std::size_t i = 0; i < repetitions.size(); ++i) {
        // One timeline per device the repetition sampled, in order of first row.
        std::map<std::string, std::size_t> index;
        std::vector<DeviceTimeline> devices;
        const json& rows = repetitions.at(i);
        for (std::size_t j = 0; j < rows.size(); ++j) {
          where = fmt::format("workloads[\"{}\"][{}][{}]", workload, i, j);
          const json& row = rows.at(j);
          const std::string device = row.at("device").get<std::string>();
          auto [it, added] = index.emplace(device, devices.size());
          if (added) {
            devices.emplace_back();
            devices.back().device = device;
          }
          DeviceTimeline& t = devices[it->second];
          t.timestamp_utc.push_back(row.at("timestamp").get<std::string>());
          t.offset_sec.push_back(row.at("offset_sec").get<double>());
          t.read_bytes_per_sec.push_back(row.at("rkb_per_second").get<double>() * kTimelineBytesPerKb);
          t.reads_per_sec.push_back(row.at("r_per_second").get<double>());
          t.r_await_ms.push_back(row.at("r_await_ms").get<double>());
          t.aqu_sz_requests.push_back(row.at("aqu_sz").get<double>());
          t.util_pct.push_back(row.at("util_pct").get<double>());
        }
        for (DeviceTimeline& t : devices) series.push_back(std::move(t));
      }
    }
  } catch (const json::exception& e) {
    throw UsageError(fmt::format("{}: {}: {}; expected a feedbench run timeline", source, where,
                                 e.what()));
  }
  return out;
}

HtmlSection ReadReportInput(const fs::path& path) {
  const std::string text = ReadWholeFile(path);
  const json document = json::parse(NonFiniteToMarkers(text), nullptr, false);
  if (document.is_discarded()) {
    throw UsageError(fmt::format("{}: not JSON; {}", path.string(), kExpected));
  }
  if (IsMonitorDocument(document)) return ReadMonitorDocument(document, path.string());
  if (document.is_object() && document.contains("feedbench_qualify")) {
    return QualificationSectionOf(CompareReportFromJson(document, path.string()));
  }
  if (document.is_object() && document.contains("feedbench_compare")) {
    return ComparisonSectionOf(CompareReportFromJson(document, path.string()));
  }
  if (document.is_object() && document.contains("context") && document.contains("benchmarks")) {
    const json& context = document["context"];
    if (context.is_object() && context.contains("feedbench")) {
      return RunSectionOfFile(path, document);
    }
    throw UsageError(fmt::format(
        "{}: Google Benchmark JSON without context.feedbench (not written by feedbench); {}",
        path.string(), kExpected));
  }
  throw UsageError(fmt::format("{}: not a feedbench file; {}", path.string(), kExpected));
}

RunSection RunSectionOf(const RecordedRun& recorded) {
  RunSection section;
  section.results = recorded.model;
  section.summaries = SummarizeResults(recorded.model);
  section.efficiencies = recorded.efficiencies;
  section.timelines = TimelinesFromJson(recorded.timeline, recorded.model.source + " (timeline)");
  return section;
}

ComparisonSection ComparisonSectionOf(const CompareReport& report) { return {report}; }

QualificationSection QualificationSectionOf(const CompareReport& report) {
  return {report, BuildQualifyReport(report)};
}

}  // namespace feedbench
