#include "workloads/dataset/dataset_dir.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"
#include "harness/base/units.h"
#include "harness/base/version.h"
#include "harness/os/interrupt.h"
#include "workloads/dataset/file_io.h"
#include "workloads/dataset/packed_writer.h"
#include "workloads/dataset/parallel_chunks.h"
#include "workloads/dataset/record_index.h"
#include "workloads/dataset/record_store.h"
#include "workloads/dataset/sample_store.h"
#include "workloads/dataset/shard_store.h"
#include "workloads/dataset/tar_format.h"

namespace feedbench {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kLmdbPageBytes = 4096;
// Samples a generation or verify thread claims at once.
constexpr uint64_t kChunkSamples = 64;
// The LMDB writer commits every kCommitBytes of samples (bounding dirty memory); a commit writes
// up to about that much at once, so an EIO with less than twice that free is a full filesystem.
constexpr uint64_t kCommitBytes = 64ULL << 20;
constexpr uint64_t kLmdbFullBelowBytes = 2 * kCommitBytes;

std::string UtcNow() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  return std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
}

// The nearest existing ancestor of `path` (for statvfs before the directory exists).
fs::path ExistingAncestor(fs::path path) {
  std::error_code ec;
  path = fs::absolute(path, ec);
  while (!path.empty() && !fs::exists(path, ec)) {
    if (path == path.parent_path()) break;
    path = path.parent_path();
  }
  return path;
}

struct FsSpace {
  uint64_t free_bytes = 0;
  uint64_t block_bytes = 4096;
};

FsSpace SpaceAt(const fs::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    throw EnvironmentError(fmt::format("statvfs {}: {}", path.string(), std::strerror(errno)));
  }
  return {static_cast<uint64_t>(st.f_bavail) * st.f_frsize, std::max<uint64_t>(st.f_frsize, 512)};
}

// The entries a feedbench dataset owns in its directory, besides its manifest.
constexpr const char* kOwnEntries[] = {"data", "lmdb", "shards", "records"};

// Bytes held by the entries a feedbench dataset owns in `dir` (reclaimed when regenerating).
uint64_t OwnEntriesBytes(const fs::path& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const char* sub : kOwnEntries) {
    const fs::path p = dir / sub;
    if (!fs::exists(p, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(p, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      struct stat st {};
      if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        bytes += static_cast<uint64_t>(st.st_blocks) * 512;
      }
    }
  }
  return bytes;
}

void RemoveOwnEntries(const fs::path& dir) {
  std::error_code ec;
  for (const char* sub : kOwnEntries) {
    fs::remove_all(dir / sub, ec);
    if (ec) {
      throw EnvironmentError(fmt::format("removing {}: {}", (dir / sub).string(), ec.message()));
    }
  }
}

void WriteManifest(const fs::path& dir, const Manifest& manifest) {
  WriteFileAtomic(dir / kManifestName, ToJson(manifest).dump(2) + "\n");
}

bool IsEmptyDirectory(const fs::path& dir) {
  std::error_code ec;
  return fs::is_empty(dir, ec) && !ec;
}

[[noreturn]] void ThrowIo(std::string_view what, const fs::path& path, int err) {
  throw EnvironmentError(fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

void SyncFilesystem(const fs::path& dir) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) ThrowIo("opening", dir, errno);
  if (::syncfs(fd.get()) != 0) ThrowIo("syncfs", dir, errno);
}

void GenerateFiles(const fs::path& dir, const DatasetSpec& spec, int threads,
                   ProgressMeter& meter) {
  const uint64_t shards = (spec.samples + spec.files_per_dir - 1) / spec.files_per_dir;
  for (uint64_t shard = 0; shard < shards; ++shard) {
    const fs::path shard_dir = SampleFilePath(dir, spec, shard * spec.files_per_dir).parent_path();
    std::error_code ec;
    fs::create_directories(shard_dir, ec);
    if (ec)
      throw EnvironmentError(fmt::format("creating {}: {}", shard_dir.string(), ec.message()));
  }
  ParallelChunks(spec.samples, kChunkSamples, threads, [&](uint64_t begin, uint64_t end) {
    thread_local std::vector<std::byte> buffer;
    for (uint64_t i = begin; i < end; ++i) {
      const uint64_t bytes = SampleBytes(spec, i);
      buffer.resize(bytes);
      FillSample(spec, i, buffer);
      const fs::path path = SampleFilePath(dir, spec, i);
      const UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (fd.get() < 0) ThrowIo("creating", path, errno);
      WriteAll(fd.get(), buffer, path);
      meter.Add(1, bytes);
    }
  });
}

