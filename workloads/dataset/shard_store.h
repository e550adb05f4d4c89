// The shards layout (packed_layout.h) as the reader and verification see it: a SampleStore that
// reads one member by its planned offset, and a ShardSource whose streams read a shard from its
// start to its end, member after member, as a WebDataset loader streams a tar file.
//
// A stream reads the shard with read(2) in pieces of kShardStreamReadBytes (1 MiB, more for a
// member that is larger) into its own buffer, after posix_fadvise(SEQUENTIAL): the kernel reads
// ahead as for any sequential reader. Every member is checked as it is read: its header's ustar
// checksum, its name (the next sample in index order), its zero padding, and at the end the
// archive's two zero blocks and the end of the file. A problem throws RunError naming the shard
// file, the member's byte offset and the sample expected there.
// The store and its source are safe to share between threads; a stream or cursor is used by one
// thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "harness/base/unique_fd.h"
#include "workloads/dataset/packed_layout.h"
#include "workloads/dataset/sample_store.h"

namespace feedbench {

inline constexpr size_t kShardStreamReadBytes = 1 << 20;

// One pass over one shard.
class ShardStream {
 public:
  // Opens shard `shard` of the dataset in `dataset_dir`, whose plan is `plan`. Throws RunError.
  ShardStream(const std::filesystem::path& dataset_dir, const PackPlan& plan, uint64_t shard);
  ShardStream(const ShardStream&) = delete;
  ShardStream& operator=(const ShardStream&) = delete;

  // Reads the next member into `buffer` (resized to its bytes) and returns its sample index, or
  // nullopt after the last member (the end blocks and the end of the file checked).
  std::optional<uint64_t> Next(std::vector<std::byte>& buffer);

  const std::filesystem::path& path() const { return path_; }

 private:
  // Makes at least `bytes` bytes available at buffer_[begin_..]; fewer only at the end of file.
  void Fill(size_t bytes);
  [[noreturn]] void Fail(const std::string& what) const;

  std::filesystem::path path_;
  UniqueFd fd_;
  uint64_t next_sample_ = 0, end_sample_ = 0;
  std::vector<std::byte> buffer_;
  size_t begin_ = 0, end_ = 0;   // the unread bytes are buffer_[begin_, end_)
  uint64_t consumed_bytes_ = 0;  // file offset of buffer_[begin_]
  bool finished_ = false;
};

// A dataset read shard by shard.
class ShardSource {
 public:
  virtual ~ShardSource() = default;
  virtual uint64_t shards() const = 0;
  // The samples shard `shard` holds: [first, end).
  virtual uint64_t FirstSample(uint64_t shard) const = 0;
  virtual uint64_t EndSample(uint64_t shard) const = 0;
  virtual std::unique_ptr<ShardStream> OpenStream(uint64_t shard) const = 0;
};

// The shards of a shards dataset in `dataset_dir` cut with `shard_bytes` (its manifest's). The
// returned store's shard_source() is its ShardSource. Throws UsageError when a planned shard file
// is missing or has another length (the dataset is damaged).
std::unique_ptr<SampleStore> OpenShardsStore(const std::filesystem::path& dataset_dir,
                                             const DatasetSpec& spec, uint64_t shard_bytes);

}  // namespace feedbench
