#include "workloads/reader/workload.h"

#include <fmt/format.h>

#include "harness/base/errors.h"
#include "harness/measure/sampled_window.h"
#include "harness/os/cache_control.h"
#include "harness/os/device.h"

namespace feedbench {
namespace fs = std::filesystem;

std::string_view CacheModeName(CacheMode mode) {
  return mode == CacheMode::kCold ? "cold" : "warm";
}

CacheMode ParseCacheMode(std::string_view text, std::string_view what) {
  if (text == "cold") return CacheMode::kCold;
  if (text == "warm") return CacheMode::kWarm;
  throw UsageError(fmt::format("{}: unknown cache mode '{}'; expected cold or warm", what, text));
}

bool IsCacheContaminated(CacheMode cache, Layout layout, std::optional<double> device_read_ratio) {
  return cache == CacheMode::kCold && layout != Layout::kTmpfs && device_read_ratio &&
         *device_read_ratio < kContaminatedBelowRatio;
}

struct PreparedDataset::State {
  fs::path dir;
  Layout layout = Layout::kFiles;
  Manifest manifest;
  std::unique_ptr<DatasetLock> lock;
  std::unique_ptr<TmpfsStaging> staging;
  fs::path read_root;
  std::optional<std::string> device;

  std::unique_ptr<SampleStore> OpenStore(Order order) const {
    if (layout == Layout::kTmpfs) return OpenFilesStore(read_root, manifest.spec);
    return OpenDatasetStore(
        dir, manifest, order == Order::kRandom ? StoreAccess::kRandom : StoreAccess::kSequential);
  }
  // Without opening (and so mapping, or reading an index of) the store.
  std::vector<fs::path> BackingFiles() const {
    if (layout == Layout::kLmdb) return {LmdbEnvPath(dir) / "data.mdb"};
    if (const auto format = PackFormatOf(layout)) {
      return PackedFiles(dir, *format, manifest.containers);
    }
    return OpenFilesStore(read_root, manifest.spec)->BackingFiles();
  }
};

PreparedDataset::PreparedDataset(fs::path dir, Layout layout, StagingOptions staging)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.dir = std::move(dir);
  s.layout = layout;
  s.manifest = OpenDataset(s.dir);
  const Layout stored = s.manifest.layout;
  if (layout == Layout::kTmpfs ? stored != Layout::kFiles : stored != layout) {
    throw UsageError(fmt::format("{}: the dataset is stored as {}; layout {} needs a {} dataset",
                                 s.dir.string(), LayoutName(stored), LayoutName(layout),
                                 LayoutName(layout == Layout::kTmpfs ? Layout::kFiles : layout)));
  }
  s.lock = std::make_unique<DatasetLock>(s.dir, DatasetLock::Mode::kShared);
  if (layout == Layout::kTmpfs && staging.shared_root) {
    // Another process's staging (a node leader's, under mpirun): read, never removed here.
    std::string why;
    const StagingOwner owner = JudgeStaging(*staging.shared_root, &why);
    if (owner != StagingOwner::kAlive) {
      throw EnvironmentError(fmt::format(
          "{}: not a tmpfs staging to read ({})", staging.shared_root->string(),
          owner == StagingOwner::kGone ? why : "not a feedbench staging"));
    }
    s.read_root = *staging.shared_root;
  } else if (layout == Layout::kTmpfs) {
    s.staging = std::make_unique<TmpfsStaging>(s.dir, s.manifest.spec, staging);
    s.read_root = s.staging->root();
  } else {
    s.read_root = s.dir;
    s.device = DiskstatsNameFor(ResolvePath(s.dir));
  }
  if (PackFormatOf(layout)) {
    // A damaged shard or records index is refused now (UsageError), not found mid-run.
    OpenDatasetStore(s.dir, s.manifest, StoreAccess::kSequential);
  }
}

PreparedDataset::~PreparedDataset() = default;

const Manifest& PreparedDataset::manifest() const { return state_->manifest; }
Layout PreparedDataset::layout() const { return state_->layout; }
const fs::path& PreparedDataset::read_root() const { return state_->read_root; }
const std::optional<std::string>& PreparedDataset::device() const { return state_->device; }

