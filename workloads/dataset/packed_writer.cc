#include "workloads/dataset/packed_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"
#include "harness/os/interrupt.h"
#include "workloads/dataset/file_io.h"
#include "workloads/dataset/parallel_chunks.h"
#include "workloads/dataset/record_index.h"
#include "workloads/dataset/tar_format.h"

namespace feedbench {
namespace fs = std::filesystem;
namespace {

constexpr size_t kWriteBufferBytes = 4 << 20;
constexpr uint64_t kInterruptEverySamples = 64;

// Appends bytes to a new file through a buffer; Reserve hands out room to fill in place.
class BufferedFile {
 public:
  explicit BufferedFile(fs::path path) : path_(std::move(path)) {
    fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd_.get() < 0) {
      throw EnvironmentError(fmt::format("creating {}: {}", path_.string(), std::strerror(errno)));
    }
    buffer_.reserve(kWriteBufferBytes);
  }
  // `bytes` zeroed bytes at the end of the file, to fill before the next call.
  std::span<std::byte> Reserve(size_t bytes) {
    if (buffer_.size() + bytes > kWriteBufferBytes) Flush();
    const size_t at = buffer_.size();
    buffer_.resize(at + bytes);  // value-initialised: zero
    return std::span(buffer_).subspan(at, bytes);
  }
  void Flush() {
    WriteAll(fd_.get(), buffer_, path_);
    buffer_.clear();
  }
  void Close() {
    Flush();
    if (::close(fd_.release()) != 0) {
      throw EnvironmentError(fmt::format("closing {}: {}", path_.string(), std::strerror(errno)));
    }
  }

 private:
  fs::path path_;
  UniqueFd fd_;
  std::vector<std::byte> buffer_;
};

void WriteContainer(const fs::path& dir, const DatasetSpec& spec, const PackPlan& plan,
                    uint64_t k, ProgressMeter& meter) {
  const bool tar = plan.format == PackFormat::kTar;
  BufferedFile file(tar ? ShardPath(dir, k) : RecordFilePath(dir, k));
  for (uint64_t i = plan.first_sample[k]; i < plan.first_sample[k + 1]; ++i) {
    if ((i - plan.first_sample[k]) % kInterruptEverySamples == 0) ThrowIfInterrupted();
    const uint64_t bytes = SampleBytes(spec, i);
    if (tar) {
      WriteTarHeader(ShardMemberName(i), bytes, file.Reserve(kTarBlockBytes));
      // The padding after the sample is the rest of the reserved (zeroed) room.
      FillSample(spec, i, file.Reserve(TarPaddedBytes(bytes)).first(bytes));
    } else {
      FillSample(spec, i, file.Reserve(bytes));
    }
    meter.Add(1, bytes);
  }
  if (tar) file.Reserve(kTarEndBytes);
  file.Close();
}

}  // namespace

void WritePacked(const fs::path& dir, const DatasetSpec& spec, const PackPlan& plan, int threads,
                 ProgressMeter& meter) {
  const fs::path sub = plan.format == PackFormat::kTar ? ShardsDir(dir) : RecordsDir(dir);
  std::error_code ec;
  fs::create_directories(sub, ec);
  if (ec) throw EnvironmentError(fmt::format("creating {}: {}", sub.string(), ec.message()));
  ParallelChunks(plan.containers(), 1, threads, [&](uint64_t begin, uint64_t end) {
    for (uint64_t k = begin; k < end; ++k) WriteContainer(dir, spec, plan, k, meter);
  });
  if (plan.format == PackFormat::kRecords) WriteRecordIndex(dir, IndexOfPlan(plan, spec));
}

}  // namespace feedbench
