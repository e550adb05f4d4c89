// A SampleStore is a dataset as the reader engine sees it: N samples, each read whole by index.
//
// The reader opens one SampleStore::Cursor per worker thread; a cursor owns its per-thread state
// (buffers, an LMDB read transaction and cursor) and is used by one thread only. The store itself
// is safe to share between threads once opened. Implementations: files (one file per sample:
// open + read to EOF + close, what a small-file loader pays) and LMDB (a read transaction get per
// sample for random access; a cursor walk when indices come in storage order). A Read failure
// (missing file, I/O error, missing key) throws RunError naming the sample and its path or key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "workloads/dataset/dataset.h"

namespace feedbench {

class ShardSource;  // shard_store.h

class SampleStore {
 public:
  class Cursor {
   public:
    virtual ~Cursor() = default;
    // Reads sample `index` whole into `buffer` (resized to the bytes read; the caller reuses
    // it). `expected_bytes` is the spec's size, used to size the read; a file of another length
    // is read as it is, so CheckSample can report it.
    virtual void Read(uint64_t index, uint64_t expected_bytes, std::vector<std::byte>& buffer) = 0;
  };

  virtual ~SampleStore() = default;
  virtual std::unique_ptr<Cursor> OpenCursor() = 0;
  // Where sample `index` lives, for messages: a path, or "<env>/data.mdb key 0000000000000011".
  virtual std::string Describe(uint64_t index) const = 0;
  // Every file backing the store (for posix_fadvise eviction).
  virtual std::vector<std::filesystem::path> BackingFiles() const = 0;
  // A store that loaders read shard by shard (the shards layout) gives its shards; others nullptr.
  virtual const ShardSource* shard_source() const { return nullptr; }
};

// One file per sample under `root` (a files dataset directory or a tmpfs staging directory).
std::unique_ptr<SampleStore> OpenFilesStore(const std::filesystem::path& root,
                                            const DatasetSpec& spec);

// How a store will be read: in a random order or in storage order. Stores tell the kernel (LMDB:
// kRandom opens the environment with MDB_NORDAHEAD, since the kernel's readahead would fetch
// neighbouring records nobody asked for; kSequential advises the map MADV_SEQUENTIAL, so page
// faults in file order trigger asynchronous readahead; records: posix_fadvise likewise).
enum class StoreAccess { kRandom, kSequential };
using LmdbAccess = StoreAccess;

struct Manifest;  // dataset_dir.h

// The store of the complete dataset in `dataset_dir` whose manifest is `manifest`, in its stored
// layout (not kTmpfs: a staging is read with OpenFilesStore). Throws what the layout's opener
// throws (UsageError for a damaged shards or records dataset, RunError for LMDB).
std::unique_ptr<SampleStore> OpenDatasetStore(const std::filesystem::path& dataset_dir,
                                              const Manifest& manifest, StoreAccess access);

// The LMDB environment of an lmdb dataset directory, opened read-only (MDB_RDONLY, MDB_NOTLS so a
// cursor's transaction may be reset and renewed). Destroying the store closes and unmaps the
// environment (needed before a cache drop: mapped pages survive it).
std::unique_ptr<SampleStore> OpenLmdbStore(const std::filesystem::path& dataset_dir,
                                           const DatasetSpec& spec, LmdbAccess access);

// Big-endian 8-byte key of sample `index`: LMDB's byte order equals sample order.
std::string LmdbKey(uint64_t index);

}  // namespace feedbench
