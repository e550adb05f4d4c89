#include "harness/suite/suite_run.h"

#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <stdexcept>

#include "harness/base/errors.h"
#include "harness/base/time_format.h"
#include "harness/os/data_dir.h"
#include "harness/os/device.h"
#include "harness/os/interrupt.h"
#include "harness/suite/accelerators.h"
#include "harness/suite/round_order.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/tmpfs_staging.h"
#include "workloads/fio/fio.h"
#include "workloads/fio/fio_probe.h"
#include "workloads/fio/fio_profiles.h"
#include "workloads/fio/fio_workload.h"
#include "workloads/reader/reader_workload.h"

namespace feedbench {
namespace fs = std::filesystem;

// Named rather than anonymous: SuiteSession::State holds a RunDatasets, and a member of an
// anonymous-namespace type in a class with linkage is what GCC warns about in unity builds.
namespace session_detail {

// The data directory and the datasets of one run, from the moment the directory is taken: what
// this run generated or staged is removed when it ends, also when preparing a later dataset or a
// repetition fails or the run is interrupted, unless the request keeps data (and then a dataset
// whose generation did not complete is removed all the same). Declared before anything is
// generated, so that no failure can leave a dataset behind.
class RunDatasets {
 public:
  RunDatasets(const RunRequest& request, const DatasetSpec& spec)
      : request_(request), spec_(spec), data_dir_(request.data_dir, "--data-dir") {}
  ~RunDatasets() { Cleanup(); }
  RunDatasets(const RunDatasets&) = delete;
  RunDatasets& operator=(const RunDatasets&) = delete;

  const fs::path& path() const { return data_dir_.path(); }
  const std::vector<DatasetUse>& uses() const { return uses_; }
  void set_runs_fio() { runs_fio_ = true; }
  // A fio run failed: its messages name its job file, output and stderr, so those stay when the
  // run ends (the test file is removed all the same, unless the request keeps data).
  void keep_fio_run_files() { keep_fio_run_files_ = true; }

  // Generates (or reuses) the dataset of `layout` (cut at `shard_bytes` when packed), once;
  // returns its directory.
  const fs::path& Ensure(Layout layout, uint64_t shard_bytes = 0) {
    const DatasetKey key{layout, PackFormatOf(layout) ? shard_bytes : 0};
    const auto it = dirs_.find(key);
    if (it != dirs_.end()) return it->second;
    const fs::path dir = DefaultDatasetDir(data_dir_.path(), spec_, layout, key.shard_bytes);
    // Registered before generation: a generation that fails half-way is removed too.
    const fs::path& registered = dirs_.emplace(key, dir).first->second;
    if (!request_.quiet) {
      fmt::print(stderr, "feedbench: dataset {} ({} samples, {}) in {}\n", LayoutName(layout),
                 spec_.samples, DescribeSizes(spec_.sizes), dir.string());
    }
    EnsureOptions options;
    options.progress = !request_.quiet;
    if (key.shard_bytes > 0) options.shard_bytes = key.shard_bytes;
    const EnsureResult ensured = EnsureDataset(dir, spec_, layout, options);
    const Manifest& m = ensured.manifest;
    uses_.push_back(DatasetUse{.layout = layout,
                               .dir = dir,
                               .reused = ensured.reused,
                               .generate_sec = ensured.generate_sec,
                               .total_bytes = m.total_bytes,
                               .samples = m.samples,
                               .shard_bytes = m.shard_bytes,
                               .containers = m.containers,
                               // A manifest from before disk_bytes was recorded: measured now.
                               .disk_bytes = m.disk_bytes > 0 ? m.disk_bytes : DatasetDiskBytes(dir),
                               .creation_sec = m.generate_sec});
    return registered;
  }

  // The dataset prepared for reading as `layout` (tmpfs: staged from the files layout), once per
  // dataset directory and layout.
  PreparedDataset& Prepared(Layout layout, const fs::path& dir) {
    auto& slot = prepared_[{layout, dir}];
    if (!slot) {
      StagingOptions staging;
      staging.tmpfs_dir = request_.tmpfs_dir;
      if (layout == Layout::kTmpfs && !request_.quiet) {
        fmt::print(stderr, "feedbench: staging the files dataset {} in {}\n", dir.string(),
                   request_.tmpfs_dir.string());
      }
      try {
        slot = std::make_unique<PreparedDataset>(dir, layout, staging);
      } catch (const Interrupted&) {
        // The staging removed its partial copy before it threw.
        if (layout == Layout::kTmpfs) {
          notes_.push_back(fmt::format("removed the partial tmpfs staging of {} in {}",
                                       dir.string(), request_.tmpfs_dir.string()));
        }
        throw;
      }
    }
    return *slot;
  }

