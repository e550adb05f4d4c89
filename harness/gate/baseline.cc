#include "harness/gate/baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/json_non_finite.h"
#include "harness/base/statistics.h"
#include "harness/measure/fingerprint.h"

namespace feedbench {
namespace {

using nlohmann::json;

[[noreturn]] void Bad(std::string_view source, std::string_view what) {
  throw UsageError(fmt::format("baseline {}: {}", source, what));
}

const json& Require(const json& parent, std::string_view key, json::value_t type,
                    std::string_view where, std::string_view source, std::string_view expected) {
  const auto it = parent.find(key);
  if (it == parent.end()) Bad(source, fmt::format("missing key {}{}", where, key));
  const bool ok =
      type == json::value_t::number_unsigned
          ? it->is_number_unsigned() || (it->is_number_integer() && it->get<long long>() >= 0)
          : it->type() == type;
  if (!ok) {
    Bad(source, fmt::format("{}{} is {}; expected {}", where, key, it->type_name(), expected));
  }
  return *it;
}

BaselineRun RunFromResults(const ResultsFile& results) {
  BaselineRun run;
  run.date = results.date;
  run.feedbench_version = results.feedbench_version;
  run.source = std::filesystem::path(results.source).filename().string();
  for (const WorkloadResults& w : results.workloads) {
    auto& metrics = run.workloads[w.name];
    for (const Repetition& r : w.repetitions) {
      // Only valid repetitions: a disturbed one was measured on a busy node and is not figures
      // of this storage (CheckRecordable refuses failed and contaminated ones).
      if (r.state != RepetitionState::kValid) continue;
      for (const auto& [name, value] : r.counters) metrics[name].push_back(value);
    }
  }
  return run;
}

void CheckRecordable(const Baseline& baseline, const ResultsFile& results) {
  const std::string& src = results.source;
  // ParseResults refuses these; a model built in memory is checked too, since a counter the
  // baseline lacked would judge nothing (its rows are NEW) and the gate would pass.
  for (const WorkloadResults& w : results.workloads) {
    for (const Repetition& r : w.repetitions) {
      for (const auto& [name, value] : r.counters) {
        if (std::isfinite(value)) continue;
        throw UsageError(fmt::format(
            "results {}: not recorded: {} #{}: {} is {}; a baseline takes only finite figures", src,
            w.name, r.repetition_index, name, *NonFiniteSpelling(nlohmann::json(value))));
      }
    }
  }
  std::vector<std::string> problems;
  for (const WorkloadResults& w : results.workloads) {
    const bool any_valid = std::any_of(w.repetitions.begin(), w.repetitions.end(),
                                       [](const Repetition& r) { return r.valid(); });
    for (const Repetition& r : w.repetitions) {
      if (r.state == RepetitionState::kValid) continue;
      // A disturbed repetition is left out; a workload with nothing else is not recordable.
      if (r.state == RepetitionState::kDisturbed && any_valid) continue;
      problems.push_back(ProblemLine(w, r));
    }
  }
  if (!problems.empty()) {
    std::string list;
    for (const std::string& p : problems) list += "\n  " + p;
    throw UsageError(fmt::format(
        "results {}: not recorded: {} repetition(s) failed, were cache-contaminated or left "
        "their workload without a valid repetition; a baseline takes only valid runs:{}",
        src, problems.size(), list));
  }
  if (results.suite != baseline.suite) {
    throw UsageError(fmt::format("results {}: suite {} but the baseline is for suite {}", src,
                                 results.suite, baseline.suite));
  }
  if (results.dataset_hash != baseline.dataset_hash) {
    throw UsageError(fmt::format(
        "results {}: dataset hash {} but the baseline's is {} (the suite's dataset changed: "
        "record a new baseline file)",
        src, results.dataset_hash, baseline.dataset_hash));
  }
  const auto diffs =
      FingerprintMismatches(baseline.machine, baseline.device, results.machine, results.device);
  if (!diffs.empty()) {
    std::string list;
    for (const std::string& d : diffs) list += "\n  " + d;
    throw UsageError(fmt::format(
        "results {}: recorded on a machine with another fingerprint than the baseline's (record "
        "a new baseline file for it):{}",
        src, list));
  }
  const std::string name = std::filesystem::path(src).filename().string();
  for (const BaselineRun& run : baseline.runs) {
    if (run.source == name && run.date == results.date) {
      throw UsageError(
          fmt::format("results {}: already recorded in this baseline (run of {})", src, run.date));
    }
  }
}

}  // namespace

const std::vector<double>* BaselineRun::Values(std::string_view workload,
                                               std::string_view metric) const {
  const auto w = workloads.find(std::string(workload));
  if (w == workloads.end()) return nullptr;
  const auto m = w->second.find(std::string(metric));
  if (m == w->second.end() || m->second.empty()) return nullptr;
  return &m->second;
}

std::vector<double> Baseline::RunMedians(std::string_view workload, std::string_view metric) const {
  std::vector<double> medians;
  for (const BaselineRun& run : runs) {
    if (const auto* values = run.Values(workload, metric)) {
      medians.push_back(stats::Median(*values));
    }
  }
  return medians;
}

std::vector<std::size_t> Baseline::ReferenceRunIndices(std::string_view workload,
                                                       std::string_view metric,
                                                       std::size_t k) const {
  std::vector<std::size_t> indices;
  for (std::size_t i = runs.size(); i > 0 && indices.size() < k; --i) {
    if (runs[i - 1].Values(workload, metric) != nullptr) indices.push_back(i - 1);
  }
  std::reverse(indices.begin(), indices.end());
  return indices;
}

json BaselineToJson(const Baseline& baseline) {
  json runs = json::array();
  for (const BaselineRun& run : baseline.runs) {
    json workloads = json::object();
    for (const auto& [name, metrics] : run.workloads) {
      json m = json::object();
      for (const auto& [metric, values] : metrics) m[metric] = values;
      workloads[name] = std::move(m);
    }
    runs.push_back(json{{"date", run.date},
                        {"feedbench_version", run.feedbench_version},
                        {"source", run.source},
                        {"workloads", std::move(workloads)}});
  }
  json out = json::object();
  out["kind"] = kBaselineKind;
  out["schema_version"] = baseline.schema_version;
  out["suite"] = baseline.suite;
  out["dataset_hash"] = baseline.dataset_hash;
  out["keep"] = baseline.keep;
  out["machine"] = baseline.machine;
  out["device"] = baseline.device;
  out["runs"] = std::move(runs);
  return out;
}

Baseline ParseBaseline(const json& document, std::string_view source) {
  using T = json::value_t;
  if (!document.is_object()) Bad(source, "expected a JSON object");
  const auto kind = document.find("kind");
  if (kind == document.end() || !kind->is_string() || kind->get<std::string>() != kBaselineKind) {
    Bad(source,
        fmt::format("not a feedbench baseline (expected key kind = \"{}\"){}", kBaselineKind,
                    document.contains("benchmarks") ? "; this looks like a results file" : ""));
  }
  Baseline b;
  b.source = std::string(source);
  const json& version =
      Require(document, "schema_version", T::number_unsigned, "", source, "a non-negative integer");
  b.schema_version = version.get<int>();
  if (b.schema_version != kBaselineSchemaVersion) {
    Bad(source, fmt::format("schema_version is {}; this feedbench reads {}", b.schema_version,
                            kBaselineSchemaVersion));
  }
  b.suite = Require(document, "suite", T::string, "", source, "a string").get<std::string>();
  b.dataset_hash =
      Require(document, "dataset_hash", T::string, "", source, "a string").get<std::string>();
  const json& keep = Require(document, "keep", T::number_unsigned, "", source, "an integer ≥ 1");
  b.keep = keep.get<std::size_t>();
  if (b.keep < 1) Bad(source, "keep is 0; expected an integer ≥ 1");
  b.machine = document.value("machine", json());
  b.device = document.value("device", json());
  const json& runs = Require(document, "runs", T::array, "", source, "an array of runs");
  if (runs.empty()) Bad(source, "runs is empty; a baseline holds at least one run");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string where = fmt::format("runs[{}].", i);
    const json& r = runs[i];
    if (!r.is_object()) Bad(source, fmt::format("runs[{}] is not an object", i));
    BaselineRun run;
    run.date = Require(r, "date", T::string, where, source, "a string").get<std::string>();
    run.feedbench_version =
        Require(r, "feedbench_version", T::string, where, source, "a string").get<std::string>();
    run.source = Require(r, "source", T::string, where, source, "a string").get<std::string>();
    const json& workloads = Require(r, "workloads", T::object, where, source, "an object");
    for (const auto& [name, metrics] : workloads.items()) {
      const std::string wpath = where + "workloads." + name;
      if (!metrics.is_object()) Bad(source, wpath + " is not an object of counters");
      auto& out = run.workloads[name];
      for (const auto& [metric, values] : metrics.items()) {
        if (!values.is_array()) {
          Bad(source, fmt::format("{}.{} is not an array of numbers", wpath, metric));
        }
        for (std::size_t k = 0; k < values.size(); ++k) {
          // Checked before the type: a bare NaN or Infinity arrives as a marker string.
          if (const auto spelling = NonFiniteSpelling(values[k])) {
            Bad(source, fmt::format("{}.{}[{}] is {}; expected a finite number", wpath, metric, k,
                                    *spelling));
          }
          if (!values[k].is_number()) {
            Bad(source, fmt::format("{}.{} is not an array of numbers", wpath, metric));
          }
        }
        out[metric] = values.get<std::vector<double>>();
      }
    }
    b.runs.push_back(std::move(run));
  }
  return b;
}

