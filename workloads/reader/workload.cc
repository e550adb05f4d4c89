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
    if (layout == Layout::kLmdb) {
      return OpenLmdbStore(dir, manifest.spec,
                           order == Order::kRandom ? LmdbAccess::kRandom : LmdbAccess::kSequential);
    }
    return OpenFilesStore(read_root, manifest.spec);
  }
  // Without opening (and so mapping) an LMDB environment.
  std::vector<fs::path> BackingFiles() const {
    if (layout == Layout::kLmdb) return {LmdbEnvPath(dir) / "data.mdb"};
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
  if (layout == Layout::kTmpfs) {
    s.staging = std::make_unique<TmpfsStaging>(s.dir, s.manifest.spec, staging);
    s.read_root = s.staging->root();
  } else {
    s.read_root = s.dir;
    s.device = DiskstatsNameFor(ResolvePath(s.dir));
  }
}

PreparedDataset::~PreparedDataset() = default;

const Manifest& PreparedDataset::manifest() const { return state_->manifest; }
Layout PreparedDataset::layout() const { return state_->layout; }
const fs::path& PreparedDataset::read_root() const { return state_->read_root; }
const std::optional<std::string>& PreparedDataset::device() const { return state_->device; }

WorkloadResult PreparedDataset::RunOnce(const WorkloadOptions& options) {
  State& s = *state_;
  ValidateReaderOptions(options.reader, "workload");
  WorkloadResult result;
  result.device = options.device_override ? options.device_override : s.device;

  if (s.layout == Layout::kTmpfs) {
    result.cache_method = "tmpfs";
  } else if (options.cache == CacheMode::kCold) {
    // No mapping of the dataset may be alive across the drop: stores are opened after it.
    if (!options.evict_only && !DropPageCache()) {
      result.cache_method = "drop_caches";
    } else {
      result.eviction_problem = EvictFiles(s.BackingFiles()).Describe();
      result.cache_method = "fadvise_dontneed";
    }
  } else {
    result.cache_method = "warm";
  }

  std::unique_ptr<SampleStore> store = s.OpenStore(options.reader.order);
  if (options.cache == CacheMode::kWarm && s.layout != Layout::kTmpfs) {
    ReaderOptions warmup = options.reader;
    warmup.epochs = 1;
    warmup.compute_ms_per_batch = 0;
    warmup.verify = false;
    warmup.on_sample = nullptr;
    RunReader(*store, s.manifest.spec, warmup);
  }

  std::vector<std::string> devices;
  if (result.device) devices.push_back(*result.device);
  const SampledWindow window = RunSampled(devices, options.sample_interval, [&] {
    result.reader = RunReader(*store, s.manifest.spec, options.reader);
  });
  result.timeline = window.rows;
  result.activity = window.activity;
  if (result.device) result.device_summary = window.SummaryOf(*result.device);
  // Close an LMDB environment now: its mapping must not outlive the run into the next drop.
  store.reset();

  if (result.device_summary && result.reader.bytes > 0) {
    result.device_read_ratio = static_cast<double>(result.device_summary->read_bytes) /
                               static_cast<double>(result.reader.bytes);
  }
  result.cache_contaminated =
      IsCacheContaminated(options.cache, s.layout, result.device_read_ratio);
  return result;
}

}  // namespace feedbench