  // Removes what the run generated and the data directory if this run created it and left it
  // empty; with --keep-data it keeps the datasets whose generation completed (and fio's files),
  // and still removes one whose generation did not. Once: later calls do nothing. Returns what it
  // removed and kept ("removed the partial files dataset /d/files-…"), in that order.
  std::vector<std::string> Cleanup() noexcept {
    std::vector<std::string> done;
    if (cleaned_) return done;
    cleaned_ = true;
    done = notes_;
    std::vector<fs::path> stagings;
    for (const auto& [key, prepared] : prepared_) {
      if (key.first == Layout::kTmpfs && prepared) stagings.push_back(prepared->read_root());
    }
    prepared_.clear();  // unstages tmpfs, releases dataset locks
    for (const fs::path& staging : stagings) {
      std::error_code ec;
      if (!fs::exists(staging, ec)) {
        done.push_back(fmt::format("removed the tmpfs staging {}", staging.string()));
      }
    }
    if (runs_fio_ && !request_.keep_data) RemoveFioFiles();
    for (const auto& [key, dir] : dirs_) {
      const Layout layout = key.layout;
      std::error_code ec;
      if (!fs::exists(dir, ec)) continue;  // stopped before it was made
      bool complete = false;
      try {
        const std::optional<Manifest> manifest = ReadManifest(dir);
        complete = manifest && manifest->complete;
        // Made, but stopped before its manifest: an empty directory of this run's.
        if (!manifest && fs::is_empty(dir, ec) && fs::remove(dir, ec)) {
          done.push_back(fmt::format("removed the empty dataset directory {}", dir.string()));
          continue;
        }
      } catch (const std::exception&) {
        // A corrupt manifest: RemoveDataset below refuses it and says so.
      }
      if (request_.keep_data && complete) {
        done.push_back(
            fmt::format("kept the {} dataset {} (--keep-data)", LayoutName(layout), dir.string()));
        continue;
      }
      try {
        const size_t left = RemoveDataset(dir);
        done.push_back(
            fmt::format("removed the {} {} dataset {}{}", complete ? "complete" : "partial",
                        LayoutName(layout), dir.string(),
                        left == 0 ? "" : fmt::format(" ({} entries not feedbench's left)", left)));
      } catch (const std::exception& e) {
        fmt::print(stderr, "feedbench: warning: could not remove {}: {}\n", dir.string(), e.what());
      }
    }
    try {
      if (data_dir_.RemoveIfEmptyAndOurs()) {
        done.push_back(fmt::format("removed the data directory {} (made by this run, left empty)",
                                   data_dir_.path().string()));
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "feedbench: warning: could not remove {}: {}\n", data_dir_.path().string(),
                 e.what());
    }
    std::stable_partition(done.begin(), done.end(),
                          [](const std::string& line) { return line.starts_with("removed"); });
    return done;
  }

  // fio's test file and each run's job file, output and stderr: all under <data dir>/fio. After a
  // failed fio run, only the test file (and any half-written copy of it) goes.
  void RemoveFioFiles() noexcept {
    const fs::path dir = data_dir_.path() / kFioSubdir;
    std::error_code ec;
    if (!keep_fio_run_files_) {
      fs::remove_all(dir, ec);
      return;
    }
    const std::string test_file(kFioTestFileName);
    std::vector<fs::path> doomed;  // collected first: removing while iterating is unspecified
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name == test_file || name.starts_with("." + test_file + ".tmp.")) {
        doomed.push_back(it->path());
      }
    }
    for (const fs::path& path : doomed) {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
    if (!request_.quiet) {
      fmt::print(stderr,
                 "feedbench: kept fio's job files, output and stderr in {}: a fio run failed "
                 "and its message names them\n",
                 dir.string());
    }
  }

