#include "harness/suite/suite_run.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>

#include "harness/base/atomic_file.h"
#include "harness/os/data_dir.h"
#include "harness/os/device.h"
#include "harness/base/errors.h"
#include "harness/measure/fingerprint.h"
#include "workloads/fio/fio_workload.h"
#include "harness/results/results.h"
#include "harness/results/results_reader.h"
#include "harness/suite/runner.h"
#include "harness/measure/sampler.h"
#include "harness/base/time_format.h"
#include "workloads/dataset/dataset.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/fio/fio_profiles.h"
#include "workloads/reader/workload.h"

namespace feedbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json RowToJson(const SampleRow& row) {
  const IostatFigures& f = row.figures;
  return json{{"timestamp", row.timestamp_utc}, {"offset_sec", row.offset_sec},
              {"device", row.device},           {"r_per_second", f.r_per_sec},
              {"rkb_per_second", f.rkb_per_sec}, {"r_await_ms", f.r_await_ms},
              {"rareq_kb", f.rareq_kb},          {"w_per_second", f.w_per_sec},
              {"wkb_per_second", f.wkb_per_sec}, {"w_await_ms", f.w_await_ms},
              {"aqu_sz", f.aqu_sz},              {"util_pct", f.util_pct}};
}

// The figures of one repetition as Google Benchmark counters (names carry units).
RepetitionOutcome ToOutcome(const WorkloadResult& r) {
  RepetitionOutcome o;
  const ReaderResult& rd = r.reader;
  o.wall_sec = rd.wall_sec;
  o.counters = {{"samples_per_second", rd.samples_per_sec},
                {"bytes_per_second", rd.bytes_per_sec},
                {"samples", static_cast<double>(rd.samples)},
                {"bytes", static_cast<double>(rd.bytes)},
                {"lat_p50_us", rd.lat_p50_us},
                {"lat_p95_us", rd.lat_p95_us},
                {"lat_p99_us", rd.lat_p99_us},
                {"lat_max_us", rd.lat_max_us},
                {"consumer_wait_sec", rd.consumer_wait_sec},
                {"au_pct", rd.au_pct}};
  if (r.device_summary) {
    const WindowSummary& s = *r.device_summary;
    o.counters["device_read_bytes"] = static_cast<double>(s.read_bytes);
    o.counters["r_await_ms"] = s.figures.r_await_ms;
    o.counters["r_per_second"] = s.figures.r_per_sec;
    o.counters["rareq_kb"] = s.figures.rareq_kb;
    o.counters["aqu_sz"] = s.figures.aqu_sz;
    o.counters["util_pct"] = s.figures.util_pct;
  }
  if (r.device_read_ratio) o.counters["device_read_ratio"] = *r.device_read_ratio;
  o.label = r.cache_method + (r.device ? " " + *r.device : std::string(" no-device"));
  if (rd.verify_error) {
    o.error = "verify: " + *rd.verify_error;
    o.failed = true;
  } else if (r.cache_contaminated) {
    o.error = fmt::format(
        "cache_contaminated: device read ratio {:.3f} < {} after {} (the device delivered {} of "
        "{} bytes read)",
        r.device_read_ratio.value_or(0), kContaminatedBelowRatio, r.cache_method,
        r.device_summary ? r.device_summary->read_bytes : 0, rd.bytes);
  }
  for (const auto& row : r.timeline) o.timeline.push_back(RowToJson(row));
  return o;
}

// A fio repetition: fio's figures, the sampled device and fio's own disk_util, as counters.
RepetitionOutcome ToOutcome(const FioMeasurement& m, const std::optional<std::string>& device) {
  RepetitionOutcome o;
  o.wall_sec = m.run.wall_sec;
  for (const auto& [name, value] : m.Counters()) o.counters[name] = value;
  o.label = std::string("fio ") + (m.direct ? "direct" : "buffered") +
            (device ? " " + *device : std::string(" no-device"));
  for (const auto& row : m.timeline) o.timeline.push_back(RowToJson(row));
  return o;
}