// LMDB's overhead per record: records larger than about half a page go to overflow pages (a
// 16-byte page header, rounded up to whole pages); smaller ones sit in leaf pages.
uint64_t LmdbRecordBytes(uint64_t value_bytes) {
  constexpr uint64_t kNodeMax = (kLmdbPageBytes - 16) / 2;
  if (value_bytes + 8 + 8 > kNodeMax) {
    return (value_bytes + 16 + kLmdbPageBytes - 1) / kLmdbPageBytes * kLmdbPageBytes;
  }
  return value_bytes + 8 + 8 + 2;  // value, key, node header, slot
}

class LmdbWriter {
 public:
  LmdbWriter(const fs::path& env_dir, uint64_t map_bytes) : env_dir_(env_dir) {
    Check(mdb_env_create(&env_), "mdb_env_create");
    Check(mdb_env_set_mapsize(env_, map_bytes), "mdb_env_set_mapsize");
    // MDB_NOSYNC while loading; one mdb_env_sync at the end makes it durable.
    Check(mdb_env_open(env_, env_dir.c_str(), MDB_NOSYNC, 0644), "mdb_env_open");
  }
  ~LmdbWriter() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    mdb_env_close(env_);
  }

  void Begin() {
    Check(mdb_txn_begin(env_, nullptr, 0, &txn_), "mdb_txn_begin");
    if (!dbi_open_) {
      Check(mdb_dbi_open(txn_, nullptr, 0, &dbi_), "mdb_dbi_open");
      dbi_open_ = true;
    }
  }
  // Reserves space for the record and fills it in place (no extra copy).
  void Append(const DatasetSpec& spec, uint64_t index, uint64_t bytes) {
    const std::string key = LmdbKey(index);
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{bytes, nullptr};
    Check(mdb_put(txn_, dbi_, &k, &v, MDB_APPEND | MDB_RESERVE), "mdb_put");
    FillSample(spec, index, std::span<std::byte>(static_cast<std::byte*>(v.mv_data), bytes));
  }
  void Commit() {
    const int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    Check(rc, "mdb_txn_commit");
  }
  void Sync() { Check(mdb_env_sync(env_, 1), "mdb_env_sync"); }

 private:
  void Check(int rc, std::string_view what) {
    if (rc != 0) throw LmdbWriteError(rc, what, env_dir_);
  }

  fs::path env_dir_;
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi dbi_ = 0;
  bool dbi_open_ = false;
};

}  // namespace

EnvironmentError LmdbWriteError(int rc, std::string_view what, const fs::path& env_dir) {
  if (rc == MDB_MAP_FULL) {
    return EnvironmentError(fmt::format(
        "{} ({}): no space left in the LMDB map (MDB_MAP_FULL): the size estimate was too small",
        what, env_dir.string()));
  }
  // LMDB turns a short page write into EIO ("Input/output error"): on a full filesystem that is
  // ENOSPC in all but name. Free space below what one commit writes at once says which.
  struct statvfs st {};
  const bool known = ::statvfs(env_dir.c_str(), &st) == 0;
  const uint64_t free_bytes = known ? static_cast<uint64_t>(st.f_bavail) * st.f_frsize : 0;
  if (rc == ENOSPC || (rc == EIO && known && free_bytes < kLmdbFullBelowBytes)) {
    return EnvironmentError(fmt::format("{} ({}): no space left on {}: {} bytes free (LMDB: {})",
                                        what, env_dir.string(), env_dir.string(), free_bytes,
                                        mdb_strerror(rc)));
  }
  return EnvironmentError(fmt::format("{} ({}): {}", what, env_dir.string(), mdb_strerror(rc)));
}