 private:
  const RunRequest& request_;
  const DatasetSpec& spec_;
  DataDir data_dir_;
  // A dataset is one layout, and for the packed layouts one shard size.
  struct DatasetKey {
    Layout layout = Layout::kFiles;
    uint64_t shard_bytes = 0;
    auto operator<=>(const DatasetKey&) const = default;
  };
  std::map<DatasetKey, fs::path> dirs_;
  std::map<std::pair<Layout, fs::path>, std::unique_ptr<PreparedDataset>> prepared_;
  std::vector<DatasetUse> uses_;
  bool runs_fio_ = false;
  bool keep_fio_run_files_ = false;
  bool cleaned_ = false;
  std::vector<std::string> notes_;  // what an interrupted staging removed, for Cleanup to report
};

// A reader workload with the probe right before each repetition: the probe's figures go into the
// repetition's (probe_bytes_per_second, probe_efficiency_pct). A probe that fails leaves its
// repetition without them, saying why in probe_problem; the repetition itself still runs.
class ProbedWorkload : public Workload {
 public:
  ProbedWorkload(std::unique_ptr<Workload> inner, ProbeJob job, ProbeOptions options)
      : inner_(std::move(inner)), job_(std::move(job)), options_(std::move(options)) {}

  RepetitionMeasurement RunOnce(int repetition) override {
    std::optional<ProbeResult> probe;
    std::string problem;
    try {
      probe = RunProbe(job_, options_);
    } catch (const EnvironmentError&) {
      throw;
    } catch (const Interrupted&) {
      throw;
    } catch (const std::exception& e) {
      problem = e.what();
    }
    RepetitionMeasurement m = inner_->RunOnce(repetition);
    m.probe_problem = std::move(problem);
    if (probe) {
      m.figures.Set(Metric::kProbeBytesPerSecond, probe->bytes_per_second);
      if (const auto bytes_per_second = m.figures.Get(Metric::kBytesPerSecond)) {
        m.figures.Set(Metric::kProbeEfficiencyPct,
                      100.0 * *bytes_per_second / probe->bytes_per_second);
      }
    }
    return m;
  }

