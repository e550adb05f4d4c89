#include "workloads/dataset/sample_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <lmdb.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/base/errors.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/record_store.h"
#include "workloads/dataset/shard_store.h"

namespace feedbench {
namespace {

class FilesStore final : public SampleStore {
 public:
  FilesStore(std::filesystem::path root, DatasetSpec spec)
      : root_(std::move(root)), spec_(std::move(spec)) {}

  class FileCursor final : public Cursor {
   public:
    explicit FileCursor(const FilesStore& store) : store_(store) {}
    void Read(uint64_t index, uint64_t expected_bytes, std::vector<std::byte>& buffer) override {
      const std::filesystem::path path = SampleFilePath(store_.root_, store_.spec_, index);
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        throw RunError(
            fmt::format("sample {} ({}): open: {}", index, path.string(), std::strerror(errno)));
      }
      // One byte more than expected, so a file that grew is seen as too long.
      buffer.resize(expected_bytes + 1);
      size_t have = 0;
      while (true) {
        const ssize_t n = ::read(fd, buffer.data() + have, buffer.size() - have);
        if (n < 0) {
          if (errno == EINTR) continue;
          const int saved = errno;
          ::close(fd);
          throw RunError(
              fmt::format("sample {} ({}): read: {}", index, path.string(), std::strerror(saved)));
        }
        have += static_cast<size_t>(n);
        // A short read of a regular file means end of file; no extra read(2) to confirm it.
        if (n == 0 || have < buffer.size()) break;
        buffer.resize(buffer.size() * 2);
      }
      ::close(fd);
      buffer.resize(have);
    }

   private:
    const FilesStore& store_;
  };

  std::unique_ptr<Cursor> OpenCursor() override { return std::make_unique<FileCursor>(*this); }
  std::string Describe(uint64_t index) const override {
    return SampleFilePath(root_, spec_, index).string();
  }
  std::vector<std::filesystem::path> BackingFiles() const override {
    std::vector<std::filesystem::path> files;
    files.reserve(spec_.samples);
    for (uint64_t i = 0; i < spec_.samples; ++i) files.push_back(SampleFilePath(root_, spec_, i));
    return files;
  }

 private:
  std::filesystem::path root_;
  DatasetSpec spec_;
};

std::string KeyHex(uint64_t index) { return fmt::format("{:016x}", index); }

class LmdbStore final : public SampleStore {
 public:
  LmdbStore(const std::filesystem::path& dataset_dir, DatasetSpec spec, LmdbAccess access)
      : env_path_(LmdbEnvPath(dataset_dir)), spec_(std::move(spec)), access_(access) {
    Check(mdb_env_create(&env_), "mdb_env_create");
    unsigned flags = MDB_RDONLY | MDB_NOTLS;
    if (access == LmdbAccess::kRandom) flags |= MDB_NORDAHEAD;
    mdb_env_set_maxreaders(env_, 1024);
    const int rc = mdb_env_open(env_, env_path_.c_str(), flags, 0644);
    if (rc != 0) {
      mdb_env_close(env_);
      throw RunError(
          fmt::format("opening LMDB environment {}: {}", env_path_.string(), mdb_strerror(rc)));
    }
    if (access == LmdbAccess::kSequential) {
      // A cursor walk touches the map in file order: let the kernel read ahead asynchronously
      // (as read(2) would), instead of a synchronous read-around at every fault.
      MDB_envinfo info{};
      if (mdb_env_info(env_, &info) == 0 && info.me_mapaddr != nullptr) {
        ::madvise(info.me_mapaddr, info.me_mapsize, MADV_SEQUENTIAL);
      }
    }
    MDB_txn* txn = nullptr;
    Check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin");
    const int dbi_rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
    mdb_txn_abort(txn);
    if (dbi_rc != 0) {
      mdb_env_close(env_);
      throw RunError(
          fmt::format("opening LMDB database in {}: {}", env_path_.string(), mdb_strerror(dbi_rc)));
    }
  }
  ~LmdbStore() override { mdb_env_close(env_); }

  class LmdbCursor final : public Cursor {
   public:
    explicit LmdbCursor(LmdbStore& store) : store_(store) {
      store_.Check(mdb_txn_begin(store_.env_, nullptr, MDB_RDONLY, &txn_), "mdb_txn_begin");
      if (store_.access_ == LmdbAccess::kSequential) {
        store_.Check(mdb_cursor_open(txn_, store_.dbi_, &cursor_), "mdb_cursor_open");
      } else {
        mdb_txn_reset(txn_);
      }
    }
    ~LmdbCursor() override {
      if (cursor_ != nullptr) mdb_cursor_close(cursor_);
      mdb_txn_abort(txn_);
    }