namespace {

void GenerateLmdb(const fs::path& dir, const DatasetSpec& spec, ProgressMeter& meter) {
  const fs::path env_dir = LmdbEnvPath(dir);
  std::error_code ec;
  fs::create_directories(env_dir, ec);
  if (ec) throw EnvironmentError(fmt::format("creating {}: {}", env_dir.string(), ec.message()));
  const uint64_t estimate = EstimateDiskBytes(spec, Layout::kLmdb, kLmdbPageBytes);
  LmdbWriter writer(env_dir, estimate + estimate / 4 + (64ULL << 20));
  // LMDB has one writer; content generation (FillSample into the reserved space) is fast enough
  // to keep a disk busy from this one thread. Commit every 64 MiB to bound dirty memory.
  uint64_t pending = 0;
  writer.Begin();
  for (uint64_t i = 0; i < spec.samples; ++i) {
    if (i % kChunkSamples == 0) ThrowIfInterrupted();
    const uint64_t bytes = SampleBytes(spec, i);
    writer.Append(spec, i, bytes);
    pending += bytes;
    meter.Add(1, bytes);
    if (pending >= kCommitBytes) {
      writer.Commit();
      writer.Begin();
      pending = 0;
    }
  }
  writer.Commit();
  writer.Sync();
}

uint64_t SatAdd(uint64_t a, uint64_t b) {
  uint64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}
uint64_t SatMul(uint64_t a, uint64_t b) {
  uint64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? UINT64_MAX : product;
}
uint64_t SatFromDouble(double bytes) {
  if (!(bytes > 0)) return 0;
  return bytes >= 0x1.0p64 ? UINT64_MAX : static_cast<uint64_t>(bytes);
}

// Bytes of a records index entry.
constexpr uint64_t kRecordIndexEntryBytes = 24;

// What one sample of `bytes` occupies: a file rounded up to blocks, an LMDB record, a tar member,
// or a record and its index entry.
uint64_t OccupiedBytes(Layout layout, uint64_t block_bytes, uint64_t bytes) {
  if (layout == Layout::kLmdb) return LmdbRecordBytes(bytes);
  if (layout == Layout::kShards) return TarMemberBytes(std::min(bytes, kMaxSampleBytes));
  if (layout == Layout::kRecords) return SatAdd(bytes, kRecordIndexEntryBytes);
  return SatMul((SatAdd(bytes, block_bytes - 1)) / block_bytes, block_bytes);
}

// EstimateDiskBytes around `occupied`, the sum of what the samples occupy.
uint64_t WithOverhead(const DatasetSpec& spec, Layout layout, uint64_t block_bytes,
                      uint64_t occupied) {
  if (layout == Layout::kLmdb) {
    // Branch pages, free-list and the two meta pages: a generous 2% plus a megabyte.
    return SatAdd(SatAdd(occupied, occupied / 50), 1ULL << 20);
  }
  if (PackFormatOf(layout)) {
    // A few large files: their last blocks, the end blocks of each shard, the index's checksum.
    return SatAdd(SatAdd(occupied, occupied / 64), 1ULL << 20);
  }
  const uint64_t shards = (spec.samples + spec.files_per_dir - 1) / spec.files_per_dir;
  // Directory blocks: one per shard plus about 32 bytes of entry per file.
  return SatAdd(SatAdd(SatAdd(occupied, SatMul(shards, block_bytes)), SatMul(spec.samples, 32)),
                1ULL << 20);
}

void CheckDirUsable(const fs::path& dir, std::optional<Manifest>* manifest) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format("--dir {}: exists and is not a directory", dir.string()));
  }
  *manifest = ReadManifest(dir);
  if (!manifest->has_value() && !IsEmptyDirectory(dir)) {
    throw UsageError(fmt::format(
        "--dir {}: is not empty and is not a feedbench dataset (no {}); refusing to use it. "
        "Choose an empty or new directory.",
        dir.string(), kManifestName));
  }
}

}  // namespace

