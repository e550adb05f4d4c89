#include "workloads/dataset/packed_layout.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/base/errors.h"
#include "harness/base/units.h"
#include "workloads/dataset/tar_format.h"

namespace feedbench {
namespace fs = std::filesystem;
namespace {

// What one sample adds to a container.
uint64_t EntryBytes(PackFormat format, uint64_t sample_bytes) {
  return format == PackFormat::kTar ? TarMemberBytes(sample_bytes) : sample_bytes;
}
// What a container adds once.
uint64_t TrailerBytes(PackFormat format) { return format == PackFormat::kTar ? kTarEndBytes : 0; }

}  // namespace

uint64_t LeastContainerBytes(PackFormat format, uint64_t sample_bytes) {
  return EntryBytes(format, sample_bytes) + TrailerBytes(format);
}

void CheckShardBytes(const DatasetSpec& spec, PackFormat format, uint64_t shard_bytes,
                     std::string_view what) {
  if (shard_bytes == 0) {
    throw UsageError(fmt::format("{}: 0 bytes; expected a size with a unit, e.g. 256MiB", what));
  }
  const uint64_t largest = SizeBounds(spec.sizes).max_bytes;
  const uint64_t least = LeastContainerBytes(format, largest);
  if (shard_bytes < least) {
    throw UsageError(fmt::format(
        "{}: {} ({} bytes) is smaller than a sample: samples are up to {} ({} bytes){}; a {} "
        "holds whole samples only: use at least {}",
        what, FormatBytesExact(shard_bytes), shard_bytes, FormatBytesExact(largest), largest,
        format == PackFormat::kTar
            ? fmt::format(", {} bytes as a tar member with the archive's end blocks", least)
            : std::string(),
        format == PackFormat::kTar ? "shard" : "data file", FormatBytesExact(least)));
  }
}

uint64_t PackPlan::ContainerOf(uint64_t index) const {
  // The last container whose first sample is at or before `index`.
  const auto it = std::upper_bound(first_sample.begin(), first_sample.end() - 1, index);
  return static_cast<uint64_t>(it - first_sample.begin()) - 1;
}

PackPlan PlanPack(const DatasetSpec& spec, PackFormat format, uint64_t shard_bytes) {
  CheckShardBytes(spec, format, shard_bytes, "shard_bytes");
  PackPlan plan;
  plan.format = format;
  plan.shard_bytes = shard_bytes;
  plan.offset.resize(spec.samples);
  const uint64_t header = format == PackFormat::kTar ? kTarBlockBytes : 0;
  uint64_t used = 0;  // bytes of the open container's entries
  for (uint64_t i = 0; i < spec.samples; ++i) {
    const uint64_t entry = EntryBytes(format, SampleBytes(spec, i));
    if (plan.first_sample.empty() || used + entry + TrailerBytes(format) > shard_bytes) {
      if (!plan.first_sample.empty()) plan.container_bytes.push_back(used + TrailerBytes(format));
      plan.first_sample.push_back(i);
      used = 0;
    }
    plan.offset[i] = used + header;
    used += entry;
  }
  plan.container_bytes.push_back(used + TrailerBytes(format));
  plan.first_sample.push_back(spec.samples);
  return plan;
}

std::string ShardMemberName(uint64_t index) { return fmt::format("{:010}.sample", index); }

fs::path ShardsDir(const fs::path& dir) { return dir / "shards"; }
fs::path RecordsDir(const fs::path& dir) { return dir / "records"; }
fs::path ShardPath(const fs::path& dir, uint64_t shard) {
  return ShardsDir(dir) / fmt::format("shard-{:06}.tar", shard);
}
fs::path RecordFilePath(const fs::path& dir, uint64_t file) {
  return RecordsDir(dir) / fmt::format("data-{:06}.rec", file);
}
fs::path RecordIndexPath(const fs::path& dir) { return RecordsDir(dir) / "index.bin"; }

std::vector<fs::path> PackedFiles(const fs::path& dir, PackFormat format, uint64_t containers) {
  std::vector<fs::path> files;
  for (uint64_t k = 0; k < containers; ++k) {
    files.push_back(format == PackFormat::kTar ? ShardPath(dir, k) : RecordFilePath(dir, k));
  }
  if (format == PackFormat::kRecords) files.push_back(RecordIndexPath(dir));
  return files;
}

}  // namespace feedbench
