#include "harness/report/export_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/base/errors.h"
#include "harness/base/statistics.h"
#include "harness/results/metrics.h"

namespace feedbench {
namespace {

// One workload's counter over its valid repetitions.
struct CounterFigures {
  const MetricInfo* metric = nullptr;
  double median = 0, min = 0, max = 0;
  std::size_t repetitions = 0;
};

// The registry's counters `w` measured, in the registry's order.
std::vector<CounterFigures> FiguresOf(const WorkloadResults& w) {
  std::vector<CounterFigures> out;
  for (const MetricInfo& metric : KnownMetrics()) {
    const std::vector<double> values = w.Values(metric.name);
    if (values.empty()) continue;
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    out.push_back(CounterFigures{&metric, stats::Median(values), *lo, *hi, values.size()});
  }
  return out;
}

std::string BenchmarkName(const ResultsFile& results, const WorkloadResults& w) {
  return results.suite.empty() ? w.name : results.suite + "/" + w.name;
}

}  // namespace

ExportRequest ParseExportFlag(std::string_view value) {
  const std::size_t colon = value.find(':');
  if (colon == std::string_view::npos) {
    throw UsageError(fmt::format(
        "--export {}: expected KIND:FILE with KIND bmf (Bencher Metric Format) or gab "
        "(github-action-benchmark), e.g. bmf:results.bmf.json",
        value));
  }
  const std::string_view kind = value.substr(0, colon);
  const std::string_view path = value.substr(colon + 1);
  ExportRequest request;
  if (kind == "bmf") {
    request.kind = ExportKind::kBmf;
  } else if (kind == "gab") {
    request.kind = ExportKind::kGab;
  } else {
    throw UsageError(fmt::format(
        "--export {}: unknown format '{}'; expected bmf (Bencher Metric Format) or gab "
        "(github-action-benchmark)",
        value, kind));
  }
  if (path.empty()) {
    throw UsageError(fmt::format("--export {}: expected a file after '{}:'", value, kind));
  }
  request.path = std::filesystem::path(path);
  return request;
}

GabPaths GabPathsFor(const std::filesystem::path& path) {
  std::filesystem::path smaller = path;
  smaller.replace_filename(path.stem().string() + ".smaller" + path.extension().string());
  return GabPaths{path, smaller};
}

nlohmann::ordered_json BencherMetricFormat(const ResultsFile& results) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  for (const WorkloadResults& w : results.workloads) {
    nlohmann::ordered_json measures = nlohmann::ordered_json::object();
    for (const CounterFigures& f : FiguresOf(w)) {
      measures[std::string(f.metric->name)] = {
          {"value", f.median}, {"lower_value", f.min}, {"upper_value", f.max}};
    }
    if (!measures.empty()) doc[BenchmarkName(results, w)] = std::move(measures);
  }
  return doc;
}

GabDocuments GithubActionBenchmark(const ResultsFile& results) {
  GabDocuments docs;
  for (const WorkloadResults& w : results.workloads) {
    for (const CounterFigures& f : FiguresOf(w)) {
      nlohmann::ordered_json entry{
          {"name", fmt::format("{} {}", BenchmarkName(results, w), f.metric->name)},
          {"unit", std::string(f.metric->unit)},
          {"value", f.median},
          {"range", fmt::format("± {:.6g}", (f.max - f.min) / 2)},
          {"extra", fmt::format("{} repetitions, min {:.6g}, max {:.6g} {}", f.repetitions, f.min,
                                f.max, f.metric->unit)},
      };
      (f.metric->orientation == Orientation::kHigherIsBetter ? docs.bigger_is_better
                                                             : docs.smaller_is_better)
          .push_back(std::move(entry));
    }
  }
  return docs;
}

}  // namespace feedbench