    void Read(uint64_t index, uint64_t /*expected_bytes*/,
              std::vector<std::byte>& buffer) override {
      const std::string key = LmdbKey(index);
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      MDB_val v{0, nullptr};
      if (cursor_ == nullptr) {
        // Random access: one read transaction and one get per sample.
        store_.Check(mdb_txn_renew(txn_), "mdb_txn_renew");
        const int rc = mdb_get(txn_, store_.dbi_, &k, &v);
        if (rc == 0) Copy(v, buffer);
        mdb_txn_reset(txn_);
        if (rc != 0) Fail(index, rc);
        return;
      }
      int rc = 0;
      if (walking_ && index == next_index_) {
        // Storage order: continue the cursor walk.
        MDB_val found{0, nullptr};
        rc = mdb_cursor_get(cursor_, &found, &v, MDB_NEXT);
        if (rc == 0 && (found.mv_size != key.size() ||
                        std::memcmp(found.mv_data, key.data(), key.size()) != 0)) {
          rc = MDB_NOTFOUND;
        }
      } else {
        // A jump (a worker's next batch starts elsewhere): reposition the walk.
        rc = mdb_cursor_get(cursor_, &k, &v, MDB_SET_KEY);
      }
      if (rc != 0) Fail(index, rc);
      Copy(v, buffer);
      walking_ = true;
      next_index_ = index + 1;
    }

   private:
    static void Copy(const MDB_val& v, std::vector<std::byte>& buffer) {
      // Copying out of the map is what touches the pages (and faults them in from the device).
      buffer.resize(v.mv_size);
      std::memcpy(buffer.data(), v.mv_data, v.mv_size);
    }
    [[noreturn]] void Fail(uint64_t index, int rc) const {
      throw RunError(
          fmt::format("sample {} ({}): {}", index, store_.Describe(index), mdb_strerror(rc)));
    }

    LmdbStore& store_;
    MDB_txn* txn_ = nullptr;
    MDB_cursor* cursor_ = nullptr;
    bool walking_ = false;
    uint64_t next_index_ = 0;
  };

  std::unique_ptr<Cursor> OpenCursor() override { return std::make_unique<LmdbCursor>(*this); }
  std::string Describe(uint64_t index) const override {
    return fmt::format("{} key {}", (env_path_ / "data.mdb").string(), KeyHex(index));
  }
  std::vector<std::filesystem::path> BackingFiles() const override {
    return {env_path_ / "data.mdb"};
  }

 private:
  void Check(int rc, std::string_view what) const {
    if (rc != 0) {
      throw RunError(fmt::format("LMDB {} ({}): {}", what, env_path_.string(), mdb_strerror(rc)));
    }
  }

  std::filesystem::path env_path_;
  DatasetSpec spec_;
  LmdbAccess access_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

}  // namespace

std::string LmdbKey(uint64_t index) {
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>((index >> (56 - 8 * i)) & 0xff);
  return key;
}

std::unique_ptr<SampleStore> OpenFilesStore(const std::filesystem::path& root,
                                            const DatasetSpec& spec) {
  return std::make_unique<FilesStore>(root, spec);
}

std::unique_ptr<SampleStore> OpenLmdbStore(const std::filesystem::path& dataset_dir,
                                           const DatasetSpec& spec, LmdbAccess access) {
  return std::make_unique<LmdbStore>(dataset_dir, spec, access);
}

std::unique_ptr<SampleStore> OpenDatasetStore(const std::filesystem::path& dataset_dir,
                                              const Manifest& manifest, StoreAccess access) {
  switch (manifest.layout) {
    case Layout::kLmdb:
      return OpenLmdbStore(dataset_dir, manifest.spec, access);
    case Layout::kShards:
      return OpenShardsStore(dataset_dir, manifest.spec, manifest.shard_bytes);
    case Layout::kRecords:
      return OpenRecordsStore(dataset_dir, manifest.spec, access);
    case Layout::kFiles:
    case Layout::kTmpfs:
      break;
  }
  return OpenFilesStore(dataset_dir, manifest.spec);
}

}  // namespace feedbench