 private:
  std::unique_ptr<Workload> inner_;
  ProbeJob job_;
  ProbeOptions options_;
};

// One planned workload: what the run records of it, and the Workload that measures it.
struct PlannedWorkload {
  WorkloadRun run;
  std::unique_ptr<Workload> workload;
};

PlannedWorkload PlanFio(const SuiteWorkload& w, const RunRequest& request, RunDatasets& data) {
  PlannedWorkload p;
  FioWorkloadOptions fio = w.fio;
  fio.data_dir = data.path();
  if (const auto layout = w.DatasetLayout()) fio.dataset_dir = data.Ensure(*layout) / "data";
  const PathDevice where = ResolvePath(data.path());
  if (where.device) {
    p.run.device = where.device->name;
    fio.devices = {where.device->name};
  }
  fio.sample_interval = std::chrono::milliseconds(request.interval_ms);
  data.set_runs_fio();
  p.workload = std::make_unique<FioWorkload>(std::move(fio));
  return p;
}

PlannedWorkload PlanReader(const SuiteWorkload& w, const RunRequest& request,
                           const DatasetSpec& spec, RunDatasets& data, int consumers = 1,
                           uint64_t max_batches = 0) {
  PlannedWorkload p;
  PreparedDataset& dataset =
      data.Prepared(w.layout, data.Ensure(*w.DatasetLayout(), w.shard_bytes));
  WorkloadOptions options;
  options.reader.order = w.order;
  options.reader.workers = w.settings.workers;
  options.reader.batch_size = w.settings.batch_size;
  options.reader.prefetch = w.settings.prefetch;
  options.reader.compute_ms_per_batch = w.settings.compute_ms_per_batch;
  options.reader.epochs = w.settings.epochs;
  options.reader.verify = w.settings.verify;
  options.reader.shuffle_buffer = w.shuffle_buffer;
  options.reader.consumers = consumers;
  options.reader.max_batches = max_batches;
  options.cache = request.cache ? ParseCacheMode(*request.cache, "--cache") : w.settings.cache;
  options.sample_interval = std::chrono::milliseconds(request.interval_ms);
  p.run.cache = options.cache;
  p.run.device = dataset.device();
  p.workload = std::make_unique<ReaderWorkload>(dataset, std::move(options), spec.seed);
  return p;
}

// Why a reader workload gets no probe under `request`, or nullopt when it gets one.
std::optional<std::string> ProbeSkipped(const WorkloadRun& run, const RunRequest& request) {
  if (request.probe == ProbeMode::kOff) return "--probe off";
  if (const auto why = ProbeNotApplicable(run.workload.layout)) return why;
  if (run.cache != CacheMode::kCold) {
    return "warm repetitions read the page cache: a cold probe does not bound them";
  }
  if (!run.device) return "no device under the dataset: nothing to probe";
  return std::nullopt;
}

// Wraps each planned reader workload that gets a probe (see ProbeSkipped) in a ProbedWorkload.
// fio is looked up once: missing, the run goes on without probes and says so (--probe auto), or
// stops with EnvironmentError (--probe on).
void AddProbes(std::vector<PlannedWorkload>& plan, const RunRequest& request,
               const DatasetSpec& spec, RunDatasets& data) {
  std::optional<std::string> no_fio;
  bool checked = false;
  for (PlannedWorkload& p : plan) {
    WorkloadRun& run = p.run;
    if (run.workload.kind != WorkloadKind::kReader) continue;
    if (const auto why = ProbeSkipped(run, request)) {
      run.probe_skipped = *why;
      continue;
    }
    if (!checked) {
      checked = true;
      try {
        FioVersion();
      } catch (const EnvironmentError& e) {
        if (request.probe == ProbeMode::kOn) {
          throw EnvironmentError(fmt::format("--probe on: {}", e.what()));
        }
        no_fio = fmt::format("{}; repetitions run without a probe", e.what());
        if (!request.quiet) fmt::print(stderr, "feedbench: {}\n", *no_fio);
      }
    }
    if (no_fio) {
      run.probe_skipped = *no_fio;
      continue;
    }
    ProbeTarget target;
    target.layout = run.workload.layout;
    target.order =
        run.workload.order == Order::kSequential ? ProbeOrder::kSequential : ProbeOrder::kRandom;
    target.dataset_dir = data.Ensure(*run.workload.DatasetLayout(), run.workload.shard_bytes);
    target.jobs = run.workload.settings.workers;
    // The generated dataset's own total (its manifest), not another pass over the samples.
    for (const DatasetUse& use : data.uses()) {
      if (use.layout == target.layout && spec.samples > 0) {
        target.mean_sample_bytes = use.total_bytes / spec.samples;
        target.payload_bytes = use.total_bytes;
      }
    }
    ProbeJob job = MakeProbeJob(target, request.probe_sec);
    ProbeOptions options;
    options.seconds = request.probe_sec;
    options.work_dir = data.path() / kFioSubdir;
    options.name = "probe-" + run.workload.name;
    options.device = run.device.value_or("");
    std::error_code ec;
    fs::create_directories(options.work_dir, ec);
    if (ec) {
      throw EnvironmentError(
          fmt::format("cannot create {}: {}", options.work_dir.string(), ec.message()));
    }
    data.set_runs_fio();
    run.probe = job.description;
    p.workload =
        std::make_unique<ProbedWorkload>(std::move(p.workload), std::move(job), std::move(options));
  }
}

// Generates every dataset first (so no repetition waits on generation), then plans each workload.
std::vector<PlannedWorkload> Plan(const Suite& suite, const std::vector<SuiteWorkload>& selected,
                                  const RunRequest& request, RunDatasets& data) {
  // Generated in layout order (then shard size), as the results list them.
  std::set<std::pair<Layout, uint64_t>> layouts;
  for (const auto& w : selected) {
    if (const auto layout = w.DatasetLayout()) layouts.insert({*layout, w.shard_bytes});
  }
  for (const auto& [layout, shard_bytes] : layouts) data.Ensure(layout, shard_bytes);
  std::vector<PlannedWorkload> plan;
  for (const SuiteWorkload& w : selected) {
    PlannedWorkload p = w.kind == WorkloadKind::kFio ? PlanFio(w, request, data)
                                                     : PlanReader(w, request, suite.spec, data);
    p.run.workload = w;
    p.run.repetitions = request.repetitions.value_or(w.settings.repetitions);
    plan.push_back(std::move(p));
  }
  AddProbes(plan, request, suite.spec, data);
  return plan;
}

}  // namespace session_detail

using session_detail::Plan;
using session_detail::PlannedWorkload;
using session_detail::RunDatasets;

std::string_view ScheduleName(Schedule schedule) {
  return schedule == Schedule::kGrouped ? "grouped" : "interleaved";
}

Schedule ParseSchedule(std::string_view text) {
  if (text == "interleaved") return Schedule::kInterleaved;
  if (text == "grouped") return Schedule::kGrouped;
  throw UsageError(fmt::format("--schedule {}: expected interleaved or grouped", text));
}

std::string_view ProbeModeName(ProbeMode mode) {
  switch (mode) {
    case ProbeMode::kAuto:
      return "auto";
    case ProbeMode::kOn:
      return "on";
    case ProbeMode::kOff:
      return "off";
  }
  return "auto";
}

