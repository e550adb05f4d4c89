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
};

// One file per sample under `root` (a files dataset directory or a tmpfs staging directory).
std::unique_ptr<SampleStore> OpenFilesStore(const std::filesystem::path& root,
                                            const DatasetSpec& spec);

// How an LMDB store will be read. kRandom opens the environment with MDB_NORDAHEAD (the kernel's
// readahead would fetch neighbouring records nobody asked for); kSequential advises the map
// MADV_SEQUENTIAL, so page faults in file order trigger asynchronous readahead.
enum class LmdbAccess { kRandom, kSequential };

// The LMDB environment of an lmdb dataset directory, opened read-only (MDB_RDONLY, MDB_NOTLS so a
// cursor's transaction may be reset and renewed). Destroying the store closes and unmaps the
// environment (needed before a cache drop: mapped pages survive it).
std::unique_ptr<SampleStore> OpenLmdbStore(const std::filesystem::path& dataset_dir,
                                           const DatasetSpec& spec, LmdbAccess access);

// Big-endian 8-byte key of sample `index`: LMDB's byte order equals sample order.
std::string LmdbKey(uint64_t index);

}  // namespace feedbench
