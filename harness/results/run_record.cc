#include "harness/results/run_record.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <cmath>
#include <string_view>

#include "harness/base/atomic_file.h"
#include "harness/base/json_non_finite.h"
#include "harness/base/version.h"
#include "harness/results/gbench_adapter.h"
#include "harness/results/metrics.h"

namespace feedbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json RowToJson(const SampleRow& row) {
  const IostatFigures& f = row.figures;
  return json{{"timestamp", row.timestamp_utc},
              {"offset_sec", row.offset_sec},
              {"device", row.device},
              {"r_per_second", f.r_per_sec},
              {"rkb_per_second", f.rkb_per_sec},
              {"r_await_ms", f.r_await_ms},
              {"rareq_kb", f.rareq_kb},
              {"w_per_second", f.w_per_sec},
              {"wkb_per_second", f.wkb_per_sec},
              {"w_await_ms", f.w_await_ms},
              {"aqu_sz", f.aqu_sz},
              {"util_pct", f.util_pct}};
}

Repetition ToRepetition(const RepetitionMeasurement& m, int index) {
  Repetition rep;
  rep.repetition_index = index;
  rep.state = m.state;
  rep.error_message = m.reason;
  rep.label = m.label;
  rep.wall_sec = m.wall_sec;
  for (const MetricInfo& metric : KnownMetrics()) {
    // A non-finite figure was not measured: left out, so the file holds only finite counters
    // (the results reader refuses any other).
    const auto value = m.figures.Get(metric.id);
    if (value && std::isfinite(*value)) rep.counters[std::string(metric.name)] = *value;
  }
  return rep;
}

// context.feedbench.workloads[i]: how the workload was set up.
json DescribeWorkload(const WorkloadRun& run) {
  const SuiteWorkload& w = run.workload;
  json out{{"name", w.name},
           {"kind", WorkloadKindName(w.kind)},
           {"repetitions", run.repetitions},
           {"disturbed_reruns", run.reruns},
           {"added_repetitions", run.added},
           {"device", run.device.value_or("")}};
  // The interleaved round of each repetition, in file order (0: not run in rounds).
  json rounds = json::array();
  for (const RepetitionMeasurement& m : run.measurements) rounds.push_back(m.round);
  out["rounds"] = std::move(rounds);
  if (w.kind == WorkloadKind::kFio) {
    out["profile"] = w.profile;
    out["options"] = w.fio_options;
    // How fio ran, from the last repetition that ran it.
    for (auto it = run.measurements.rbegin(); it != run.measurements.rend(); ++it) {
      if (!it->tool_run) continue;
      out["fio"] = json{{"direct", it->tool_run->direct},
                        {"notes", it->tool_run->notes},
                        {"job_file", it->tool_run->job_file},
                        {"fio_output", it->tool_run->output_file}};
      break;
    }
    return out;
  }
  out.update(json{{"layout", LayoutName(w.layout)},
                  {"order", OrderName(w.order)},
                  {"cache", CacheModeName(run.cache)},
                  {"workers", w.settings.workers},
                  {"batch_size", w.settings.batch_size},
                  {"prefetch", w.settings.prefetch},
                  {"compute_ms_per_batch", w.settings.compute_ms_per_batch},
                  {"epochs", w.settings.epochs},
                  {"verify", w.settings.verify}});
  // The probe before each repetition (fio_probe.h): what it ran, or why there was none, and the
  // repetitions whose probe failed.
  json probe{{"ran", run.probe.has_value()}};
  if (run.probe) probe["job"] = *run.probe;
  if (!run.probe_skipped.empty()) probe["skipped"] = run.probe_skipped;
  json failures = json::array();
  for (size_t i = 0; i < run.measurements.size(); ++i) {
    const std::string& problem = run.measurements[i].probe_problem;
    if (!problem.empty()) failures.push_back({{"repetition_index", i}, {"problem", problem}});
  }
  if (!failures.empty()) probe["failures"] = std::move(failures);
  out["probe"] = std::move(probe);
  if (w.kind == WorkloadKind::kReader) {
    json warm{{"ran", run.warm_control}};
    if (!run.warm_control_skipped.empty()) warm["skipped"] = run.warm_control_skipped;
    out["warm_control"] = std::move(warm);
  }
  return out;
}

