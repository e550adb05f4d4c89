// A dataset directory on disk: one DatasetSpec materialised in one layout, with a manifest.
//
// A dataset directory holds `feedbench-dataset.json` (the manifest: spec, spec hash, layout,
// sample count, total bytes, complete flag, feedbench version) and the data:
//   files: <dir>/data/<shard:06>/<index:010>.sample, shard = index / files_per_dir
//   lmdb:  <dir>/lmdb/data.mdb, one record per sample, key = 8-byte big-endian index
//   shards, records: <dir>/shards/*.tar, <dir>/records/{*.rec,index.bin} (packed_layout.h), cut at
//          the manifest's shard_bytes
// The manifest is written with complete=false before any data and rewritten with complete=true
// only after all data is synced, so a killed generation is recognised and regenerated.
// feedbench deletes only directories whose manifest it wrote, and only its own entries in them.
// Concurrency between processes: generation and removal hold an exclusive DatasetLock on the
// directory, runs (PreparedDataset) a shared one; a conflicting process gets EnvironmentError
// instead of waiting. Functions are thread-compatible, not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "harness/base/errors.h"
#include "harness/base/progress_meter.h"
#include "workloads/dataset/dataset.h"
#include "workloads/dataset/dataset_lock.h"  // DatasetLock, held by the functions below
#include "workloads/dataset/packed_layout.h"