namespace {

// Drops the page cache, or evicts `files` when asked to or when dropping is not permitted.
// Returns the method; `problem` gets what eviction could not do ("" when all went).
std::string MakeCold(bool evict_only, const std::vector<fs::path>& files, std::string& problem) {
  if (!evict_only && !DropPageCache()) return "drop_caches";
  problem = EvictFiles(files).Describe();
  return "fadvise_dontneed";
}

std::optional<double> ReadRatio(const std::optional<WindowSummary>& device, uint64_t bytes) {
  if (!device || bytes == 0) return std::nullopt;
  return static_cast<double>(device->read_bytes) / static_cast<double>(bytes);
}

}  // namespace

WorkloadResult PreparedDataset::RunOnce(const WorkloadOptions& options) {
  State& s = *state_;
  ValidateReaderOptions(options.reader, "workload");
  WorkloadResult result;
  result.device = options.device_override ? options.device_override : s.device;
  const bool cold = options.cache == CacheMode::kCold && s.layout != Layout::kTmpfs;
  if (s.layout == Layout::kTmpfs) {
    result.cache_method = "tmpfs";
  } else if (!cold) {
    result.cache_method = "warm";
  }

  if (!options.node_leader) result.device.reset();  // the node's leader samples it
  std::vector<std::string> devices;
  if (result.device) devices.push_back(*result.device);
  // Cold: one round per epoch, each made cold first; otherwise one round of every epoch.
  const int rounds = cold ? options.reader.epochs : 1;
  std::vector<ReaderResult> epochs;
  SampledWindow window;
  for (int round = 0; round < rounds; ++round) {
    if (cold && !options.node_leader) {
      if (round == 0) result.cache_method = "node_leader";
    } else if (cold) {
      // No mapping of the dataset may be alive across the drop: stores are opened after it.
      std::string problem;
      const std::string method = MakeCold(options.evict_only, s.BackingFiles(), problem);
      if (round == 0) result.cache_method = method;
      if (!problem.empty() && result.eviction_problem.empty()) result.eviction_problem = problem;
    }
    std::unique_ptr<SampleStore> store = s.OpenStore(options.reader.order);
    if (!cold && options.cache == CacheMode::kWarm && s.layout != Layout::kTmpfs) {
      ReaderOptions warmup = options.reader;
      warmup.epochs = 1;
      warmup.compute_ms_per_batch = 0;
      warmup.verify = false;
      warmup.on_sample = nullptr;
      RunReader(*store, s.manifest.spec, warmup);
    }
    ReaderOptions reader = options.reader;
    if (cold) {
      reader.epochs = 1;
      reader.first_epoch = options.reader.first_epoch + round;
    }
    if (options.before_read) options.before_read(round);
    const SampledWindow epoch_window = RunSampled(devices, options.sample_interval, [&] {
      epochs.push_back(RunReader(*store, s.manifest.spec, reader));
      if (options.after_read) options.after_read(round);
    });
    // Close an LMDB environment now: its mapping must not outlive the epoch into the next drop.
    store.reset();
    AppendWindow(window, epoch_window);
    if (cold && result.device) {
      const std::optional<double> ratio = ReadRatio(
          epoch_window.SummaryOf(*result.device), epochs.back().bytes);
      if (ratio) {
        result.epoch_device_read_ratios.push_back(*ratio);
        if (!result.contaminated_epoch && IsCacheContaminated(options.cache, s.layout, ratio)) {
          result.contaminated_epoch = round;
        }
      }
    }
    if (epochs.back().verify_error && !options.before_read) break;
  }
  result.reader = CombineRuns(epochs);
  result.timeline = window.rows;
  result.activity = window.activity;
  if (result.device) result.device_summary = window.SummaryOf(*result.device);
  result.device_read_ratio = ReadRatio(result.device_summary, result.reader.bytes);
  result.cache_contaminated =
      result.contaminated_epoch.has_value() ||
      IsCacheContaminated(options.cache, s.layout, result.device_read_ratio);
  return result;
}

}  // namespace feedbench