json FeedbenchContext(const SuiteRun& run, const std::vector<Efficiency>& efficiencies) {
  json datasets = json::array();
  for (const DatasetUse& d : run.datasets) {
    json entry{{"layout", LayoutName(d.layout)},
               {"dir", d.dir.string()},
               {"reused", d.reused},
               {"generate_sec", d.generate_sec},
               {"total_bytes", d.total_bytes},
               {"samples", d.samples},
               {"disk_bytes", d.disk_bytes},
               {"disk_per_payload", d.total_bytes > 0 ? static_cast<double>(d.disk_bytes) /
                                                            static_cast<double>(d.total_bytes)
                                                      : 0.0},
               {"creation_sec", d.creation_sec}};
    // Creation rate from the manifest's generation time (including its final sync).
    if (d.creation_sec > 0) {
      entry["creation_samples_per_second"] = static_cast<double>(d.samples) / d.creation_sec;
      entry["creation_bytes_per_second"] = static_cast<double>(d.total_bytes) / d.creation_sec;
    }
    if (d.shard_bytes > 0) {
      entry["shard_bytes"] = d.shard_bytes;
      entry["containers"] = d.containers;
    }
    datasets.push_back(std::move(entry));
  }
  json workloads = json::array();
  for (const WorkloadRun& w : run.workloads) workloads.push_back(DescribeWorkload(w));
  const DatasetSpec& spec = run.suite.spec;
  json context{{"schema_version", kResultsSchemaVersion},
               {"feedbench_version", std::string(FeedbenchVersion())},
               {"suite", run.suite.name},
               {"suite_definition", SuiteToJson(run.suite)},
               {"dataset", ToJson(spec)},
               {"dataset_hash", SpecHash(spec)},
               {"dataset_total_bytes", TotalBytes(spec)},
               {"datasets", std::move(datasets)},
               {"data_dir", run.data_dir.string()},
               {"cache_mode", run.cache_mode},
               {"interval_ms", run.interval_ms},
               {"rounds", run.rounds},
               {"order_seed", run.order_seed},
               {"workloads", std::move(workloads)},
               {"machine", run.fingerprint.machine},
               {"device", run.fingerprint.device},
               {"started_utc", run.started_utc},
               {"finished_utc", run.finished_utc},
               {"efficiency", ToJson(efficiencies)},
               {"wall_sec", run.wall_sec}};
  // Under mpirun: the job's ranks and nodes, and each one's figures (harness/suite/rank_merge.h).
  if (!run.mpi.is_null()) context["mpi"] = run.mpi;
  // fio's client/server mode: the servers and each one's figures (workloads/fio/fio_clients.h).
  if (!run.fio_clients.is_null()) context["fio_clients"] = run.fio_clients;
  return context;
}


json TimelineDocument(const SuiteRun& run) {
  json timelines = json::object();
  for (const WorkloadRun& w : run.workloads) {
    json reps = json::array();
    for (const RepetitionMeasurement& m : w.measurements) {
      json rows = json::array();
      for (const SampleRow& row : m.timeline) rows.push_back(RowToJson(row));
      reps.push_back(std::move(rows));
    }
    timelines[w.workload.name] = std::move(reps);
  }
  return json{{"schema_version", kResultsSchemaVersion},
              {"interval_ms", run.interval_ms},
              {"workloads", std::move(timelines)}};
}

}  // namespace

ResultsFile ResultsModelOf(const SuiteRun& run, const std::string& source) {
  ResultsFile model;
  model.source = source;
  model.schema_version = kResultsSchemaVersion;
  model.suite = run.suite.name;
  model.dataset_hash = SpecHash(run.suite.spec);
  model.machine = run.fingerprint.machine;
  model.device = run.fingerprint.device;
  model.feedbench_version = FeedbenchVersion();
  for (const WorkloadRun& w : run.workloads) {
    WorkloadResults results{w.workload.name, {}};
    for (size_t i = 0; i < w.measurements.size(); ++i) {
      results.repetitions.push_back(ToRepetition(w.measurements[i], static_cast<int>(i)));
    }
    model.workloads.push_back(std::move(results));
  }
  return model;
}

RecordedRun RecordRun(const SuiteRun& run, const std::string& source) {
  RecordedRun out;
  out.model = ResultsModelOf(run, source);
  std::vector<SuiteWorkload> workloads;
  for (const WorkloadRun& w : run.workloads) workloads.push_back(w.workload);
  out.efficiencies = ComputeEfficiencies(workloads, SummarizeResults(out.model));
  out.results = ToGoogleBenchmarkJson(out.model);
  out.results["context"]["feedbench"] = FeedbenchContext(run, out.efficiencies);
  if (out.results["context"].contains("date")) {
    out.model.date = out.results["context"]["date"].get<std::string>();
  }
  out.timeline = TimelineDocument(run);
  out.wall_sec = run.wall_sec;
  out.any_failed = run.AnyFailed();
  return out;
}

namespace {

// XXH3-64 of the timeline's exact bytes, as 16 lowercase hex digits.
std::string TimelineDigest(std::string_view timeline_text) {
  return fmt::format("{:016x}", XXH3_64bits(timeline_text.data(), timeline_text.size()));
}

}  // namespace

fs::path WriteRunFiles(const RecordedRun& run, const fs::path& results_path) {
  const fs::path timeline_path = TimelinePathFor(results_path);
  json timeline = run.timeline;
  timeline["results_file"] = results_path.filename().string();
  const std::string timeline_text = timeline.dump() + "\n";
  json results = run.results;
  results["context"]["feedbench"]["timeline_file"] = timeline_path.filename().string();
  results["context"]["feedbench"]["timeline_xxh3"] = TimelineDigest(timeline_text);
  // The timeline first, the results last: a results file is only ever beside the timeline it
  // names, written before it; a run stopped in between leaves a timeline whose digest no results
  // file carries (TimelineMatchesResults).
  WriteFileAtomic(timeline_path, timeline_text);
  WriteFileAtomic(results_path, results.dump(2) + "\n");
  return timeline_path;
}

bool TimelineMatchesResults(const fs::path& results_path) {
  try {
    const json results = json::parse(NonFiniteToNull(ReadWholeFile(results_path)));
    const json& context = results.at("context").at("feedbench");
    const fs::path timeline_path =
        results_path.parent_path() / context.at("timeline_file").get<std::string>();
    std::error_code ec;
    if (!fs::exists(timeline_path, ec)) return false;
    return TimelineDigest(ReadWholeFile(timeline_path)) ==
           context.at("timeline_xxh3").get<std::string>();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace feedbench
