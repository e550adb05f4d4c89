#include "workloads/dataset/shard_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "harness/base/errors.h"
#include "workloads/dataset/file_io.h"
#include "workloads/dataset/tar_format.h"

namespace feedbench {
namespace fs = std::filesystem;
namespace {

bool AllZero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

UniqueFd OpenForReading(const fs::path& path, int advice) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    throw RunError(fmt::format("opening {}: {}", path.string(), std::strerror(errno)));
  }
  ::posix_fadvise(fd.get(), 0, 0, advice);
  return fd;
}

}  // namespace

ShardStream::ShardStream(const fs::path& dataset_dir, const PackPlan& plan, uint64_t shard)
    : path_(ShardPath(dataset_dir, shard)),
      fd_(OpenForReading(path_, POSIX_FADV_SEQUENTIAL)),
      next_sample_(plan.first_sample[shard]),
      end_sample_(plan.first_sample[shard + 1]),
      buffer_(kShardStreamReadBytes) {}

void ShardStream::Fail(const std::string& what) const {
  throw RunError(fmt::format("{}: at byte {} (member {}): {}", path_.string(), consumed_bytes_,
                             ShardMemberName(next_sample_), what));
}

void ShardStream::Fill(size_t bytes) {
  if (end_ - begin_ >= bytes) return;
  // Keep the unread bytes, at the front, and room for at least one whole read after them.
  std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  if (buffer_.size() < std::max(bytes, end_ + kShardStreamReadBytes)) {
    buffer_.resize(std::max(bytes, end_ + kShardStreamReadBytes));
  }
  while (end_ < bytes) {
    const ssize_t n = ::read(fd_.get(), buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(fmt::format("read: {}", std::strerror(errno)));
    }
    if (n == 0) return;
    end_ += static_cast<size_t>(n);
  }
}

std::optional<uint64_t> ShardStream::Next(std::vector<std::byte>& buffer) {
  if (finished_) return std::nullopt;
  Fill(kTarBlockBytes);
  if (end_ - begin_ < kTarBlockBytes) {
    Fail(fmt::format("the file ends without the archive's end blocks ({} bytes left)",
                     end_ - begin_));
  }
  std::string problem;
  const std::optional<TarHeader> header =
      ParseTarHeader(std::span(buffer_).subspan(begin_, kTarBlockBytes), problem);
  if (!header && !problem.empty()) Fail(problem);
  if (!header) {
    // A zero block: the end of the archive, which must come after the last planned member.
    if (next_sample_ != end_sample_) {
      Fail(fmt::format("the archive ends early: {} more members were expected",
                       end_sample_ - next_sample_));
    }
    Fill(kTarEndBytes + 1);
    if (end_ - begin_ != kTarEndBytes ||
        !AllZero(std::span(buffer_).subspan(begin_, kTarEndBytes))) {
      Fail("the archive's end is not two zero blocks followed by the end of the file");
    }
    finished_ = true;
    return std::nullopt;
  }
  if (next_sample_ == end_sample_) {
    Fail(fmt::format("member '{}' follows the last planned member", header->name));
  }
  if (header->name != ShardMemberName(next_sample_) || header->type != '0') {
    Fail(fmt::format("member '{}' (type '{}') where a regular file '{}' was expected",
                     header->name, header->type, ShardMemberName(next_sample_)));
  }
  if (header->data_bytes > kMaxSampleBytes) {
    Fail(fmt::format("member size {} exceeds the largest sample", header->data_bytes));
  }
  const size_t padded = TarPaddedBytes(header->data_bytes);
  Fill(kTarBlockBytes + padded);
  if (end_ - begin_ < kTarBlockBytes + padded) {
    Fail(fmt::format("the file ends inside the member ({} of {} bytes)",
                     end_ - begin_ - kTarBlockBytes, padded));
  }
  const std::byte* data = buffer_.data() + begin_ + kTarBlockBytes;
  buffer.assign(data, data + header->data_bytes);
  if (!AllZero(std::span(data + header->data_bytes, padded - header->data_bytes))) {
    Fail("the member's padding after its data is not zero");
  }
  begin_ += kTarBlockBytes + padded;
  consumed_bytes_ += kTarBlockBytes + padded;
  return next_sample_++;
}