Baseline ReadBaselineFile(const std::filesystem::path& path) {
  // Bare non-finite tokens parse as markers, so that ParseBaseline names the run, workload and
  // counter that holds one; anywhere else a marker is refused here, as the token was before.
  const std::string text = NonFiniteToMarkers(ReadWholeFile(path));
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) Bad(path.string(), "not JSON");
  Baseline baseline = ParseBaseline(document, path.string());
  const json flat = document.flatten();  // JSON pointer → every leaf value
  for (const auto& [pointer, value] : flat.items()) {
    if (value.is_string() && NonFiniteSpelling(value)) {
      Bad(path.string(), fmt::format("{} is {}, which is not JSON; expected a finite number",
                                     pointer, *NonFiniteSpelling(value)));
    }
  }
  return baseline;
}

void WriteBaselineFile(const std::filesystem::path& path, const Baseline& baseline) {
  WriteFileAtomic(path, BaselineToJson(baseline).dump(2) + "\n");
}

std::vector<std::string> FingerprintMismatches(const json& baseline_machine,
                                               const json& baseline_device,
                                               const json& current_machine,
                                               const json& current_device) {
  return FingerprintDifferences(json{{"machine", baseline_machine}, {"device", baseline_device}},
                                json{{"machine", current_machine}, {"device", current_device}});
}

Baseline RecordRuns(std::optional<Baseline> existing, const std::vector<ResultsFile>& results,
                    std::optional<std::size_t> keep) {
  if (results.empty()) throw UsageError("baseline record: no results files given");
  if (keep && *keep < 1) throw UsageError("--keep 0: expected at least 1 run to keep");
  Baseline baseline;
  if (existing) {
    baseline = std::move(*existing);
  } else {
    const ResultsFile& first = results.front();
    baseline.suite = first.suite;
    baseline.dataset_hash = first.dataset_hash;
    baseline.machine = first.machine;
    baseline.device = first.device;
  }
  if (keep) baseline.keep = *keep;
  // Validate all before changing anything, and against the runs added in this call too (the same
  // results file given twice).
  Baseline check = baseline;
  for (const ResultsFile& r : results) {
    CheckRecordable(check, r);
    check.runs.push_back(RunFromResults(r));
  }
  baseline.runs = std::move(check.runs);
  if (baseline.runs.size() > baseline.keep) {
    baseline.runs.erase(baseline.runs.begin(),
                        baseline.runs.end() - static_cast<long>(baseline.keep));
  }
  return baseline;
}

}  // namespace feedbench