ProbeMode ParseProbeMode(std::string_view text) {
  if (text == "auto") return ProbeMode::kAuto;
  if (text == "on") return ProbeMode::kOn;
  if (text == "off") return ProbeMode::kOff;
  throw UsageError(fmt::format("--probe {}: expected auto, on or off", text));
}

RepetitionMeasurement RunRepetition(Workload& workload, int repetition) {
  try {
    return workload.RunOnce(repetition);
  } catch (const EnvironmentError&) {
    throw;
  } catch (const Interrupted&) {
    throw;  // a stopped repetition is no measurement: the run ends (SuiteSession::Abandon)
  } catch (const std::exception& e) {
    RepetitionMeasurement failed;
    failed.state = RepetitionState::kFailed;
    failed.reason = fmt::format("io: {}", e.what());
    return failed;
  }
}

void RunCountedRepetition(Workload& workload, WorkloadRun& run, int max_reruns,
                          const std::string& name,
                          const std::function<void(const std::string&)>& progress, int round) {
  while (true) {
    const int index = static_cast<int>(run.measurements.size());
    if (progress) {
      // After a rerun of this workload, say which run of the workload this is.
      progress(run.reruns == 0 ? name
                               : fmt::format("{} (run {} of the workload)", name, index + 1));
    }
    const auto started = std::chrono::steady_clock::now();
    run.measurements.push_back(RunRepetition(workload, index));
    run.measurements.back().round = round;
    run.run_sec +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const RepetitionMeasurement& m = run.measurements.back();
    if (m.state != RepetitionState::kDisturbed) return;
    if (run.reruns < max_reruns) {
      ++run.reruns;
      if (progress) {
        progress(fmt::format("{} {}; rerunning it ({} of at most {} extra)", name, m.reason,
                             run.reruns, max_reruns));
      }
      continue;
    }
    if (progress) {
      progress(
          fmt::format("{} {}; kept as disturbed, not judged (the {} extra repetitions are spent)",
                      name, m.reason, max_reruns));
    }
    return;
  }
}

void RunRepetitions(Workload& workload, WorkloadRun& run, int max_reruns,
                    const std::function<void(const std::string&)>& progress) {
  for (int planned = 1; planned <= run.repetitions; ++planned) {
    RunCountedRepetition(workload, run, max_reruns,
                         fmt::format("repetition {}/{}", planned, run.repetitions), progress);
  }
}

bool SuiteRun::AnyFailed() const {
  for (const auto& w : workloads) {
    for (const auto& m : w.measurements) {
      if (m.state == RepetitionState::kFailed || m.state == RepetitionState::kVerificationFailed) {
        return true;
      }
    }
  }
  return false;
}

std::vector<SuiteWorkload> SelectWorkloads(const Suite& suite, const RunRequest& request) {
  std::optional<std::regex> re;
  if (request.filter) {
    try {
      re.emplace(*request.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw UsageError(fmt::format("--filter '{}': not a valid regular expression: {}",
                                   *request.filter, e.what()));
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

namespace {

// A cold repetition proves it read the device by the device's counters. A data directory on a
// filesystem kept in memory (tmpfs, ramfs) has no device: its "cold" files and LMDB pages are
// memory, and nothing could tell. Refused before the directory or its marker is made.
void CheckColdDataDir(const std::vector<SuiteWorkload>& selected, const RunRequest& request) {
  const SuiteWorkload* cold = nullptr;
  for (const auto& w : selected) {
    if (w.kind != WorkloadKind::kReader || w.layout == Layout::kTmpfs) continue;
    const CacheMode cache =
        request.cache ? ParseCacheMode(*request.cache, "--cache") : w.settings.cache;
    if (cache == CacheMode::kCold) {
      cold = &w;
      break;
    }
  }
  if (cold == nullptr) return;
  const std::optional<std::string> fs_type = MemoryFilesystemOf(request.data_dir);
  if (!fs_type) return;
  throw UsageError(fmt::format(
      "--data-dir {}: on {}, a filesystem with no block device: cold repetitions on {} read "
      "memory (workload {} reads its {} dataset cold); a cold run needs a data directory on a "
      "block device; use --cache warm to measure memory",
      request.data_dir.string(), *fs_type, *fs_type, cold->name, LayoutName(cold->layout)));
}

// A tmpfs workload stages its dataset in --tmpfs-dir after the files dataset is generated: that
// directory is checked before anything is generated. Its free space against the least the
// dataset can need (every sample at the smallest size: arithmetic, no pass over the samples);
// not when stale stagings are there, which the staging reclaims first.
void CheckTmpfsDir(const std::vector<SuiteWorkload>& selected, const DatasetSpec& spec,
                   const RunRequest& request) {
  const bool stages = std::any_of(selected.begin(), selected.end(), [](const SuiteWorkload& w) {
    return w.kind == WorkloadKind::kReader && w.layout == Layout::kTmpfs;
  });
  if (!stages) return;
  const fs::path& dir = request.tmpfs_dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format("--tmpfs-dir {}: not a directory (the tmpfs layout is staged "
                                 "there)",
                                 dir.string()));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw UsageError(
        fmt::format("--tmpfs-dir {}: not writable: {}", dir.string(), std::strerror(errno)));
  }
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().filename().string().starts_with("feedbench-stage-")) return;
  }
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return;  // the staging itself says what is wrong
  const uint64_t free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  const uint64_t min_bytes = SizeBounds(spec.sizes).min_bytes;
  const uint64_t least =
      min_bytes != 0 && spec.samples > UINT64_MAX / min_bytes ? UINT64_MAX : spec.samples * min_bytes;
  const uint64_t need = least == UINT64_MAX ? least : StagingNeedBytes(least);
  if (need > free_bytes) {
    throw EnvironmentError(fmt::format(
        "--tmpfs-dir {}: not enough space to stage the tmpfs layout: at least {} bytes needed "
        "({} samples of at least {} bytes, with margin), {} bytes free",
        dir.string(), need, spec.samples, min_bytes, free_bytes));
  }
}

}  // namespace