std::string_view LayoutName(Layout layout) {
  switch (layout) {
    case Layout::kFiles:
      return "files";
    case Layout::kLmdb:
      return "lmdb";
    case Layout::kTmpfs:
      return "tmpfs";
    case Layout::kShards:
      return "shards";
    case Layout::kRecords:
      return "records";
  }
  return "?";
}

Layout ParseLayout(std::string_view text, std::string_view what) {
  std::string known;
  for (const Layout layout : kAllLayouts) {
    if (text == LayoutName(layout)) return layout;
    known += fmt::format("{}{}", known.empty() ? "" : ", ", LayoutName(layout));
  }
  throw UsageError(fmt::format("{}: unknown layout '{}'; expected one of {}", what, text, known));
}

std::optional<PackFormat> PackFormatOf(Layout layout) {
  if (layout == Layout::kShards) return PackFormat::kTar;
  if (layout == Layout::kRecords) return PackFormat::kRecords;
  return std::nullopt;
}

nlohmann::json ToJson(const Manifest& m) {
  return {{"format_version", m.format_version},
          {"spec", ToJson(m.spec)},
          {"spec_hash", m.spec_hash},
          {"layout", LayoutName(m.layout)},
          {"samples", m.samples},
          {"total_bytes", m.total_bytes},
          {"complete", m.complete},
          {"feedbench_version", m.feedbench_version},
          {"created_utc", m.created_utc},
          {"generate_sec", m.generate_sec},
          {"shard_bytes", m.shard_bytes},
          {"containers", m.containers},
          {"disk_bytes", m.disk_bytes}};
}

Manifest ManifestFromJson(const nlohmann::json& j, std::string_view where) {
  auto bad = [&](std::string_view key, std::string_view expected) {
    return UsageError(fmt::format("{}: key '{}': {}", where, key, expected));
  };
  if (!j.is_object()) throw UsageError(fmt::format("{}: expected a JSON object", where));
  auto get = [&](const char* key) -> const nlohmann::json& {
    if (!j.contains(key)) throw bad(key, "missing");
    return j.at(key);
  };
  Manifest m;
  try {
    m.format_version = get("format_version").get<int>();
    if (m.format_version != 1) throw bad("format_version", "expected 1");
    m.spec = DatasetSpecFromJson(get("spec"), fmt::format("{}: spec", where));
    m.spec_hash = get("spec_hash").get<std::string>();
    const std::string layout = get("layout").get<std::string>();
    m.layout = ParseLayout(layout, fmt::format("{}: key 'layout'", where));
    if (m.layout == Layout::kTmpfs) throw bad("layout", "expected files, lmdb, shards or records");
    m.samples = get("samples").get<uint64_t>();
    m.total_bytes = get("total_bytes").get<uint64_t>();
    m.complete = get("complete").get<bool>();
    m.feedbench_version = get("feedbench_version").get<std::string>();
    m.created_utc = get("created_utc").get<std::string>();
    m.generate_sec = get("generate_sec").get<double>();
    // Written since the packed layouts; absent from older manifests.
    if (j.contains("shard_bytes")) m.shard_bytes = j.at("shard_bytes").get<uint64_t>();
    if (j.contains("containers")) m.containers = j.at("containers").get<uint64_t>();
    if (j.contains("disk_bytes")) m.disk_bytes = j.at("disk_bytes").get<uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("{}: not a feedbench dataset manifest: {}", where, e.what()));
  }
  if (m.spec_hash != SpecHash(m.spec)) {
    throw bad("spec_hash",
              fmt::format("{} does not match the spec (hash {})", m.spec_hash, SpecHash(m.spec)));
  }
  if (m.samples != m.spec.samples) throw bad("samples", "does not match spec.samples");
  if (PackFormatOf(m.layout) && m.shard_bytes == 0) {
    throw bad("shard_bytes", fmt::format("missing or 0; a {} dataset is cut at a shard size",
                                         LayoutName(m.layout)));
  }
  return m;
}

