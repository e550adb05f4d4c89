#include "harness/report/baseline_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "harness/base/statistics.h"
#include "harness/results/metrics.h"

namespace feedbench {
namespace {

void Flatten(const nlohmann::json& j, const std::string& path, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) Flatten(v, path.empty() ? k : path + "." + k, out);
    return;
  }
  if (j.is_null()) return;
  out.push_back(fmt::format("{} = {}", path, j.is_string() ? j.get<std::string>() : j.dump()));
}

std::string Spread(double fraction) {
  if (std::isinf(fraction)) return "±inf";
  return fmt::format("±{:.1f}%", fraction * 100);
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (std::size_t i = 0; i < row.size(); ++i) {
      line +=
          i < 2 ? fmt::format("{:<{}}", row[i], width[i]) : fmt::format("{:>{}}", row[i], width[i]);
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string RenderBaselineHistory(const Baseline& baseline,
                                  const std::vector<std::string>& metrics) {
  std::string out = fmt::format("baseline {}\n", baseline.source);
  out += fmt::format("  suite {}, dataset hash {}, {} run(s) kept of at most {}, schema {}\n",
                     baseline.suite, baseline.dataset_hash, baseline.runs.size(), baseline.keep,
                     baseline.schema_version);
  std::vector<std::string> fingerprint;
  Flatten(baseline.machine, "machine", fingerprint);
  Flatten(baseline.device, "device", fingerprint);
  if (fingerprint.empty()) {
    out += "  fingerprint: none recorded\n";
  } else {
    out += "  fingerprint:\n";
    for (const std::string& f : fingerprint) out += "    " + f + "\n";
  }
  out +=
      "\nruns (oldest first; the gate's reference is the median of the last K runs' medians, "
      "K = compare --reference-runs, default 5):\n";
  std::vector<std::vector<std::string>> runs{{"run", "date", "feedbench", "results file"}};
  for (std::size_t i = 0; i < baseline.runs.size(); ++i) {
    const BaselineRun& r = baseline.runs[i];
    runs.push_back({fmt::format("{}", i + 1), r.date, r.feedbench_version, r.source});
  }
  // Left-align every column of this table.
  std::vector<std::size_t> width(4, 0);
  for (const auto& row : runs) {
    for (std::size_t i = 0; i < 4; ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : runs) {
    out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {}\n", row[0], width[0], row[1], width[1], row[2],
                       width[2], row[3]);
  }

  std::set<std::string> workloads;
  for (const BaselineRun& r : baseline.runs) {
    for (const auto& [name, counters] : r.workloads) workloads.insert(name);
  }
  for (const std::string& workload : workloads) {
    out += fmt::format("\n{}: median (within-run robust spread) per run\n", workload);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header{"run", "reps"};
    for (const std::string& m : metrics) header.push_back(m);
    rows.push_back(header);
    for (std::size_t i = 0; i < baseline.runs.size(); ++i) {
      const BaselineRun& run = baseline.runs[i];
      std::size_t reps = 0;
      std::vector<std::string> row{fmt::format("{}", i + 1), ""};
      for (const std::string& m : metrics) {
        const auto* values = run.Values(workload, m);
        if (values == nullptr) {
          row.push_back("-");
          continue;
        }
        reps = std::max(reps, values->size());
        const MetricInfo* info = FindMetric(m);
        const double median = stats::Median(*values);
        const std::string value =
            info ? FormatMetricValue(*info, median) : fmt::format("{:g}", median);
        row.push_back(fmt::format("{} {}", value, Spread(stats::RobustRelativeSpread(*values))));
      }
      row[1] = reps ? fmt::format("{}", reps) : "-";
      rows.push_back(row);
    }
    std::vector<std::string> last{"run-to-run", ""};
    for (const std::string& m : metrics) {
      const std::vector<double> medians = baseline.RunMedians(workload, m);
      last.push_back(medians.empty() ? "-" : Spread(stats::RobustRelativeSpread(medians)));
    }
    rows.push_back(last);
    out += Table(rows);
  }
  return out;
}

}  // namespace feedbench
