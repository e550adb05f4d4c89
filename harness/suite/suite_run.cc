#include "harness/suite/suite_run.h"

#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <xxhash.h>

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
#include "harness/base/line_splitter.h"
#include "harness/base/time_format.h"
#include "harness/os/data_dir.h"
#include "harness/os/device.h"
#include "harness/os/interrupt.h"
#include "harness/os/mpi_world.h"
#include "harness/suite/accelerators.h"
#include "harness/suite/rank_merge.h"
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

// How long a rank waits at a barrier for others that prepare `bytes` of data (generation, tmpfs
// staging): the rank timeout plus the time it would take at kSlowestPrepareBytesPerSec (a rank
// that dies is mpirun's to report; one that hangs ends the job then, named, rather than holding
// the others forever). 1 MiB/s is far below what any storage worth feeding a training job writes
// (this VM's disk: ~700 MiB/s per layout) or memory copies.
constexpr double kSlowestPrepareBytesPerSec = 1024.0 * 1024.0;
double PrepareWaitSec(const RunRequest& request, double bytes) {
  return request.rank_timeout_sec + bytes / kSlowestPrepareBytesPerSec;
}

// The datasets the selected workloads read: one per layout (and shard size), in layout order,
// as the results list them.
std::set<std::pair<Layout, uint64_t>> DatasetLayouts(const std::vector<SuiteWorkload>& selected) {
  std::set<std::pair<Layout, uint64_t>> layouts;
  for (const auto& w : selected) {
    if (const auto layout = w.DatasetLayout()) layouts.insert({*layout, w.shard_bytes});
  }
  return layouts;
}

// The data directory and the datasets of one run, from the moment the directory is taken: what
// this run generated or staged is removed when it ends, also when preparing a later dataset or a
// repetition fails or the run is interrupted, unless the request keeps data (and then a dataset
// whose generation did not complete is removed all the same). Declared before anything is
// generated, so that no failure can leave a dataset behind.
class RunDatasets {
 public:
  // `owner`: this process takes the data directory and generates (a process alone; under mpirun
  // the datasets' owner). Otherwise it only reads datasets its owner generated: no lock on the
  // data directory (the owner holds it), nothing generated or removed, each manifest verified.
  RunDatasets(const RunRequest& request, const DatasetSpec& spec, bool owner = true)
      : request_(request),
        spec_(spec),
        owner_(owner),
        follower_path_(fs::absolute(request.data_dir)) {
    if (owner_) data_dir_.emplace(request.data_dir, "--data-dir");
  }
  ~RunDatasets() { Cleanup(); }
  RunDatasets(const RunDatasets&) = delete;
  RunDatasets& operator=(const RunDatasets&) = delete;

  const fs::path& path() const { return owner_ ? data_dir_->path() : follower_path_; }
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
    if (const auto v = verified_.find(key); v != verified_.end()) return v->second;
    const fs::path dir = DefaultDatasetDir(path(), spec_, layout, key.shard_bytes);
    if (!owner_) return Verified(key.layout, key.shard_bytes, dir);
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

  // A follower's dataset: its owner generated it; the manifest must be complete and of this spec.
  const fs::path& Verified(Layout layout, uint64_t shard_bytes, const fs::path& dir) {
    const DatasetKey key{layout, shard_bytes};
    Manifest m;
    try {
      m = OpenDataset(dir);
    } catch (const UsageError& e) {
      throw EnvironmentError(fmt::format(
          "the {} dataset {} is not ready after its owner generated it (--dataset-scope {}: "
          "does this rank see the same data directory?): {}",
          LayoutName(key.layout), dir.string(), DatasetScopeName(request_.dataset_scope),
          e.what()));
    }
    if (m.spec_hash != SpecHash(spec_)) {
      throw EnvironmentError(fmt::format("the dataset {} holds spec {}, this run's is {}",
                                         dir.string(), m.spec_hash, SpecHash(spec_)));
    }
    uses_.push_back(DatasetUse{.layout = key.layout,
                               .dir = dir,
                               .reused = true,
                               .total_bytes = m.total_bytes,
                               .samples = m.samples,
                               .shard_bytes = m.shard_bytes,
                               .containers = m.containers,
                               .disk_bytes = m.disk_bytes,
                               .creation_sec = m.generate_sec});
    return verified_.emplace(key, dir).first->second;
  }