std::optional<Manifest> ReadManifest(const fs::path& dir) {
  const fs::path path = dir / kManifestName;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  const std::string text = ReadWholeFile(path);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // syntax, or a number out of range
    throw UsageError(fmt::format(
        "{}: corrupt dataset manifest (not valid JSON: {}); remove the directory by hand if it is "
        "yours",
        path.string(), e.what()));
  }
  return ManifestFromJson(json, path.string());
}

fs::path SampleFilePath(const fs::path& dir, const DatasetSpec& spec, uint64_t index) {
  return dir / "data" / fmt::format("{:06}", index / spec.files_per_dir) /
         fmt::format("{:010}.sample", index);
}

fs::path LmdbEnvPath(const fs::path& dir) { return dir / "lmdb"; }

fs::path DefaultDatasetDir(const fs::path& root, const DatasetSpec& spec, Layout layout,
                           uint64_t shard_bytes) {
  if (PackFormatOf(layout)) {
    return root / fmt::format("{}-{}-{}", LayoutName(layout), SpecHash(spec),
                              FormatBytesExact(shard_bytes));
  }
  return root / fmt::format("{}-{}", LayoutName(layout), SpecHash(spec));
}

uint64_t DatasetDiskBytes(const fs::path& dir) { return OwnEntriesBytes(dir); }

uint64_t EstimateDiskBytes(const DatasetSpec& spec, Layout layout, uint64_t block_bytes) {
  const uint64_t block =
      layout == Layout::kLmdb ? kLmdbPageBytes : std::max<uint64_t>(block_bytes, 1);
  if (spec.sizes.kind == SizeDistributionKind::kFixed) {
    return EstimateDiskBytesBounds(spec, layout, block).most;
  }
  uint64_t occupied = 0;
  for (uint64_t i = 0; i < spec.samples; ++i) {
    occupied = SatAdd(occupied, OccupiedBytes(layout, block, SampleBytes(spec, i)));
  }
  return WithOverhead(spec, layout, block, occupied);
}

DiskBytesBounds EstimateDiskBytesBounds(const DatasetSpec& spec, Layout layout,
                                        uint64_t block_bytes) {
  const uint64_t block =
      layout == Layout::kLmdb ? kLmdbPageBytes : std::max<uint64_t>(block_bytes, 1);
  const SampleSizeBounds sizes = SizeBounds(spec.sizes);
  const uint64_t n = spec.samples;
  DiskBytesBounds b;
  // What a sample occupies grows with its size, so all-smallest and all-largest bound the sum.
  b.least =
      WithOverhead(spec, layout, block, SatMul(n, OccupiedBytes(layout, block, sizes.min_bytes)));
  b.most =
      WithOverhead(spec, layout, block, SatMul(n, OccupiedBytes(layout, block, sizes.max_bytes)));
  // Hoeffding for n independent sizes in [min, max], less a byte per sample for a mean that
  // ignores rounding to whole bytes. A file occupies at least its bytes, a record its bytes + 16.
  const double count = static_cast<double>(n);
  const double range = static_cast<double>(sizes.max_bytes - sizes.min_bytes);
  const double sum_low =
      count * (sizes.mean_bytes - 1) - range * std::sqrt(count * std::log(1e9) / 2);
  const uint64_t occupied_low =
      SatAdd(SatFromDouble(sum_low), layout == Layout::kLmdb ? SatMul(n, 16) : 0);
  b.likely_least = std::max(b.least, WithOverhead(spec, layout, block, occupied_low));
  return b;
}

