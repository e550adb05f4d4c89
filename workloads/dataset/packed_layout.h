// Where the samples of the two packed layouts go: which container (a shard or a data file) holds
// each sample, and at which byte offset.
//
//   shards:  <dir>/shards/shard-<k:06>.tar, POSIX ustar archives (tar_format.h) of whole samples,
//            one member "<index:010>.sample" per sample, in index order (the WebDataset layout:
//            members of one sample share a basename; a feedbench sample is one file)
//   records: <dir>/records/data-<k:06>.rec, samples back to back in index order with nothing
//            between them, and <dir>/records/index.bin, the offset and length of each (record_index.h)
//
// Samples fill a container in index order while it stays within `shard_bytes` (a shard counts its
// headers, padding and end blocks); the next sample starts the next container. A container holds
// at least one sample, so `shard_bytes` must hold the largest sample (CheckShardBytes). The plan
// follows from (spec, shard_bytes) alone: generation, reading and verification compute the same
// one. Memory: 8 bytes per sample. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/dataset/dataset.h"

namespace feedbench {

enum class PackFormat { kTar, kRecords };

// The default shard (or data file) size: 256 MiB.
inline constexpr uint64_t kDefaultShardBytes = 256ULL << 20;

// The bytes of one container around sample bytes: a tar member with the end blocks of an archive
// for kTar (the least a shard holding that sample can be), the sample itself for kRecords.
uint64_t LeastContainerBytes(PackFormat format, uint64_t sample_bytes);

// Throws UsageError naming `what` ("--shard-bytes", "suite.json: workloads[3].shard_bytes") when
// `shard_bytes` is 0 or cannot hold the largest sample `spec` may have, with that sample's size.
void CheckShardBytes(const DatasetSpec& spec, PackFormat format, uint64_t shard_bytes,
                     std::string_view what);

struct PackPlan {
  PackFormat format = PackFormat::kTar;
  uint64_t shard_bytes = 0;
  // first_sample[k]: the first sample of container k; one more entry, the sample count.
  std::vector<uint64_t> first_sample;
  // offset[i]: where sample i's bytes start in its container (kTar: after its header).
  std::vector<uint64_t> offset;
  // container_bytes[k]: container k's length (kTar: with the end blocks).
  std::vector<uint64_t> container_bytes;

  uint64_t containers() const { return container_bytes.size(); }
  // The container holding sample `index`. REQUIRES: index < samples.
  uint64_t ContainerOf(uint64_t index) const;
};

// The plan for `spec` (one pass over SampleBytes). Throws UsageError as CheckShardBytes.
PackPlan PlanPack(const DatasetSpec& spec, PackFormat format, uint64_t shard_bytes);

// The name of sample `index` in a shard: "0000000017.sample".
std::string ShardMemberName(uint64_t index);

std::filesystem::path ShardsDir(const std::filesystem::path& dir);   // <dir>/shards
std::filesystem::path RecordsDir(const std::filesystem::path& dir);  // <dir>/records
std::filesystem::path ShardPath(const std::filesystem::path& dir, uint64_t shard);
std::filesystem::path RecordFilePath(const std::filesystem::path& dir, uint64_t file);
std::filesystem::path RecordIndexPath(const std::filesystem::path& dir);

// Every file of a packed dataset in `dir` (the containers, and the records index), as a plan of
// `containers` containers names them.
std::vector<std::filesystem::path> PackedFiles(const std::filesystem::path& dir, PackFormat format,
                                               uint64_t containers);

}  // namespace feedbench