namespace {

class ShardsStore final : public SampleStore, public ShardSource {
 public:
  ShardsStore(fs::path dir, const DatasetSpec& spec, uint64_t shard_bytes)
      : dir_(std::move(dir)), plan_(PlanPack(spec, PackFormat::kTar, shard_bytes)) {
    for (uint64_t k = 0; k < plan_.containers(); ++k) {
      const fs::path path = ShardPath(dir_, k);
      std::error_code ec;
      const uint64_t bytes = fs::file_size(path, ec);
      if (ec || bytes != plan_.container_bytes[k]) {
        throw UsageError(fmt::format(
            "{}: {}; the shards dataset in {} expects shard {} of {} bytes (shard_bytes {}): the "
            "dataset is damaged: remove it and generate it again",
            path.string(), ec ? ec.message() : fmt::format("{} bytes", bytes), dir_.string(), k,
            plan_.container_bytes[k], shard_bytes));
      }
    }
  }

  // Random access by the plan's offset: one pread of the header and the member's data.
  class MemberCursor final : public Cursor {
   public:
    explicit MemberCursor(const ShardsStore& store) : store_(store) {}
    void Read(uint64_t index, uint64_t expected_bytes, std::vector<std::byte>& buffer) override {
      const uint64_t shard = store_.plan_.ContainerOf(index);
      if (shard != open_shard_) {
        fd_ = OpenForReading(ShardPath(store_.dir_, shard), POSIX_FADV_RANDOM);
        open_shard_ = shard;
      }
      const uint64_t at = store_.plan_.offset[index] - kTarBlockBytes;
      block_.resize(kTarBlockBytes + expected_bytes);
      const fs::path path = ShardPath(store_.dir_, shard);
      const std::string what = fmt::format("sample {} ({})", index, store_.Describe(index));
      const size_t got = PreadAll(fd_.get(), block_, at, path, what);
      std::string problem;
      const std::optional<TarHeader> header =
          got < kTarBlockBytes ? std::nullopt
                               : ParseTarHeader(std::span(block_).first(kTarBlockBytes), problem);
      if (!header || header->name != ShardMemberName(index)) {
        throw RunError(fmt::format("{}: {}", what,
                                   !problem.empty() ? problem
                                   : header ? fmt::format("member '{}' at byte {}", header->name, at)
                                            : std::string("no member header")));
      }
      const uint64_t bytes = std::min<uint64_t>(header->data_bytes, got - kTarBlockBytes);
      buffer.assign(block_.begin() + kTarBlockBytes,
                    block_.begin() + static_cast<std::ptrdiff_t>(kTarBlockBytes + bytes));
    }

   private:
    const ShardsStore& store_;
    UniqueFd fd_;
    uint64_t open_shard_ = UINT64_MAX;
    std::vector<std::byte> block_;
  };

  std::unique_ptr<Cursor> OpenCursor() override { return std::make_unique<MemberCursor>(*this); }
  std::string Describe(uint64_t index) const override {
    return fmt::format("{} member {}", ShardPath(dir_, plan_.ContainerOf(index)).string(),
                       ShardMemberName(index));
  }
  std::vector<fs::path> BackingFiles() const override {
    return PackedFiles(dir_, PackFormat::kTar, plan_.containers());
  }
  const ShardSource* shard_source() const override { return this; }

  uint64_t shards() const override { return plan_.containers(); }
  uint64_t FirstSample(uint64_t shard) const override { return plan_.first_sample[shard]; }
  uint64_t EndSample(uint64_t shard) const override { return plan_.first_sample[shard + 1]; }
  std::unique_ptr<ShardStream> OpenStream(uint64_t shard) const override {
    return std::make_unique<ShardStream>(dir_, plan_, shard);
  }

 private:
  fs::path dir_;
  PackPlan plan_;
};

}  // namespace

std::unique_ptr<SampleStore> OpenShardsStore(const fs::path& dataset_dir, const DatasetSpec& spec,
                                             uint64_t shard_bytes) {
  return std::make_unique<ShardsStore>(dataset_dir, spec, shard_bytes);
}

}  // namespace feedbench