namespace {

// Why `spec` cannot fit in `available_bytes` by its arithmetic alone, or nullopt when it may fit.
std::optional<std::string> ArithmeticShortfall(const fs::path& dir, const DatasetSpec& spec,
                                               const DiskBytesBounds& need,
                                               uint64_t available_bytes, const fs::path& filesystem,
                                               uint64_t free_bytes, uint64_t reclaimable_bytes) {
  if (need.likely_least <= available_bytes) return std::nullopt;
  const SampleSizeBounds sizes = SizeBounds(spec.sizes);
  const double n = static_cast<double>(spec.samples);
  // n × the smallest size, exactly: "1.0 PiB (1125899906842624 bytes)".
  const uint64_t least_data = SatMul(spec.samples, sizes.min_bytes);
  const std::string least_text =
      fmt::format("{} ({}{} bytes)", FormatBytesIec(n * static_cast<double>(sizes.min_bytes)),
                  least_data == UINT64_MAX ? "more than " : "", least_data);
  std::string samples;
  if (sizes.min_bytes == sizes.max_bytes) {
    samples = fmt::format("{} samples × {} = {}", spec.samples, FormatBytesExact(sizes.min_bytes),
                          least_text);
  } else if (need.least > available_bytes) {
    samples = fmt::format("{} samples × at least {} (the smallest of {}) = {}", spec.samples,
                          FormatBytesExact(sizes.min_bytes), DescribeSizes(spec.sizes), least_text);
  } else {
    samples = fmt::format("{} samples × {} on average ({}) = about {}", spec.samples,
                          FormatBytesIec(sizes.mean_bytes), DescribeSizes(spec.sizes),
                          FormatBytesIec(n * sizes.mean_bytes));
  }
  const uint64_t least = need.least > available_bytes ? need.least : need.likely_least;
  return fmt::format(
      "--dir {}: not enough free space: {}, at least {} ({} bytes) on disk with filesystem "
      "overhead; the filesystem at {} has {} ({} bytes) free{}",
      dir.string(), samples, FormatBytesIec(static_cast<double>(least)), least, filesystem.string(),
      FormatBytesIec(static_cast<double>(free_bytes)), free_bytes,
      reclaimable_bytes ? fmt::format(" (+{} from the old dataset)",
                                      FormatBytesIec(static_cast<double>(reclaimable_bytes)))
                        : std::string());
}

}  // namespace