  // The dataset prepared for reading as `layout` (tmpfs: staged from the files layout), once per
  // dataset directory and layout.
  // Under mpirun a tmpfs layout is staged once per node, by its leader (local rank 0); every
  // rank calls this for the same workloads in the same order (the plan is the same on all), so
  // each staging is followed by a timed barrier and the leaders' paths are shared: the node's
  // other ranks read the leader's staging, which the leader removes after the run's last barrier.
  PreparedDataset& Prepared(Layout layout, const fs::path& dir) {
    auto& slot = prepared_[{layout, dir}];
    if (!slot) {
      StagingOptions staging;
      staging.tmpfs_dir = request_.tmpfs_dir;
      MpiWorld& world = MpiWorld::Process();
      const bool ranks = world.Size() > 1;
      if (layout == Layout::kTmpfs && ranks && !world.NodeLeader()) {
        staging.shared_root = NodeLeadersStaging(world, std::nullopt);
        slot = std::make_unique<PreparedDataset>(dir, layout, staging);
        return *slot;
      }
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
      if (layout == Layout::kTmpfs && ranks) NodeLeadersStaging(world, slot->read_root());
    }
    return *slot;
  }

  // The staging of this rank's node leader: every rank waits (timed) until the leaders have
  // staged, rank 0 gathers the leaders' paths and every rank gets them. `mine`: this rank's own
  // staging (leaders), nullopt for the others.
  fs::path NodeLeadersStaging(MpiWorld& world, const std::optional<fs::path>& mine) {
    world.Barrier("the tmpfs staging",
                  PrepareWaitSec(request_, static_cast<double>(TotalBytes(spec_))));
    const std::vector<std::string> gathered =
        world.GatherToRoot(mine ? mine->string() : std::string());
    std::string joined;
    for (const std::string& path : gathered) joined += path + '\n';
    std::vector<std::string> by_rank;  // one line per rank, empty for the non-leaders
    LineSplitter lines;
    lines.Feed(world.BroadcastFromRoot(joined),
               [&by_rank](std::string_view line) { by_rank.emplace_back(line); });
    const int leader = world.Placement().NodeLeaders()[static_cast<size_t>(world.NodeIndex())];
    if (static_cast<size_t>(leader) >= by_rank.size() || by_rank[leader].empty()) {
      throw RunError(fmt::format("{}: its node leader ({}) reported no tmpfs staging",
                                 world.Describe(), world.DescribeRank(leader)));
    }
    return by_rank[static_cast<size_t>(leader)];
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
    if (!owner_) return done;  // the owner removes what it generated
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
      if (data_dir_->RemoveIfEmptyAndOurs()) {
        done.push_back(fmt::format("removed the data directory {} (made by this run, left empty)",
                                   data_dir_->path().string()));
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "feedbench: warning: could not remove {}: {}\n",
                 data_dir_->path().string(), e.what());
    }
    std::stable_partition(done.begin(), done.end(),
                          [](const std::string& line) { return line.starts_with("removed"); });
    return done;
  }

  // fio's test file and each run's job file, output and stderr: all under <data dir>/fio. After a
  // failed fio run, only the test file (and any half-written copy of it) goes.
  void RemoveFioFiles() noexcept {
    const fs::path dir = path() / kFioSubdir;
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
  const bool owner_;
  const fs::path follower_path_;
  std::optional<DataDir> data_dir_;  // the owner's
  // A dataset is one layout, and for the packed layouts one shard size.
  struct DatasetKey {
    Layout layout = Layout::kFiles;
    uint64_t shard_bytes = 0;
    auto operator<=>(const DatasetKey&) const = default;
  };
  std::map<DatasetKey, fs::path> dirs_;
  std::map<DatasetKey, fs::path> verified_;  // a follower's, never removed
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

// This rank's waits at the repetitions' barriers under mpirun (every rank calls them in one order).
struct RankTally {
  double barrier_sec = 0;
  int barriers = 0;
};

// Under mpirun with several ranks: this rank's part of each epoch (--rank-data), whether it is its
// node's leader, and the barrier before each round of reading. Alone: nothing changes.
void JoinRanks(WorkloadOptions& options, const std::string& workload, const RunRequest& request,
               RankTally& tally) {
  MpiWorld& world = MpiWorld::Process();
  if (world.Size() == 1) return;
  options.node_leader = world.NodeLeader();
  if (request.rank_data == RankData::kShard) options.reader.slice = {world.Rank(), world.Size()};
  const double timeout_sec = request.rank_timeout_sec;
  options.before_read = [&world, &tally, what = "the start of reading " + workload,
                         timeout_sec](int) {
    tally.barrier_sec += world.Barrier(what, timeout_sec);
    ++tally.barriers;
  };
  options.after_read = [&world, what = "the end of reading " + workload, timeout_sec](int) {
    world.Barrier(what, timeout_sec);
  };
}

// A rank's repetition under mpirun: its own disturbed state is dropped, since its node's other
// ranks look foreign to it (their reads and CPU time); the disturbance rule is applied to the
// job's merged figures instead (rank_merge.h).
class RankWorkload : public Workload {
 public:
  explicit RankWorkload(std::unique_ptr<Workload> inner) : inner_(std::move(inner)) {}

  RepetitionMeasurement RunOnce(int repetition) override {
    RepetitionMeasurement m = inner_->RunOnce(repetition);
    if (m.state == RepetitionState::kDisturbed) {
      m.state = RepetitionState::kValid;
      m.reason.clear();
    }
    return m;
  }

 private:
  std::unique_ptr<Workload> inner_;
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
                           const DatasetSpec& spec, RunDatasets& data, RankTally* tally = nullptr,
                           int consumers = 1, uint64_t max_batches = 0) {
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
  if (tally != nullptr) JoinRanks(options, w.name, request, *tally);
  const bool ranks = static_cast<bool>(options.before_read);
  p.run.cache = options.cache;
  p.run.device = dataset.device();
  if (!request.warm_control) {
    p.run.warm_control_skipped = "--warm-control off";
  } else if (ranks) {
    p.run.warm_control_skipped =
        "under mpirun: one rank's warm read would overlap the others' cold ones";
  } else if (options.cache != CacheMode::kCold) {
    p.run.warm_control_skipped = "warm repetitions: there is no storage in them to tell apart";
  } else if (w.layout == Layout::kTmpfs) {
    p.run.warm_control_skipped = "tmpfs reads memory: there is no storage in it to tell apart";
  } else if (!dataset.device()) {
    p.run.warm_control_skipped = "no device under the dataset";
  }
  const bool warm_control = p.run.warm_control_skipped.empty();
  p.run.warm_control = warm_control;
  p.workload =
      std::make_unique<ReaderWorkload>(dataset, std::move(options), spec.seed, warm_control);
  if (ranks) p.workload = std::make_unique<RankWorkload>(std::move(p.workload));
  return p;
}

// Why a reader workload gets no probe under `request`, or nullopt when it gets one.
std::optional<std::string> ProbeSkipped(const WorkloadRun& run, const RunRequest& request) {
  if (request.probe == ProbeMode::kOff) return "--probe off";
  if (MpiWorld::Process().Size() > 1) {
    return "under mpirun: one rank's probe would load the device while the others read";
  }
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

// Generates (or verifies) the datasets the selected workloads read (DatasetLayouts).
void EnsureDatasets(const std::vector<SuiteWorkload>& selected, RunDatasets& data) {
  for (const auto& [layout, shard_bytes] : DatasetLayouts(selected)) {
    data.Ensure(layout, shard_bytes);
  }
}

// Generates every dataset first (so no repetition waits on generation), then plans each workload.
std::vector<PlannedWorkload> Plan(const Suite& suite, const std::vector<SuiteWorkload>& selected,
                                  const RunRequest& request, RunDatasets& data, RankTally& tally) {
  EnsureDatasets(selected, data);
  std::vector<PlannedWorkload> plan;
  for (const SuiteWorkload& w : selected) {
    PlannedWorkload p = w.kind == WorkloadKind::kFio ? PlanFio(w, request, data)
                                                     : PlanReader(w, request, suite.spec, data,
                                                                  &tally);
    p.run.workload = w;
    p.run.repetitions = request.repetitions.value_or(w.settings.repetitions);
    plan.push_back(std::move(p));
  }
  AddProbes(plan, request, suite.spec, data);
  return plan;
}

}  // namespace session_detail

using session_detail::DatasetLayouts;
using session_detail::EnsureDatasets;
using session_detail::Plan;
using session_detail::PrepareWaitSec;
using session_detail::PlannedWorkload;
using session_detail::RankTally;
using session_detail::RunDatasets;

std::string_view RankDataName(RankData mode) { return mode == RankData::kAll ? "all" : "shard"; }

RankData ParseRankData(std::string_view text) {
  if (text == "shard") return RankData::kShard;
  if (text == "all") return RankData::kAll;
  throw UsageError(fmt::format("--rank-data {}: expected shard or all", text));
}

std::string_view DatasetScopeName(DatasetScope scope) {
  return scope == DatasetScope::kNode ? "node" : "shared";
}

DatasetScope ParseDatasetScope(std::string_view text) {
  if (text == "shared") return DatasetScope::kShared;
  if (text == "node") return DatasetScope::kNode;
  throw UsageError(fmt::format("--dataset-scope {}: expected shared or node", text));
}

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

// Under mpirun with several ranks: what does not run as ranks yet, and more ranks than samples.
void CheckRanks(const std::vector<SuiteWorkload>& selected, const DatasetSpec& spec,
                const RunRequest& request) {
  const int ranks = MpiWorld::Process().Size();
  if (ranks == 1) return;
  for (const SuiteWorkload& w : selected) {
    if (w.kind == WorkloadKind::kFio) {
      throw UsageError(fmt::format(
          "workload {}: a fio workload does not run as {} MPI ranks (they would share one fio "
          "test file); leave it out with --filter, and measure ceilings across nodes with "
          "`feedbench fio`",
          w.name, ranks));
    }
  }
  if (request.rank_data == RankData::kShard && spec.samples < static_cast<uint64_t>(ranks)) {
    throw UsageError(fmt::format(
        "--rank-data shard: {} ranks share {} samples per epoch, so some rank would read nothing; "
        "expected at most {} ranks (or --rank-data all)",
        ranks, spec.samples, spec.samples));
  }
}

// What every rank must agree on, as text: the suite, the dataset spec, the selection and the
// settings that change what is measured.
std::string RankAgreementText(const Suite& suite, const std::vector<SuiteWorkload>& selected,
                              const RunRequest& request) {
  std::string text = SuiteToJson(suite).dump() + "\n" + SpecHash(suite.spec);
  for (const SuiteWorkload& w : selected) text += "\n" + w.name;
  text += fmt::format("\n{} {} {} {} {} {} {}", request.repetitions.value_or(0),
                      request.cache.value_or(""), request.interval_ms,
                      ScheduleName(request.schedule), RankDataName(request.rank_data),
                      DatasetScopeName(request.dataset_scope), request.rank_timeout_sec);
  return text;
}

}  // namespace

