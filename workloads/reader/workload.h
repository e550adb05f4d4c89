// One repetition of a data-loading workload, with its cache state controlled and proven.
//
// A PreparedDataset is made once per (dataset directory, layout): it opens the dataset (shared
// lock), resolves the block device under it and, for kTmpfs, stages the files into memory once
// (see tmpfs_staging.h), keeping the staging until it is destroyed. RunOnce runs one repetition:
//   cold: the page cache is dropped first (root: sync, then 3 > /proc/sys/vm/drop_caches) or,
//         when that is not permitted, every dataset file is evicted with
//         posix_fadvise(POSIX_FADV_DONTNEED); an LMDB environment is closed before and reopened
//         after, since pages mapped across a drop stay cached. The evicted files of a packed
//         layout are its shards, or its data files and records index; stores are opened after
//         the eviction and outside the sampled window (a records index is read there, once).
//         Cold means cold for every epoch (as MLPerf Storage runs it): with epochs > 1 the cache
//         is dropped (or the files evicted) again before each epoch and the epochs run one at a
//         time, each epoch's order being the one a single run would read. The time spent
//         evicting between epochs is outside the repetition's wall time and outside every
//         sampled window, so throughput, the device figures and the timeline cover the epochs'
//         reading only; the batches in flight across an epoch boundary of a single run are lost
//         (each epoch starts with an empty prefetch queue, as after a restart).
//   warm: one untimed read pass first.
// While the reader runs, a Sampler watches the dataset's device; afterwards the device read ratio
// = device bytes read / bytes the workload read, over the repetition and, cold, for each epoch. A
// cold run any of whose epochs has a ratio below 0.5 is cache_contaminated. The workload's bytes
// are sample bytes: a shards run also reads each member's 512-byte tar header and padding from
// the device, so its cold ratio is a little above 1 (about 1.03 for 16 KiB samples), never below. tmpfs has no device:
// cache_method "tmpfs", no device, ratio n/a.
// Not thread-safe: one RunOnce at a time per PreparedDataset.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/measure/node_activity.h"
#include "harness/measure/sampler.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/sample_store.h"
#include "workloads/dataset/tmpfs_staging.h"
#include "workloads/reader/reader.h"

namespace feedbench {

enum class CacheMode { kCold, kWarm };

// "cold", "warm"
std::string_view CacheModeName(CacheMode mode);
// Throws UsageError naming `what`.
CacheMode ParseCacheMode(std::string_view text, std::string_view what = "--cache");

// A cold run whose device read ratio is below this is cache-contaminated.
inline constexpr double kContaminatedBelowRatio = 0.5;

// The rule: a cold run on a device whose device read ratio is below kContaminatedBelowRatio read
// from the page cache. A warm or tmpfs run, or one without a ratio (no device), is never marked.
bool IsCacheContaminated(CacheMode cache, Layout layout, std::optional<double> device_read_ratio);

struct WorkloadOptions {
  ReaderOptions reader;
  CacheMode cache = CacheMode::kCold;
  // Cold: evict only the dataset's files (posix_fadvise) even when dropping the whole page cache
  // is permitted; kinder to other users of a shared node.
  bool evict_only = false;
  std::chrono::milliseconds sample_interval{1000};
  // Watch this /proc/diskstats device instead of the one resolved from the dataset directory.
  std::optional<std::string> device_override;
  // Several processes (MPI ranks) of one node read the dataset together: only the node's leader
  // makes each epoch cold and samples the device; the others read only (cache_method
  // "node_leader", no device figures). One process alone is its node's leader.
  bool node_leader = true;
  // Called twice per read round (cold: each epoch, after it was made cold; otherwise once), with
  // the round (0-based): `before_read` right before the round's reading starts and its window is
  // sampled, `after_read` once this process's reading ended, still inside the sampled window. The
  // ranks' barriers: they read together from one start (every node's leader has dropped the cache
  // first), and a leader's window covers its node's ranks' reading to the last. With them, a
  // verification failure does not end the rounds early, so that every rank calls them as often.
  // Empty: nothing.
  std::function<void(int round)> before_read;
  std::function<void(int round)> after_read;
};

struct WorkloadResult {
  ReaderResult reader;
  std::string cache_method;           // "drop_caches", "fadvise_dontneed", "warm", "tmpfs"
  std::optional<std::string> device;  // diskstats name, e.g. "vda"; nullopt for tmpfs
  std::optional<WindowSummary> device_summary;
  std::optional<double> device_read_ratio;  // device read bytes / reader bytes; nullopt: n/a
  // Cold with a device: each epoch's device read ratio, in epoch order (one entry with one
  // epoch); empty otherwise. An epoch that read no bytes has none (the list stops at a
  // verification failure).
  std::vector<double> epoch_device_read_ratios;
  bool cache_contaminated = false;  // any epoch's ratio (or the repetition's) is below 0.5
  std::optional<int> contaminated_epoch;  // 0-based: the first epoch below the ratio, when cold
  // Cold by eviction: the files posix_fadvise could not evict, and why ("" when all were); a
  // reason a repetition may read from the page cache, named when it is contaminated.
  std::string eviction_problem;
  std::vector<SampleRow> timeline;
  NodeActivity activity;  // what else used the node over the reader's window
};

class PreparedDataset {
 public:
  // `dir` is a complete dataset (see OpenDataset). layout must be the manifest's layout, or
  // kTmpfs with a files dataset, which is staged now. Throws UsageError (not a dataset, layout
  // mismatch, not enough memory for staging, a damaged shard or records index), EnvironmentError
  // (locked, staging I/O errors).
  PreparedDataset(std::filesystem::path dir, Layout layout, StagingOptions staging = {});
  ~PreparedDataset();
  PreparedDataset(const PreparedDataset&) = delete;
  PreparedDataset& operator=(const PreparedDataset&) = delete;

  // One repetition. Throws UsageError for invalid options, RunError for a read error;
  // a verification failure is reported in result.reader.verify_error.
  WorkloadResult RunOnce(const WorkloadOptions& options);

  const Manifest& manifest() const;
  Layout layout() const;
  // Where samples are read from: the dataset dir, or the tmpfs staging directory.
  const std::filesystem::path& read_root() const;
  // The device resolved for the dataset directory (nullopt for tmpfs or device-less fs).
  const std::optional<std::string>& device() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace feedbench