EnsureResult EnsureDataset(const fs::path& dir, const DatasetSpec& spec, Layout layout,
                           const EnsureOptions& options) {
  ValidateSpec(spec, "dataset spec");
  if (layout == Layout::kTmpfs) {
    throw UsageError(
        "--layout tmpfs: a tmpfs dataset is staged at run time from a files dataset; create "
        "--layout files");
  }
  const std::optional<PackFormat> packed = PackFormatOf(layout);
  const uint64_t shard_bytes = packed ? options.shard_bytes : 0;
  if (packed) CheckShardBytes(spec, *packed, shard_bytes, "shard_bytes");
  std::optional<Manifest> existing;
  CheckDirUsable(dir, &existing);
  const std::string hash = SpecHash(spec);
  if (existing && existing->complete && existing->spec_hash == hash && existing->layout == layout &&
      existing->shard_bytes == shard_bytes) {
    DatasetLock lock(dir, DatasetLock::Mode::kShared);
    return {*existing, true, 0, 0};
  }

  const fs::path ancestor = ExistingAncestor(dir);
  const FsSpace space = SpaceAt(ancestor);
  const uint64_t reclaimable = existing ? OwnEntriesBytes(dir) : 0;
  const uint64_t available = SatAdd(space.free_bytes, reclaimable);
  // Arithmetic first: a pass over 10^11 samples takes minutes, a refusal must not.
  const DiskBytesBounds bounds = EstimateDiskBytesBounds(spec, layout, space.block_bytes);
  if (auto why = ArithmeticShortfall(dir, spec, bounds, available, ancestor, space.free_bytes,
                                     reclaimable)) {
    throw EnvironmentError(*why);  // no space: the machine cannot, whatever the request's merit
  }
  const uint64_t need =
      bounds.most <= available ? bounds.most : EstimateDiskBytes(spec, layout, space.block_bytes);
  const uint64_t total_bytes = TotalBytes(spec);
  if (need > available) {
    throw EnvironmentError(fmt::format(
        "--dir {}: not enough free space: the dataset needs {} ({} bytes: {} bytes of samples plus "
        "filesystem overhead), the filesystem at {} has {} ({} bytes) free{}",
        dir.string(), FormatBytesIec(static_cast<double>(need)), need, total_bytes,
        ancestor.string(), FormatBytesIec(static_cast<double>(space.free_bytes)), space.free_bytes,
        reclaimable ? fmt::format(" (+{} from the old dataset)",
                                  FormatBytesIec(static_cast<double>(reclaimable)))
                    : std::string()));
  }

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw EnvironmentError(fmt::format("creating {}: {}", dir.string(), ec.message()));
  DatasetLock lock(dir, DatasetLock::Mode::kExclusive);
  const auto start = std::chrono::steady_clock::now();

  Manifest manifest;
  manifest.spec = spec;
  manifest.spec_hash = hash;
  manifest.layout = layout;
  manifest.samples = spec.samples;
  manifest.total_bytes = total_bytes;
  manifest.complete = false;
  manifest.feedbench_version = FeedbenchVersion();
  manifest.created_utc = UtcNow();
  manifest.shard_bytes = shard_bytes;
  // Incomplete first: a generation killed from here on is recognised and redone.
  WriteManifest(dir, manifest);
  RemoveOwnEntries(dir);
  {
    ProgressMeter meter(fmt::format("generating {} dataset", LayoutName(layout)), spec.samples,
                        total_bytes, options.progress, options.on_progress);
    if (packed) {
      const PackPlan plan = PlanPack(spec, *packed, shard_bytes);
      manifest.containers = plan.containers();
      WritePacked(dir, spec, plan, ResolveThreads(options.threads), meter);
    } else if (layout == Layout::kFiles) {
      GenerateFiles(dir, spec, ResolveThreads(options.threads), meter);
    } else {
      GenerateLmdb(dir, spec, meter);
    }
    ThrowIfInterrupted();
    SyncFilesystem(dir);
  }
  manifest.complete = true;
  manifest.generate_sec = SecondsSince(start);
  manifest.disk_bytes = OwnEntriesBytes(dir);
  WriteManifest(dir, manifest);
  return {manifest, false, manifest.generate_sec, total_bytes};
}

Manifest OpenDataset(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format("--dir {}: not a directory", dir.string()));
  }
  std::optional<Manifest> manifest = ReadManifest(dir);
  if (!manifest) {
    throw UsageError(
        fmt::format("--dir {}: not a feedbench dataset (no {})", dir.string(), kManifestName));
  }
  if (!manifest->complete) {
    throw UsageError(fmt::format(
        "--dir {}: the dataset is incomplete (its generation was interrupted); run `feedbench "
        "dataset create` again to regenerate it",
        dir.string()));
  }
  return *manifest;
}

size_t RemoveDataset(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format("--dir {}: not a directory", dir.string()));
  }
  if (!ReadManifest(dir)) {
    throw UsageError(fmt::format("--dir {}: not a feedbench dataset (no {}); refusing to delete it",
                                 dir.string(), kManifestName));
  }
  {
    DatasetLock lock(dir, DatasetLock::Mode::kExclusive);
    RemoveOwnEntries(dir);
    // The manifest goes last: an interrupted rm can be run again.
    fs::remove(dir / kManifestName, ec);
    if (ec) {
      throw EnvironmentError(
          fmt::format("removing {}: {}", (dir / kManifestName).string(), ec.message()));
    }
  }
  size_t left = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) {
    ++left;
  }
  if (left == 0) fs::remove(dir, ec);
  return left;
}