void ValidateRequest(const Suite& suite, const RunRequest& request) {
  if (request.repetitions && (*request.repetitions < 1 || *request.repetitions > 1000)) {
    throw UsageError(
        fmt::format("--repetitions {}: expected an integer in [1, 1000]", *request.repetitions));
  }
  if (request.cache && *request.cache != "cold" && *request.cache != "warm") {
    throw UsageError(fmt::format("--cache {}: expected cold or warm", *request.cache));
  }
  if (request.interval_ms < 1 || request.interval_ms > 60000) {
    throw UsageError(
        fmt::format("--interval-ms {}: expected 1 to 60000 milliseconds", request.interval_ms));
  }
  CheckProbeSeconds(request.probe_sec);
  const std::vector<SuiteWorkload> selected = SelectWorkloads(suite, request);
  CheckColdDataDir(selected, request);
  CheckTmpfsDir(selected, suite.spec, request);
  for (const auto& w : selected) {
    if (w.kind != WorkloadKind::kFio || IsBuiltinFioProfile(w.profile)) continue;
    // A profile that is not built in is a .fio file: it must exist and pass the raw-device and
    // read-only checks before anything runs (fio runs in <data dir>/fio, so relative paths in it
    // are taken from there).
    const fs::path path(w.profile);
    if (path.extension() != ".fio" && !fs::exists(path)) MakeFioProfile(w.profile, {});
    LoadFioJobFile(path, fs::absolute(request.data_dir) / kFioSubdir);
  }
}

struct SuiteSession::State {
  State(const Suite& suite_in, RunRequest request_in, WorkloadFactory factory_in)
      : suite(suite_in), request(std::move(request_in)), factory(std::move(factory_in)) {}

  const Suite& suite;
  const RunRequest request;
  const WorkloadFactory factory;
  std::vector<SuiteWorkload> selected;
  std::chrono::steady_clock::time_point started;
  SuiteRun run;  // run.workloads[i] is measured by workloads[i]
  // Declared before the Workloads, so that they (a reader holds its PreparedDataset, owned here)
  // are destroyed first.
  std::unique_ptr<RunDatasets> data;
  std::vector<std::unique_ptr<Workload>> workloads;
  std::optional<RoundOrder> order;  // the planned rounds' orders, over every workload
  std::mt19937_64 seeds;            // seeds the orders of added rounds (RunMore)
  // Added rounds of one set of workloads keep one balanced order across RunMore calls.
  std::vector<size_t> more_chosen;
  std::optional<RoundOrder> more_order;
  bool prepared = false;
  bool finished = false;

  std::function<void(const std::string&)> Progress(size_t i) const {
    if (request.quiet) return {};
    return [this, i](const std::string& line) {
      fmt::print(stderr, "feedbench: [{}/{}] {} {}\n", i + 1, run.workloads.size(),
                 run.workloads[i].workload.name, line);
    };
  }