// The dataset a workload reads, if any: fio's smallfile reads the suite's files layout; the other
// fio profiles read a test file of their own.
std::optional<Layout> DatasetLayoutFor(const SuiteWorkload& w) {
  if (w.kind == "fio") {
    return w.profile == "smallfile" ? std::optional<Layout>(Layout::kFiles) : std::nullopt;
  }
  return w.layout == "lmdb" ? Layout::kLmdb : Layout::kFiles;  // tmpfs stages the files layout
}

std::string FioOptionsWhere(const Suite& suite, const SuiteWorkload& w) {
  return fmt::format("{}: workload {} options", suite.source, w.name);
}

}  // namespace

std::vector<SuiteWorkload> SelectWorkloads(const Suite& suite, const RunRequest& request) {
  std::optional<std::regex> re;
  if (request.filter) {
    try {
      re.emplace(*request.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw UsageError(
          fmt::format("--filter '{}': not a valid regular expression: {}", *request.filter, e.what()));
    }
  }
  std::vector<SuiteWorkload> out;
  std::string names;
  for (const auto& w : suite.workloads) {
    names += (names.empty() ? "" : ", ") + w.name;
    if (re && !std::regex_search(w.name, *re)) continue;
    if (!request.only.empty() &&
        std::find(request.only.begin(), request.only.end(), w.name) == request.only.end()) {
      continue;
    }
    out.push_back(w);
  }
  if (out.empty()) {
    throw UsageError(fmt::format("--filter '{}': matches no workload of suite {}; workloads: {}",
                                 request.filter.value_or(""), suite.name, names));
  }
  return out;
}

void ValidateRequest(const Suite& suite, const RunRequest& request) {
  if (request.repetitions && (*request.repetitions < 1 || *request.repetitions > 1000)) {
    throw UsageError(fmt::format("--repetitions {}: expected an integer in [1, 1000]",
                                 *request.repetitions));
  }
  if (request.cache && *request.cache != "cold" && *request.cache != "warm") {
    throw UsageError(fmt::format("--cache {}: expected cold or warm", *request.cache));
  }
  if (request.interval_ms < 1 || request.interval_ms > 60000) {
    throw UsageError(fmt::format("--interval-ms {}: expected 1 to 60000 milliseconds",
                                 request.interval_ms));
  }
  DatasetSpecFromJson(suite.dataset, suite.source + ": dataset");
  for (const auto& w : SelectWorkloads(suite, request)) {
    if (w.kind != "fio") continue;
    FioWorkloadOptions scratch;
    ApplyFioSuiteOptions(w.fio_options, FioOptionsWhere(suite, w), scratch);
    // A profile that is not built in is a .fio file: it must exist and pass the raw-device and
    // read-only checks before anything runs (fio runs in <data dir>/fio, so relative paths in
    // it are taken from there).
    if (!IsBuiltinFioProfile(w.profile)) {
      const fs::path path(w.profile);
      if (path.extension() != ".fio" && !fs::exists(path)) MakeFioProfile(w.profile, {});
      LoadFioJobFile(path, fs::absolute(request.data_dir) / kFioSubdir);
    }
  }
}

SuiteRunOutput RunSuite(const Suite& suite, const RunRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  const std::string started_utc = UtcIsoMillis(std::chrono::system_clock::now());
  ValidateRequest(suite, request);
  const DatasetSpec spec = DatasetSpecFromJson(suite.dataset, suite.source + ": dataset");
  const std::vector<SuiteWorkload> selected = SelectWorkloads(suite, request);
  DataDir data_dir(request.data_dir, "--data-dir");

  // Datasets: one directory per layout on disk; generated once, reused when the spec matches.
  std::map<Layout, fs::path> dataset_dirs;
  for (const auto& w : selected) {
    if (const auto layout = DatasetLayoutFor(w)) dataset_dirs[*layout] = fs::path();
  }
  const bool runs_fio =
      std::any_of(selected.begin(), selected.end(), [](const auto& w) { return w.kind == "fio"; });
  json datasets_json = json::array();
  for (auto& [layout, dir] : dataset_dirs) {
    dir = DefaultDatasetDir(data_dir.path(), spec, layout);
    if (!request.quiet) {
      fmt::print(stderr, "feedbench: dataset {} ({} samples, {}) in {}\n", LayoutName(layout),
                 spec.samples, DescribeSizes(spec.sizes), dir.string());
    }
    EnsureOptions ensure_options;
    ensure_options.progress = !request.quiet;
    const EnsureResult ensured = EnsureDataset(dir, spec, layout, ensure_options);
    datasets_json.push_back({{"layout", LayoutName(layout)},
                             {"dir", dir.string()},
                             {"reused", ensured.reused},
                             {"generate_sec", ensured.generate_sec},
                             {"total_bytes", ensured.manifest.total_bytes}});
  }
  // Remove generated datasets at the end, also when the run fails, unless asked to keep them.
  struct Cleanup {
    const RunRequest& request;
    const std::map<Layout, fs::path>& dirs;
    DataDir& data_dir;
    std::map<Layout, std::unique_ptr<PreparedDataset>> prepared;
    bool runs_fio = false;
    ~Cleanup() {
      prepared.clear();
      if (request.keep_data) return;
      if (runs_fio) {
        // fio's test file and each run's job file and output: all under <data dir>/fio.
        std::error_code ec;
        fs::remove_all(data_dir.path() / kFioSubdir, ec);
      }
      for (const auto& [layout, dir] : dirs) {
        try {
          RemoveDataset(dir);
        } catch (const std::exception& e) {
          fmt::print(stderr, "feedbench: warning: could not remove {}: {}\n", dir.string(), e.what());
        }
      }
      data_dir.RemoveIfEmptyAndOurs();
    }
  } cleanup{request, dataset_dirs, data_dir, {}, runs_fio};

  std::vector<PlannedWorkload> plan;
  json workloads_json = json::array();
  const CacheMode forced_cache =
      request.cache ? ParseCacheMode(*request.cache, "--cache") : CacheMode::kCold;
  // What each fio workload's last repetition said (direct or buffered, notes, files), for context.
  auto fio_info = std::make_shared<std::map<std::string, json>>();
  for (size_t i = 0; i < selected.size(); ++i) {
    const SuiteWorkload& w = selected[i];
    if (w.kind == "fio") {
      FioWorkloadOptions fio;
      fio.profile = w.profile;
      fio.data_dir = data_dir.path();
      // A ceiling needs enough parallel readers to keep the device busy, and never fewer than
      // the loader it bounds has workers.
      fio.smallfile_jobs = std::max(fio.smallfile_jobs, w.settings.workers);
      ApplyFioSuiteOptions(w.fio_options, FioOptionsWhere(suite, w), fio);
      if (w.profile == "smallfile") fio.dataset_dir = dataset_dirs.at(Layout::kFiles) / "data";
      const PathDevice where = ResolvePath(data_dir.path());
      std::optional<std::string> device;
      if (where.device) {
        device = where.device->name;
        fio.devices = {*device};
      }
      fio.sample_interval = std::chrono::milliseconds(request.interval_ms);
      const int repetitions = request.repetitions.value_or(w.settings.repetitions);
      workloads_json.push_back({{"name", w.name},
                                {"kind", w.kind},
                                {"profile", w.profile},
                                {"options", w.fio_options},
                                {"repetitions", repetitions},
                                {"device", device.value_or("")}});
      plan.push_back(PlannedWorkload{.name = w.name,
                                     .repetitions = repetitions,
                                     .run = [fio, device, fio_info, name = w.name](int) {
                                       const FioMeasurement m = MeasureFioProfile(fio);
                                       (*fio_info)[name] =
                                           json{{"direct", m.direct},
                                                {"notes", m.notes},
                                                {"job_file", m.run.job_path.string()},
                                                {"fio_output", m.run.output_path.string()}};
                                       return ToOutcome(m, device);
                                     }});
      continue;
    }
    const Layout layout = ParseLayout(w.layout, "layout");
    if (!cleanup.prepared.contains(layout)) {
      StagingOptions staging;
      staging.tmpfs_dir = request.tmpfs_dir;
      cleanup.prepared[layout] =
          std::make_unique<PreparedDataset>(dataset_dirs.at(*DatasetLayoutFor(w)), layout, staging);
    }
    PreparedDataset* dataset = cleanup.prepared[layout].get();
    WorkloadOptions options;
    options.reader.order = ParseOrder(w.order, "order");
    options.reader.workers = w.settings.workers;
    options.reader.batch_size = w.settings.batch_size;
    options.reader.prefetch = w.settings.prefetch;
    options.reader.compute_ms_per_batch = w.settings.compute_ms_per_batch;
    options.reader.epochs = w.settings.epochs;
    options.reader.verify = w.settings.verify;
    options.cache = request.cache ? forced_cache : ParseCacheMode(w.settings.cache, "cache");
    options.sample_interval = std::chrono::milliseconds(request.interval_ms);
    const int repetitions = request.repetitions.value_or(w.settings.repetitions);
    workloads_json.push_back({{"name", w.name},
                              {"kind", w.kind},
                              {"layout", w.layout},
                              {"order", w.order},
                              {"cache", CacheModeName(options.cache)},
                              {"repetitions", repetitions},
                              {"workers", w.settings.workers},
                              {"batch_size", w.settings.batch_size},
                              {"prefetch", w.settings.prefetch},
                              {"compute_ms_per_batch", w.settings.compute_ms_per_batch},
                              {"epochs", w.settings.epochs},
                              {"verify", w.settings.verify},
                              {"device", dataset->device().value_or("")}});
    plan.push_back(PlannedWorkload{
        .name = w.name,
        .repetitions = repetitions,
        .run = [dataset, options, seed = spec.seed](int repetition) {
          WorkloadOptions o = options;
          // A new, reproducible shuffle per repetition.
          o.reader.shuffle_seed = seed * 1000003ULL + static_cast<uint64_t>(repetition);
          return ToOutcome(dataset->RunOnce(o));
        }});
  }

  ProgressFn progress;
  if (!request.quiet) {
    progress = [](const std::string& name, size_t index, size_t count, int rep, int reps) {
      fmt::print(stderr, "feedbench: [{}/{}] {} repetition {}/{}\n", index + 1, count, name, rep + 1,
                 reps);
    };
  }
  RunnerOutput ran = RunWithGoogleBenchmark(plan, progress);

  SuiteRunOutput out;
  out.results = std::move(ran.results);
  json timelines = json::object();
  for (const auto& w : ran.workloads) {
    json reps = json::array();
    for (const auto& rep : w.repetitions) {
      reps.push_back(rep.timeline);
      out.any_failed = out.any_failed || rep.failed;
    }
    timelines[w.name] = std::move(reps);
  }
  out.timeline = json{{"schema_version", kResultsSchemaVersion},
                      {"interval_ms", request.interval_ms},
                      {"workloads", std::move(timelines)}};

  for (auto& w : workloads_json) {
    const auto it = fio_info->find(w["name"].get<std::string>());
    if (it != fio_info->end()) w["fio"] = it->second;
  }
  const Fingerprint fingerprint = TakeFingerprint(data_dir.path());
  out.results["context"]["feedbench"] = json{
      {"schema_version", kResultsSchemaVersion},
      {"feedbench_version", FEEDBENCH_VERSION},
      {"suite", suite.name},
      {"suite_definition", SuiteToJson(suite)},
      {"dataset", ToJson(spec)},
      {"dataset_hash", SpecHash(spec)},
      {"dataset_total_bytes", TotalBytes(spec)},
      {"datasets", datasets_json},
      {"data_dir", data_dir.path().string()},
      {"cache_mode", request.cache.value_or(suite.defaults.cache)},
      {"interval_ms", request.interval_ms},
      {"workloads", workloads_json},
      {"machine", fingerprint.machine},
      {"device", fingerprint.device},
      {"started_utc", started_utc},
      {"finished_utc", UtcIsoMillis(std::chrono::system_clock::now())}};
  out.efficiencies = ComputeEfficiencies(
      workloads_json, SummarizeResults(ParseResults(out.results, suite.name + " results")));
  out.results["context"]["feedbench"]["efficiency"] = ToJson(out.efficiencies);
  out.wall_sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.results["context"]["feedbench"]["wall_sec"] = out.wall_sec;
  return out;
}

fs::path WriteRunFiles(const SuiteRunOutput& output, const fs::path& results_path) {
  const fs::path timeline_path = TimelinePathFor(results_path);
  json results = output.results;
  results["context"]["feedbench"]["timeline_file"] = timeline_path.filename().string();
  WriteFileAtomic(timeline_path, output.timeline.dump() + "\n");
  WriteFileAtomic(results_path, results.dump(2) + "\n");
  return timeline_path;
}

}  // namespace feedbench