namespace {

// VerifyDataset of a shards dataset: each shard streamed from start to end, on `threads` threads.
std::optional<std::string> VerifyShards(
    const ShardSource& shards, const SampleStore& store, const DatasetSpec& spec,
    uint64_t total_bytes, int threads,
    const std::function<void(const ProgressSnapshot&)>& on_progress) {
  std::atomic<uint64_t> first_bad{UINT64_MAX};
  std::mutex mutex;
  std::string first_message;
  ProgressMeter meter("verifying", spec.samples, total_bytes, true, on_progress);
  auto report = [&](uint64_t index, const std::string& message) {
    std::lock_guard guard(mutex);
    if (index < first_bad.load()) {
      first_bad.store(index);
      first_message = fmt::format("sample {} ({}): {}", index, store.Describe(index), message);
    }
  };
  ParallelChunks(shards.shards(), 1, ResolveThreads(threads), [&](uint64_t begin, uint64_t end) {
    std::vector<std::byte> buffer;
    for (uint64_t k = begin; k < end; ++k) {
      if (shards.FirstSample(k) > first_bad.load(std::memory_order_relaxed)) return;
      // The sample the stream is at, for a problem of the archive itself.
      uint64_t at = shards.FirstSample(k);
      try {
        const std::unique_ptr<ShardStream> stream = shards.OpenStream(k);
        while (const std::optional<uint64_t> index = stream->Next(buffer)) {
          at = *index;
          const uint64_t expected = SampleBytes(spec, *index);
          std::optional<std::string> problem = CheckSample(buffer, *index);
          if (!problem && buffer.size() != expected) {
            problem = fmt::format("{} bytes, the spec says {}", buffer.size(), expected);
          }
          if (problem) return report(*index, *problem);
          meter.Add(1, buffer.size());
          at = *index + 1;
        }
      } catch (const RunError& e) {
        return report(std::min(at, shards.EndSample(k) - 1), e.what());
      }
    }
  });
  if (first_bad.load() == UINT64_MAX) return std::nullopt;
  return first_message;
}

}  // namespace

std::optional<std::string> VerifyDataset(
    const fs::path& dir, int threads,
    const std::function<void(const ProgressSnapshot&)>& on_progress) {
  const Manifest manifest = OpenDataset(dir);
  DatasetLock lock(dir, DatasetLock::Mode::kShared);
  const DatasetSpec& spec = manifest.spec;
  std::unique_ptr<SampleStore> store;
  try {
    store = OpenDatasetStore(dir, manifest, StoreAccess::kSequential);
  } catch (const UsageError& e) {
    return e.what();  // a damaged records index or shard: what verify is asked to find
  }
  if (const ShardSource* shards = store->shard_source()) {
    return VerifyShards(*shards, *store, spec, manifest.total_bytes, threads, on_progress);
  }
  // The lowest bad index found so far; chunks above it are skipped, so the answer is the first
  // bad sample in index order whatever the thread timing.
  std::atomic<uint64_t> first_bad{UINT64_MAX};
  std::mutex mutex;
  std::string first_message;
  ProgressMeter meter("verifying", spec.samples, manifest.total_bytes, true, on_progress);
  auto report = [&](uint64_t index, std::string message) {
    std::lock_guard guard(mutex);
    if (index < first_bad.load()) {
      first_bad.store(index);
      first_message = fmt::format("sample {} ({}): {}", index, store->Describe(index), message);
    }
  };
  ParallelChunks(spec.samples, kChunkSamples, ResolveThreads(threads), [&](uint64_t begin,
                                                                          uint64_t end) {
    if (begin > first_bad.load(std::memory_order_relaxed)) return;
    thread_local std::vector<std::byte> buffer;
    std::unique_ptr<SampleStore::Cursor> cursor = store->OpenCursor();
    for (uint64_t i = begin; i < end; ++i) {
      const uint64_t expected = SampleBytes(spec, i);
      try {
        cursor->Read(i, expected, buffer);
      } catch (const RunError& e) {
        report(i, e.what());
        return;
      }
      std::optional<std::string> problem = CheckSample(buffer, i);
      if (!problem && buffer.size() != expected) {
        problem = fmt::format("{} bytes, the spec says {}", buffer.size(), expected);
      }
      if (problem) {
        report(i, *problem);
        return;
      }
      meter.Add(1, buffer.size());
    }
  });
  if (first_bad.load() == UINT64_MAX) return std::nullopt;
  return first_message;
}

}  // namespace feedbench