  // Whether a fio run failed: a repetition of a fio workload, or a probe before a reader's.
  bool AnyFioRunFailed() const {
    for (const WorkloadRun& w : run.workloads) {
      for (const RepetitionMeasurement& m : w.measurements) {
        if (!m.probe_problem.empty()) return true;
        if (w.workload.kind == WorkloadKind::kFio && m.state == RepetitionState::kFailed) {
          return true;
        }
      }
    }
    return false;
  }

  void Stamp() {
    run.finished_utc = UtcIsoMillis(std::chrono::system_clock::now());
    run.wall_sec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
};

SuiteSession::SuiteSession(const Suite& suite, RunRequest request, WorkloadFactory factory)
    : state_(std::make_unique<State>(suite, std::move(request), std::move(factory))) {
  ValidateRequest(suite, state_->request);
  state_->selected = SelectWorkloads(suite, state_->request);
}

SuiteSession::~SuiteSession() = default;

void SuiteSession::Prepare() {
  State& s = *state_;
  if (s.prepared) throw std::logic_error("SuiteSession::Prepare: already prepared");
  s.started = std::chrono::steady_clock::now();
  s.run.started_utc = UtcIsoMillis(std::chrono::system_clock::now());
  try {
    // SIGINT or SIGTERM while the datasets are made stops the generation at its next chunk; what
    // the run made is removed below, and the CLI exits 128 + signal.
    InterruptScope scope;
    s.data = std::make_unique<RunDatasets>(s.request, s.suite.spec);
    if (s.factory) {
      for (const SuiteWorkload& w : s.selected) {
        WorkloadRun run;
        run.workload = w;
        run.repetitions = s.request.repetitions.value_or(w.settings.repetitions);
        s.run.workloads.push_back(std::move(run));
        s.workloads.push_back(s.factory(w));
      }
    } else {
      for (PlannedWorkload& p : Plan(s.suite, s.selected, s.request, *s.data)) {
        s.run.workloads.push_back(std::move(p.run));
        s.workloads.push_back(std::move(p.workload));
      }
    }
    ThrowIfInterrupted();
  } catch (const Interrupted& e) {
    std::string what;
    for (const std::string& line : Abandon()) what += "; " + line;
    throw Interrupted(e.signal(), fmt::format("{} while preparing the datasets{}", e.what(),
                                              what.empty() ? "; nothing to remove" : what));
  }
  s.run.suite = s.suite;
  s.run.cache_mode = s.request.cache.value_or(std::string(CacheModeName(s.suite.defaults.cache)));
  s.run.interval_ms = s.request.interval_ms;
  s.run.data_dir = s.data->path();
  s.run.datasets = s.data->uses();
  s.run.fingerprint = TakeFingerprint(s.data->path());
  s.run.order_seed = s.request.order_seed.value_or(std::random_device{}());
  s.order.emplace(s.workloads.size(), s.run.order_seed);
  s.seeds.seed(s.run.order_seed + 1);
  s.prepared = true;
}

void SuiteSession::RunPlanned() {
  State& s = *state_;
  if (!s.prepared || s.finished) throw std::logic_error("SuiteSession::RunPlanned: not prepared");
  // Budget: as many reruns as planned repetitions, so a busy node at most doubles the run.
  if (s.request.schedule == Schedule::kGrouped) {
    for (size_t i = 0; i < s.workloads.size(); ++i) {
      WorkloadRun& run = s.run.workloads[i];
      RunRepetitions(*s.workloads[i], run, run.repetitions, s.Progress(i));
    }
    return;
  }
  int rounds = 0;
  for (const WorkloadRun& run : s.run.workloads) rounds = std::max(rounds, run.repetitions);
  for (int round = 1; round <= rounds; ++round) {
    ++s.run.rounds;
    for (const size_t i : s.order->Next()) {
      WorkloadRun& run = s.run.workloads[i];
      if (round > run.repetitions) continue;
      RunCountedRepetition(*s.workloads[i], run, run.repetitions,
                           fmt::format("repetition {}/{}", round, run.repetitions), s.Progress(i),
                           s.run.rounds);
    }
  }
}

size_t SuiteSession::IndexOf(const std::string& name) const {
  const State& s = *state_;
  const auto it = std::find_if(s.run.workloads.begin(), s.run.workloads.end(),
                               [&](const WorkloadRun& w) { return w.workload.name == name; });
  if (it == s.run.workloads.end()) {
    throw UsageError(fmt::format("no workload '{}' in this run of suite {}", name, s.suite.name));
  }
  return static_cast<size_t>(it - s.run.workloads.begin());
}

double SuiteSession::RunOne(const std::string& workload, int round) {
  State& s = *state_;
  if (!s.prepared || s.finished) throw std::logic_error("SuiteSession::RunOne: not prepared");
  const size_t i = IndexOf(workload);
  WorkloadRun& run = s.run.workloads[i];
  const int counted = static_cast<int>(run.measurements.size()) - run.reruns;
  const std::string name =
      counted < run.repetitions
          ? fmt::format("repetition {}/{}", counted + 1, run.repetitions)
          : fmt::format("added repetition {} (repetition {} in all)", run.added + 1, counted + 1);
  if (counted >= run.repetitions) ++run.added;
  s.run.rounds = std::max(s.run.rounds, round);
  const auto started = std::chrono::steady_clock::now();
  RunCountedRepetition(*s.workloads[i], run, run.repetitions, name, s.Progress(i), round);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

RepetitionMeasurement SuiteSession::RunDemand(const std::string& workload,
                                              const AcceleratorProfile& profile, int accelerators,
                                              int steps_per_accelerator) {
  State& s = *state_;
  if (!s.prepared || s.finished) throw std::logic_error("SuiteSession::RunDemand: not prepared");
  if (accelerators < 1 || steps_per_accelerator < 1) {
    throw std::logic_error("SuiteSession::RunDemand: no accelerator or no step");
  }
  SuiteWorkload w = s.run.workloads[IndexOf(workload)].workload;
  if (w.kind != WorkloadKind::kReader) {
    throw UsageError(fmt::format("{} is a fio workload: it feeds no accelerator", workload));
  }
  w.settings.batch_size = profile.batch_size;
  w.settings.compute_ms_per_batch = profile.compute_ms_per_batch;
  w.settings.workers = std::min(kMaxDemandWorkers, profile.read_threads * accelerators);
  w.settings.prefetch = std::max(w.settings.prefetch, 2 * accelerators);
  w.settings.epochs = 1;
  PlannedWorkload p =
      PlanReader(w, s.request, s.suite.spec, *s.data, accelerators,
                 static_cast<uint64_t>(steps_per_accelerator) * static_cast<uint64_t>(accelerators));
  return RunRepetition(*p.workload, 0);
}

double SuiteSession::RunMore(const std::vector<std::string>& workloads, int rounds) {
  State& s = *state_;
  if (!s.prepared || s.finished) throw std::logic_error("SuiteSession::RunMore: not prepared");
  std::vector<size_t> chosen;
  for (const std::string& name : workloads) {
    const size_t index = IndexOf(name);
    if (std::find(chosen.begin(), chosen.end(), index) == chosen.end()) chosen.push_back(index);
  }
  const auto started = std::chrono::steady_clock::now();
  // Balanced orders over the chosen workloads (round_order.h), seeded from the run's seed; the
  // same set chosen again continues its order.
  std::sort(chosen.begin(), chosen.end());
  if (!s.more_order || s.more_chosen != chosen) {
    s.more_chosen = chosen;
    s.more_order.emplace(chosen.size(), s.seeds());
  }
  for (int round = 0; round < rounds; ++round) {
    ++s.run.rounds;
    for (const size_t k : s.more_order->Next()) {
      const size_t i = chosen[k];
      WorkloadRun& run = s.run.workloads[i];
      ++run.added;
      RunCountedRepetition(*s.workloads[i], run, run.repetitions,
                           fmt::format("added repetition {} (repetition {} in all)", run.added,
                                       run.CountedRepetitions()),
                           s.Progress(i), s.run.rounds);
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

const SuiteRun& SuiteSession::Current() {
  State& s = *state_;
  if (!s.prepared || s.finished) throw std::logic_error("SuiteSession::Current: not prepared");
  s.Stamp();
  return s.run;
}

std::vector<std::string> SuiteSession::Abandon() noexcept {
  State& s = *state_;
  s.finished = true;
  s.workloads.clear();
  std::vector<std::string> done;
  if (s.data) done = s.data->Cleanup();
  s.data.reset();
  return done;
}

SuiteRun SuiteSession::Finish() {
  State& s = *state_;
  if (!s.prepared || s.finished) throw std::logic_error("SuiteSession::Finish: not prepared");
  s.finished = true;
  s.workloads.clear();
  if (s.AnyFioRunFailed()) s.data->keep_fio_run_files();
  s.data.reset();  // removes what the session generated, unless kept
  s.Stamp();
  return std::move(s.run);
}

SuiteRun RunSuite(const Suite& suite, const RunRequest& request) {
  SuiteSession session(suite, request);
  session.Prepare();
  session.RunPlanned();
  return session.Finish();
}

}  // namespace feedbench
