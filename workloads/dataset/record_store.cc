#include "workloads/dataset/record_store.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"
#include "workloads/dataset/file_io.h"
#include "workloads/dataset/packed_layout.h"
#include "workloads/dataset/record_index.h"

namespace feedbench {
namespace fs = std::filesystem;
namespace {

class RecordsStore final : public SampleStore {
 public:
  RecordsStore(fs::path dir, const DatasetSpec& spec, StoreAccess access)
      : dir_(std::move(dir)), index_(LoadRecordIndex(dir_, spec.samples)) {
    const int advice =
        access == StoreAccess::kRandom ? POSIX_FADV_RANDOM : POSIX_FADV_SEQUENTIAL;
    for (uint64_t k = 0; k < index_.files; ++k) {
      const fs::path path = RecordFilePath(dir_, k);
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.get() < 0) {
        throw RunError(fmt::format("opening {}: {}", path.string(), std::strerror(errno)));
      }
      ::posix_fadvise(fd.get(), 0, 0, advice);
      fds_.push_back(std::move(fd));
    }
  }

  class RecordCursor final : public Cursor {
   public:
    explicit RecordCursor(const RecordsStore& store) : store_(store) {}
    void Read(uint64_t index, uint64_t /*expected_bytes*/,
              std::vector<std::byte>& buffer) override {
      const RecordEntry& e = store_.index_.entries[index];
      buffer.resize(e.length);
      const size_t got = PreadAll(store_.fds_[e.file].get(), buffer, e.offset,
                                  RecordFilePath(store_.dir_, e.file),
                                  fmt::format("sample {} ({})", index, store_.Describe(index)));
      buffer.resize(got);
    }

   private:
    const RecordsStore& store_;
  };

  std::unique_ptr<Cursor> OpenCursor() override { return std::make_unique<RecordCursor>(*this); }
  std::string Describe(uint64_t index) const override {
    const RecordEntry& e = index_.entries[index];
    return fmt::format("{} record {} at byte {}, {} bytes", RecordFilePath(dir_, e.file).string(),
                       index, e.offset, e.length);
  }
  std::vector<fs::path> BackingFiles() const override {
    return PackedFiles(dir_, PackFormat::kRecords, index_.files);
  }

 private:
  fs::path dir_;
  RecordIndex index_;
  std::vector<UniqueFd> fds_;
};

}  // namespace

std::unique_ptr<SampleStore> OpenRecordsStore(const fs::path& dataset_dir, const DatasetSpec& spec,
                                              StoreAccess access) {
  return std::make_unique<RecordsStore>(dataset_dir, spec, access);
}

}  // namespace feedbench
