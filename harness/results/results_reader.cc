#include "harness/results/results_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/json_non_finite.h"

namespace feedbench {
namespace {

using nlohmann::json;

// Google Benchmark's own numeric fields of a run (json_reporter.cc); everything else numeric is a
// user counter.
constexpr std::array<std::string_view, 8> kBenchmarkFields = {
    "family_index", "per_family_instance_index",
    "repetitions",  "repetition_index",
    "threads",      "iterations",
    "real_time",    "cpu_time"};

// Google Benchmark's fields of a run that are not numbers (json_reporter.cc): null there is not a
// non-finite figure.
constexpr std::array<std::string_view, 9> kBenchmarkTextFields = {
    "name",      "run_name",       "run_type",      "aggregate_name", "aggregate_unit",
    "time_unit", "error_occurred", "error_message", "label"};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool IsBenchmarkSuffix(std::string_view part) {
  if (part == "manual_time" || part == "real_time" || part == "process_time") return true;
  for (std::string_view key : {"iterations:", "repeats:", "threads:"}) {
    if (StartsWith(part, key)) return IsDigits(part.substr(key.size()));
  }
  return StartsWith(part, "min_time:") || StartsWith(part, "min_warmup_time:");
}

RepetitionState Classify(bool error_occurred, std::string_view message, std::string_view label) {
  if (StartsWith(message, "cache_contaminated") || StartsWith(label, "cache_contaminated")) {
    return RepetitionState::kCacheContaminated;
  }
  if (StartsWith(message, "disturbed")) return RepetitionState::kDisturbed;
  if (!error_occurred) return RepetitionState::kValid;
  if (StartsWith(message, "verify")) return RepetitionState::kVerificationFailed;
  return RepetitionState::kFailed;
}

// The repetition's manual time in seconds, from real_time in its time_unit; 0 when absent.
double WallSeconds(const json& entry) {
  const auto t = entry.find("real_time");
  if (t == entry.end() || !t->is_number()) return 0;
  const std::string unit = entry.value("time_unit", std::string("ns"));
  const double per_second = unit == "s" ? 1 : unit == "ms" ? 1e3 : unit == "us" ? 1e6 : 1e9;
  return t->get<double>() / per_second;
}

[[noreturn]] void Bad(std::string_view source, std::string_view what) {
  throw UsageError(fmt::format("results {}: {}", source, what));
}

std::string TypeName(const json& j) { return j.type_name(); }

const json& RequireObject(const json& parent, std::string_view key, std::string_view where,
                          std::string_view source) {
  const auto it = parent.find(key);
  if (it == parent.end()) Bad(source, fmt::format("missing key {}.{}", where, key));
  if (!it->is_object()) {
    Bad(source, fmt::format("{}.{} is {}; expected an object", where, key, TypeName(*it)));
  }
  return *it;
}

std::string RequireString(const json& parent, std::string_view key, std::string_view where,
                          std::string_view source) {
  const auto it = parent.find(key);
  if (it == parent.end()) Bad(source, fmt::format("missing key {}.{}", where, key));
  if (!it->is_string()) {
    Bad(source, fmt::format("{}.{} is {}; expected a string", where, key, TypeName(*it)));
  }
  return it->get<std::string>();
}

}  // namespace

bool WorkloadResults::Judgeable() const {
  return std::all_of(repetitions.begin(), repetitions.end(), [](const Repetition& r) {
    return r.state == RepetitionState::kValid || r.state == RepetitionState::kDisturbed;
  });
}

std::vector<double> WorkloadResults::Values(std::string_view counter) const {
  std::vector<double> values;
  for (const Repetition& r : repetitions) {
    if (r.state != RepetitionState::kValid) continue;
    const auto it = r.counters.find(std::string(counter));
    if (it != r.counters.end()) values.push_back(it->second);
  }
  return values;
}

const WorkloadResults* ResultsFile::Find(std::string_view workload) const {
  for (const WorkloadResults& w : workloads) {
    if (w.name == workload) return &w;
  }
  return nullptr;
}

std::vector<std::string> ResultsFile::Problems() const {
  std::vector<std::string> problems;
  for (const WorkloadResults& w : workloads) {
    for (const Repetition& r : w.repetitions) {
      if (r.state != RepetitionState::kValid) problems.push_back(ProblemLine(w, r));
    }
  }
  return problems;
}

std::string ProblemLine(const WorkloadResults& workload, const Repetition& r) {
  return fmt::format("{} #{}: {}", workload.name, r.repetition_index,
                     r.error_message.empty() ? r.label : r.error_message);
}

std::string WorkloadNameFromRunName(std::string_view run_name) {
  std::string_view name = run_name;
  while (true) {
    const auto slash = name.rfind('/');
    if (slash == std::string_view::npos || !IsBenchmarkSuffix(name.substr(slash + 1))) break;
    name = name.substr(0, slash);
  }
  return std::string(name);
}

namespace {

// context.feedbench: the versioned block that makes Google Benchmark JSON a feedbench results file.
void ParseFeedbenchContext(const json& context, std::string_view source, ResultsFile& results) {
  const auto feedbench_it = context.find("feedbench");
  if (feedbench_it == context.end()) {
    Bad(source, "missing key context.feedbench: not a feedbench results file");
  }
  json block = *feedbench_it;
  if (block.is_string()) {
    // Google Benchmark's AddCustomContext stores strings: the object may arrive serialised.
    block = json::parse(block.get<std::string>(), nullptr, /*allow_exceptions=*/false);
  }
  if (!block.is_object()) Bad(source, "context.feedbench is not an object");
  const auto version = block.find("schema_version");
  if (version == block.end() || !version->is_number_integer()) {
    Bad(source, "context.feedbench.schema_version is missing or not an integer");
  }
  results.schema_version = version->get<int>();
  if (results.schema_version != kResultsSchemaVersion) {
    Bad(source, fmt::format("context.feedbench.schema_version is {}; this feedbench reads {}",
                            results.schema_version, kResultsSchemaVersion));
  }
  results.suite = RequireString(block, "suite", "context.feedbench", source);
  results.dataset_hash = RequireString(block, "dataset_hash", "context.feedbench", source);
  results.machine = block.value("machine", json());
  results.device = block.value("device", json());
  const auto fv = block.find("feedbench_version");
  results.feedbench_version =
      fv != block.end() && fv->is_string() ? fv->get<std::string>() : "unknown";
  const auto date = context.find("date");
  if (date != context.end() && date->is_string()) results.date = date->get<std::string>();
}

// One repetition entry (run_type "iteration") of `benchmarks`, added to its workload.
void ParseRepetition(const json& entry, const std::string& where, std::string_view source,
                     ResultsFile& results) {
  std::string run_name;
  if (entry.contains("run_name") && entry["run_name"].is_string()) {
    run_name = entry["run_name"].get<std::string>();
  } else {
    run_name = RequireString(entry, "name", where, source);
  }
  const std::string workload = WorkloadNameFromRunName(run_name);
  auto it = std::find_if(results.workloads.begin(), results.workloads.end(),
                         [&](const WorkloadResults& w) { return w.name == workload; });
  if (it == results.workloads.end()) {
    results.workloads.push_back(WorkloadResults{workload, {}});
    it = results.workloads.end() - 1;
  }
  Repetition rep;
  rep.repetition_index =
      entry.contains("repetition_index") && entry["repetition_index"].is_number_integer()
          ? entry["repetition_index"].get<int>()
          : static_cast<int>(it->repetitions.size());
  for (const auto& [key, value] : entry.items()) {
    // A figure that was not measured is left out of the entry, never written as NaN, Infinity or
    // null: reading one as absent would drop the row from the gate, which then passes.
    const auto spelling = NonFiniteSpelling(value);
    if (!spelling ||
        (value.is_null() && std::find(kBenchmarkTextFields.begin(), kBenchmarkTextFields.end(),
                                      key) != kBenchmarkTextFields.end())) {
      continue;
    }
    Bad(source, fmt::format("{} ({} #{}): {} is {}; expected a finite number (a figure that was "
                            "not measured is left out, not written as NaN, Infinity or null)",
                            where, workload, rep.repetition_index, key, *spelling));
  }
  // Every field of the entry has the type Google Benchmark writes: a misspelt figure is bad
  // input, never a silently absent row.
  for (const auto& [key, value] : entry.items()) {
    const bool text = std::find(kBenchmarkTextFields.begin(), kBenchmarkTextFields.end(), key) !=
                      kBenchmarkTextFields.end();
    const std::string_view expected = key == "error_occurred" ? "a boolean"
                                      : text                  ? "a string"
                                                              : "a number";
    const bool ok = key == "error_occurred" ? value.is_boolean()
                    : text                  ? value.is_string() || value.is_null()
                                            : value.is_number();
    if (!ok) {
      Bad(source, fmt::format("{} ({} #{}): {} is {}; expected {}", where, workload,
                              rep.repetition_index, key, TypeName(value), expected));
    }
  }
  const bool error_occurred = entry.value("error_occurred", false);
  rep.error_message = entry.value("error_message", json()).is_string()
                          ? entry["error_message"].get<std::string>()
                          : std::string();
  rep.label = entry.value("label", json()).is_string() ? entry["label"].get<std::string>()
                                                       : std::string();
  rep.state = Classify(error_occurred, rep.error_message, rep.label);
  rep.wall_sec = WallSeconds(entry);
  for (const auto& [key, value] : entry.items()) {
    if (!value.is_number()) continue;
    if (std::find(kBenchmarkFields.begin(), kBenchmarkFields.end(), key) !=
        kBenchmarkFields.end()) {
      continue;
    }
    rep.counters[key] = value.get<double>();
  }
  it->repetitions.push_back(std::move(rep));
}

}  // namespace

ResultsFile ParseResults(const json& document, std::string_view source) {
  if (!document.is_object()) Bad(source, "expected a Google Benchmark JSON object");
  const json& context = RequireObject(document, "context", "(top level)", source);
  ResultsFile results;
  results.source = std::string(source);
  ParseFeedbenchContext(context, source, results);

  const auto benchmarks = document.find("benchmarks");
  if (benchmarks == document.end() || !benchmarks->is_array()) {
    Bad(source, "missing key benchmarks (an array of runs)");
  }
  std::size_t index = 0;
  for (const json& entry : *benchmarks) {
    const std::string where = fmt::format("benchmarks[{}]", index++);
    if (!entry.is_object()) Bad(source, where + " is not an object");
    const auto run_type = entry.find("run_type");
    if (run_type != entry.end() && !run_type->is_string()) {
      Bad(source, fmt::format("{}.run_type is {}; expected a string (iteration or aggregate)",
                              where, TypeName(*run_type)));
    }
    if (run_type != entry.end() && run_type->get<std::string>() != "iteration") continue;
    ParseRepetition(entry, where, source, results);
  }
  if (results.workloads.empty()) {
    Bad(source,
        "benchmarks has no repetitions (entries with run_type \"iteration\"); "
        "was it written with aggregates only?");
  }
  return results;
}

ResultsFile WithWorkloadsReplaced(ResultsFile original, const ResultsFile& rerun) {
  for (const WorkloadResults& w : rerun.workloads) {
    auto it = std::find_if(original.workloads.begin(), original.workloads.end(),
                           [&](const WorkloadResults& o) { return o.name == w.name; });
    if (it == original.workloads.end()) {
      original.workloads.push_back(w);
    } else {
      it->repetitions = w.repetitions;
    }
  }
  return original;
}

ResultsFile ReadResultsFile(const std::filesystem::path& path) {
  // Bare non-finite tokens are kept as markers, so that a repetition holding one is refused with
  // the token; elsewhere (Google Benchmark's aggregates and context) they read as null, as always.
  const std::string text = NonFiniteToMarkers(ReadWholeFile(path));
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    throw UsageError(fmt::format("results {}: not JSON", path.string()));
  }
  if (document.is_object()) {
    for (auto& [key, value] : document.items()) {
      if (key != "benchmarks" || !value.is_array()) {
        NonFiniteMarkersToNull(value);
        continue;
      }
      for (json& entry : value) {
        if (!entry.is_object() || entry.value("run_type", json("iteration")) != "iteration") {
          NonFiniteMarkersToNull(entry);
        }
      }
    }
  }
  return ParseResults(document, path.string());
}

}  // namespace feedbench