namespace feedbench {

// How samples are stored. kTmpfs is the files layout staged into memory at run time (see
// tmpfs_staging.h); a dataset directory itself is any other. kShards and kRecords are the packed
// layouts (packed_layout.h): tar shards read as streams, and data files with an index.
enum class Layout { kFiles, kLmdb, kTmpfs, kShards, kRecords };

// Every layout, in the order the names are listed in messages.
inline constexpr Layout kAllLayouts[] = {Layout::kFiles, Layout::kLmdb, Layout::kTmpfs,
                                         Layout::kShards, Layout::kRecords};

// "files", "lmdb", "tmpfs", "shards", "records"
std::string_view LayoutName(Layout layout);
// Throws UsageError naming `what`, the text and the accepted names.
Layout ParseLayout(std::string_view text, std::string_view what = "--layout");
// The packed format of kShards and kRecords; nullopt for the others.
std::optional<PackFormat> PackFormatOf(Layout layout);

inline constexpr std::string_view kManifestName = "feedbench-dataset.json";

struct Manifest {
  int format_version = 1;
  DatasetSpec spec;
  std::string spec_hash;
  Layout layout = Layout::kFiles;
  uint64_t samples = 0;
  uint64_t total_bytes = 0;  // sum of sample bytes (data only, not filesystem overhead)
  bool complete = false;
  std::string feedbench_version;
  std::string created_utc;  // ISO 8601, when generation started
  double generate_sec = 0;  // wall time of generation incl. sync (0 until complete)
  // Packed layouts: the shard (or data file) size the dataset was cut with, and how many shards
  // (data files) it has; 0 for the others.
  uint64_t shard_bytes = 0;
  uint64_t containers = 0;
  // What the data occupies on its filesystem (st_blocks x 512 of the dataset's own files), measured
  // when generation completed; 0 when unknown (a manifest written before it was recorded).
  uint64_t disk_bytes = 0;
};

nlohmann::json ToJson(const Manifest& manifest);
// Throws UsageError naming `where` (the manifest path) for corrupt JSON or a bad field.
Manifest ManifestFromJson(const nlohmann::json& json, std::string_view where);

// Reads <dir>/feedbench-dataset.json. nullopt when there is no manifest file; throws UsageError
// naming the file when it exists but is not valid JSON or not a manifest.
std::optional<Manifest> ReadManifest(const std::filesystem::path& dir);

// Path of sample `index` in a files-layout dataset rooted at `dir` (also a tmpfs staging root).
std::filesystem::path SampleFilePath(const std::filesystem::path& dir, const DatasetSpec& spec,
                                     uint64_t index);
// <dir>/lmdb: the LMDB environment directory.
std::filesystem::path LmdbEnvPath(const std::filesystem::path& dir);

// The error for LMDB return code `rc` from step `what` ("mdb_txn_commit") while writing the
// environment in `env_dir`. No space says so, naming the path and its free bytes: MDB_MAP_FULL,
// ENOSPC, and EIO on a filesystem with less free than one commit writes (LMDB reports a short
// page write as EIO). Anything else: LMDB's own text. Always exit 3 (environment).
EnvironmentError LmdbWriteError(int rc, std::string_view what, const std::filesystem::path& env_dir);

// A conventional per-dataset directory under a data root: <root>/<layout>-<spec hash>, and for a
// packed layout <root>/<layout>-<spec hash>-<shard size> ("shards-0123456789abcdef-256MiB").
std::filesystem::path DefaultDatasetDir(const std::filesystem::path& root, const DatasetSpec& spec,
                                        Layout layout, uint64_t shard_bytes = kDefaultShardBytes);

// st_blocks x 512 summed over the data files of the dataset in `dir` (not the manifest).
uint64_t DatasetDiskBytes(const std::filesystem::path& dir);

// Bytes the data will occupy on a filesystem with `block_bytes` blocks (files rounded up to
// blocks, plus LMDB page and B-tree overhead): what the free-space check asks for.
// One pass over the samples (SampleBytes each) unless every sample has the same size.
uint64_t EstimateDiskBytes(const DatasetSpec& spec, Layout layout, uint64_t block_bytes);

// What EstimateDiskBytes can return for `spec`, from the spec's arithmetic alone (no pass over the
// samples, so it answers at once for 2^40 samples). Sums saturate at UINT64_MAX.
struct DiskBytesBounds {
  uint64_t least = 0;  // every sample at the distribution's smallest size: certain
  // The sum of sizes below which n independent draws fall with probability under 1e-9
  // (Hoeffding: n·mean − (max − min)·sqrt(n·ln(1e9)/2)), laid out as for `least`; at least `least`.
  uint64_t likely_least = 0;
  uint64_t most = 0;  // every sample at the distribution's largest size
};
DiskBytesBounds EstimateDiskBytesBounds(const DatasetSpec& spec, Layout layout,
                                        uint64_t block_bytes);

struct EnsureOptions {
  int threads = 0;  // generation threads; 0 = hardware concurrency (at least 2: I/O overlaps)
  // Progress meter on stderr: shown only when stderr is a terminal and this is true.
  bool progress = true;
  // Called about every 200 ms during generation (on the meter's thread) and once at the end.
  std::function<void(const ProgressSnapshot&)> on_progress;
  // Packed layouts: the largest shard (data file), bytes. CheckShardBytes first, to name the flag.
  uint64_t shard_bytes = kDefaultShardBytes;
};

struct EnsureResult {
  Manifest manifest;
  bool reused = false;      // an existing complete dataset with the same spec hash and layout
  double generate_sec = 0;  // 0 when reused
  uint64_t generated_bytes = 0;
};

// Creates or reuses the dataset in `dir` (any layout but kTmpfs).
// - dir missing or empty: created.
// - a complete feedbench dataset with the same spec hash and layout (and shard size, when packed):
//   reused as is.
// - a feedbench dataset that is incomplete or of another spec/layout: its own entries (manifest,
//   data/, lmdb/) are removed and it is regenerated.
// - non-empty and not a feedbench dataset: UsageError, nothing touched.
// Before writing, free space is checked (EnvironmentError with needed and free bytes: exit 3, as
// every "no space"), by arithmetic
// (EstimateDiskBytesBounds) before any pass over the samples, so a request far beyond the free
// space is refused at once with its numbers. Generation is
// parallel, then synced (syncfs) before the manifest is marked complete.
// Throws UsageError (bad spec/dir, corrupt manifest), EnvironmentError (no space for the request,
// I/O errors, ENOSPC, directory locked by another process), Interrupted (inside an InterruptScope,
// harness/os/interrupt.h: a SIGINT or SIGTERM during generation; the incomplete dataset stays, for
// the caller to remove).
EnsureResult EnsureDataset(const std::filesystem::path& dir, const DatasetSpec& spec, Layout layout,
                           const EnsureOptions& options = {});

// Opens an existing complete dataset: returns its manifest. Throws UsageError when `dir` is not a
// feedbench dataset, is incomplete, or its manifest is corrupt.
Manifest OpenDataset(const std::filesystem::path& dir);

// Removes a feedbench dataset directory entirely (its manifest must exist and parse; entries that
// feedbench does not know are left and reported). Throws UsageError for anything else.
// Returns the number of entries left behind (0 = directory removed).
size_t RemoveDataset(const std::filesystem::path& dir);

// Reads every sample of a complete dataset and checks it (CheckSample). Returns the first bad
// sample as "sample 17 (<path or key>): <what>", or nullopt. `threads` 0 = auto. Shards are read
// as streams, so a damaged tar header, padding or end of archive is found too, naming the shard and
// member; a records index that is corrupt or does not match the data files is the answer itself.
std::optional<std::string> VerifyDataset(
    const std::filesystem::path& dir, int threads = 0,
    const std::function<void(const ProgressSnapshot&)>& on_progress = {});

}  // namespace feedbench