void ValidateRequest(const Suite& suite, const RunRequest& request) {
  if (!(request.rank_timeout_sec >= 1 && request.rank_timeout_sec <= 86400)) {
    throw UsageError(fmt::format("--rank-timeout {}: expected 1 to 86400 seconds",
                                 request.rank_timeout_sec));
  }
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
  CheckRanks(selected, suite.spec, request);
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

// The wait at the barrier after the datasets' generation (PrepareWaitSec for every dataset the
// selected workloads read).
double GenerationWaitSec(const Suite& suite, const std::vector<SuiteWorkload>& selected,
                         const RunRequest& request) {
  const size_t datasets = std::max<size_t>(DatasetLayouts(selected).size(), 1);
  return PrepareWaitSec(request,
                        static_cast<double>(TotalBytes(suite.spec)) * static_cast<double>(datasets));
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
  bool owner = true;  // generates and removes the datasets (under mpirun: their owner)
  RankTally tally;  // under mpirun: this rank's waits at the repetitions' barriers

  // Several ranks of one mpirun job run this session together.
  static bool Ranks() { return MpiWorld::Process().Size() > 1; }
  // Disturbed repetitions are rerun alone; under mpirun never (every rank runs the same plan).
  static int MaxReruns(const WorkloadRun& run) { return Ranks() ? 0 : run.repetitions; }

  std::function<void(const std::string&)> Progress(size_t i) const {
    // Under mpirun rank 0 speaks for the job.
    if (request.quiet || MpiWorld::Process().Rank() != 0) return {};
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
  MpiWorld& world = MpiWorld::Process();
  const bool ranks = world.Size() > 1;
  if (ranks) {
    const std::string agreed = RankAgreementText(s.suite, s.selected, s.request);
    if (const auto differing = world.FirstRankDiffering(
            XXH3_64bits(agreed.data(), agreed.size()))) {
      throw UsageError(fmt::format(
          "{}: its suite, dataset spec or run settings differ from rank 0's (suite {}, dataset "
          "{}): every rank must run the same command with the same suite file",
          world.DescribeRank(*differing), s.suite.name, SpecHash(s.suite.spec)));
    }
  }
  // Alone: this process. Under mpirun: rank 0 (shared scope) or each node's leader (node scope).
  const bool owner = !ranks || (s.request.dataset_scope == DatasetScope::kShared
                                    ? world.Rank() == 0
                                    : world.NodeLeader());
  s.owner = owner;
  try {
    // SIGINT or SIGTERM while the datasets are made stops the generation at its next chunk; what
    // the run made is removed below, and the CLI exits 128 + signal.
    InterruptScope scope;
    // The ranks that do not generate wait for those that do, up to GenerationWaitSec.
    const double generation_wait_sec = GenerationWaitSec(s.suite, s.selected, s.request);
    if (ranks && !owner) world.Barrier("the datasets' generation", generation_wait_sec);
    s.data = std::make_unique<RunDatasets>(s.request, s.suite.spec, owner);
    // The owners generate before the others go on, so that every rank plans after the barrier
    // (planning has collective steps of its own: a tmpfs staging per node).
    if (ranks && owner) {
      if (!s.factory) EnsureDatasets(s.selected, *s.data);
      world.Barrier("the datasets' generation", generation_wait_sec);
    }
    if (s.factory) {
      for (const SuiteWorkload& w : s.selected) {
        WorkloadRun run;
        run.workload = w;
        run.repetitions = s.request.repetitions.value_or(w.settings.repetitions);
        s.run.workloads.push_back(std::move(run));
        s.workloads.push_back(s.factory(w));
      }
    } else {
      for (PlannedWorkload& p : Plan(s.suite, s.selected, s.request, *s.data, s.tally)) {
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
  if (ranks) {
    // One order of the rounds for every rank: rank 0's.
    s.run.order_seed = std::stoull(world.BroadcastFromRoot(std::to_string(s.run.order_seed)));
  }
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
      RunRepetitions(*s.workloads[i], run, State::MaxReruns(run), s.Progress(i));
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
      RunCountedRepetition(*s.workloads[i], run, State::MaxReruns(run),
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
      PlanReader(w, s.request, s.suite.spec, *s.data, /*tally=*/nullptr, accelerators,
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

namespace {

// Under mpirun, at the end of the session: waits for every rank, gathers each one's measurements
// to rank 0 and merges them there into `run` (SuiteRun::mpi says how); the others become
// followers. Throws MpiTimeout for a rank that does not arrive, RunError for one whose plan or
// measurements do not match rank 0's.
void GatherRanks(SuiteRun& run, const RunRequest& request, const RankTally& tally) {
  MpiWorld& world = MpiWorld::Process();
  world.Barrier("the end of the run", request.rank_timeout_sec);
  RankRun mine;
  mine.rank = world.Rank();
  mine.node = world.NodeName();
  mine.node_index = world.NodeIndex();
  mine.leader = world.NodeLeader();
  mine.device_fingerprint = run.fingerprint.device;
  mine.barrier_sec = tally.barrier_sec;
  mine.barriers = tally.barriers;
  for (const WorkloadRun& w : run.workloads) {
    mine.workloads.push_back(w.measurements);
    if (mine.leader && w.device && !mine.device) mine.device = w.device;
  }
  const auto gather_start = std::chrono::steady_clock::now();
  const std::vector<std::string> sent = world.GatherToRoot(EncodeRankRun(mine));
  if (world.Rank() != 0) {
    run.follower = true;
    return;
  }
  const auto merge_start = std::chrono::steady_clock::now();
  std::vector<RankRun> ranks;
  ranks.push_back(std::move(mine));  // rank 0's own, its timelines with it
  for (int r = 1; r < static_cast<int>(sent.size()); ++r) {
    try {
      ranks.push_back(DecodeRankRun(sent[r], r));
    } catch (const std::runtime_error& e) {
      throw RunError(e.what());
    }
    for (size_t i = 0; i < run.workloads.size(); ++i) {
      const size_t expected = run.workloads[i].measurements.size();
      if (ranks.back().workloads.size() != run.workloads.size() ||
          ranks.back().workloads[i].size() != expected) {
        throw RunError(fmt::format("{} measured another plan than rank 0 (workload {}: {} "
                                   "repetitions on rank 0)",
                                   world.DescribeRank(r), run.workloads[i].workload.name,
                                   expected));
      }
    }
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < run.workloads.size(); ++i) {
    WorkloadRun& w = run.workloads[i];
    names.push_back(w.workload.name);
    const bool cold = w.cache == CacheMode::kCold && w.workload.layout != Layout::kTmpfs;
    for (size_t k = 0; k < w.measurements.size(); ++k) {
      w.measurements[k] = MergeRepetition(ranks, i, k, cold);
    }
  }
  run.fingerprint.machine.mpi_ranks = static_cast<uint32_t>(world.Size());
  run.fingerprint.machine.mpi_nodes = static_cast<uint32_t>(world.NodeCount());
  const auto merged = std::chrono::steady_clock::now();
  run.mpi = MpiContext(ranks, names, RankDataName(request.rank_data),
                       DatasetScopeName(request.dataset_scope),
                       std::chrono::duration<double>(merged - merge_start).count());
  run.mpi["gather_sec"] = std::chrono::duration<double>(merge_start - gather_start).count();
  run.mpi["gathered_bytes"] = [&] {
    size_t bytes = 0;
    for (const std::string& one : sent) bytes += one.size();
    return bytes;
  }();
}

}  // namespace

SuiteRun SuiteSession::Finish() {
  State& s = *state_;
  if (!s.prepared || s.finished) throw std::logic_error("SuiteSession::Finish: not prepared");
  s.finished = true;
  s.workloads.clear();
  if (State::Ranks()) {
    GatherRanks(s.run, s.request, s.tally);
    // The owners remove the datasets once no rank reads them (a reader holds a dataset's lock).
    if (!s.owner) s.data.reset();
    MpiWorld::Process().Barrier("the datasets' release", s.request.rank_timeout_sec);
  }
  if (s.data && s.AnyFioRunFailed()) s.data->keep_fio_run_files();
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
