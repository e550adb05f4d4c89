#include "harness/results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "harness/atomic_file.h"
#include "harness/errors.h"
#include "harness/runner.h"

namespace feedbench {
namespace fs = std::filesystem;
using nlohmann::json;

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n == 0) return 0;
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

namespace {

// Keys of a Google Benchmark entry that are not user counters.
bool IsBenchmarkKey(const std::string& key) {
  static const std::vector<std::string> kKeys{
      "name",      "family_index", "per_family_instance_index", "run_name", "run_type",
      "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
      "time_unit", "label", "error_occurred", "error_message", "aggregate_name",
      "aggregate_unit", "bytes_per_second_rate", "items_per_second"};
  return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

double CoefficientOfVariation(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  const double stddev = std::sqrt(ss / (values.size() - 1));
  return mean == 0 ? 0 : stddev / mean;
}

}  // namespace

std::vector<WorkloadSummary> SummarizeResults(const json& results) {
  std::vector<WorkloadSummary> out;
  std::map<std::string, std::map<std::string, std::vector<double>>> values;
  std::map<std::string, std::vector<double>> walls;
  std::map<std::string, std::string> kinds;
  if (results.contains("context") && results["context"].contains("feedbench")) {
    for (const auto& w : results["context"]["feedbench"].value("workloads", json::array())) {
      kinds[w.value("name", "")] = w.value("kind", "reader");
    }
  }
  for (const auto& entry : results.at("benchmarks")) {
    if (entry.value("run_type", "iteration") != "iteration") continue;
    const std::string name = WorkloadNameOf(entry);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& s) { return s.name == name; });
    if (it == out.end()) {
      WorkloadSummary summary;
      summary.name = name;
      summary.kind = kinds.contains(name) ? kinds[name] : "reader";
      out.push_back(std::move(summary));
      it = out.end() - 1;
    }
    ++it->repetitions;
    if (entry.value("error_occurred", false)) {
      it->errors.push_back(entry.value("error_message", "error"));
      continue;
    }
    ++it->valid_repetitions;
    // real_time is in time_unit; the runner writes ms.
    const std::string unit = entry.value("time_unit", "ns");
    const double scale = unit == "s" ? 1 : unit == "ms" ? 1e-3 : unit == "us" ? 1e-6 : 1e-9;
    walls[name].push_back(entry.value("real_time", 0.0) * scale);
    for (const auto& [key, value] : entry.items()) {
      if (IsBenchmarkKey(key) || !value.is_number()) continue;
      values[name][key].push_back(value.get<double>());
    }
  }
  for (auto& s : out) {
    for (const auto& [counter, list] : values[s.name]) {
      s.median[counter] = Median(list);
      s.cv[counter] = CoefficientOfVariation(list);
    }
    if (!walls[s.name].empty()) s.median_wall_sec = Median(walls[s.name]);
  }
  return out;
}

void ValidateResults(const json& results, const std::string& source) {
  if (!results.is_object() || !results.contains("benchmarks") ||
      !results["benchmarks"].is_array() || !results.contains("context")) {
    throw UsageError(fmt::format(
        "{}: not a results file (expected Google Benchmark JSON with \"context\" and "
        "\"benchmarks\")",
        source));
  }
  const json& context = results["context"];
  if (!context.contains("feedbench") || !context["feedbench"].is_object()) {
    throw UsageError(fmt::format("{}: context.feedbench: missing; expected a feedbench results file",
                                 source));
  }
  const json& fb = context["feedbench"];
  const int version = fb.value("schema_version", 0);
  if (version != kResultsSchemaVersion) {
    throw UsageError(fmt::format("{}: context.feedbench.schema_version: expected {} (got {})",
                                 source, kResultsSchemaVersion, fb.value("schema_version", json()).dump()));
  }
}

json LoadResults(const fs::path& path) {
  const std::string text = ReadWholeFile(path);
  json results;
  try {
    results = json::parse(text);
  } catch (const json::parse_error& e) {
    throw UsageError(fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
  ValidateResults(results, path.string());
  return results;
}

fs::path DefaultResultsPath(const fs::path& dir, const std::string& suite, const std::string& host,
                            const std::string& utc_compact) {
  return dir / fmt::format("{}-{}-{}.json", suite, host, utc_compact);
}

fs::path TimelinePathFor(const fs::path& results_path) {
  fs::path p = results_path;
  p.replace_extension(".timeline.json");
  return p;
}

}  // namespace feedbench
