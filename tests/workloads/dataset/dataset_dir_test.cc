// Dataset directories: generation, reuse, refusal, verification, removal and profiles.
#include "workloads/dataset/dataset_dir.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "harness/base/atomic_file.h"
#include "harness/base/version.h"
#include "harness/base/errors.h"
#include "tests/support/error_message.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/profile.h"
#include "workloads/dataset/sample_store.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::ErrorMessage;
using ::testing::HasSubstr;
using testing::TempDir;

DatasetSpec Spec(uint64_t samples, std::string_view size, uint64_t seed = 1,
                 uint32_t files_per_dir = 16) {
  DatasetSpec spec;
  spec.samples = samples;
  spec.sizes = ParseSizeSpec(size);
  spec.seed = seed;
  spec.files_per_dir = files_per_dir;
  return spec;
}

EnsureOptions Quiet() {
  EnsureOptions options;
  options.progress = false;
  return options;
}

std::string Contents(const fs::path& path) { return ReadWholeFile(path); }

// Every file under `root`, relative path → contents.
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> tree;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) tree[fs::relative(entry.path(), root).string()] = Contents(entry);
  }
  return tree;
}

void FlipByte(const fs::path& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x10));
}

TEST(EnsureDataset, SameSeedAndSpecGiveByteIdenticalDatasets) {
  TempDir tmp;
  const DatasetSpec spec = Spec(100, "uniform:100B:20KiB", 5);
  EnsureDataset(tmp / "a", spec, Layout::kFiles, Quiet());
  EnsureOptions one_thread = Quiet();
  one_thread.threads = 1;
  EnsureDataset(tmp / "b", spec, Layout::kFiles, one_thread);
  fs::remove(tmp / "a" / std::string(kManifestName));
  fs::remove(tmp / "b" / std::string(kManifestName));
  const auto a = Tree(tmp / "a"), b = Tree(tmp / "b");
  EXPECT_EQ(a.size(), 100u);
  EXPECT_TRUE(a == b);
}

TEST(EnsureDataset, DifferentSeedGivesDifferentContents) {
  TempDir tmp;
  EnsureDataset(tmp / "a", Spec(20, "4KiB", 1), Layout::kFiles, Quiet());
  EnsureDataset(tmp / "b", Spec(20, "4KiB", 2), Layout::kFiles, Quiet());
  const DatasetSpec spec = Spec(20, "4KiB");
  for (uint64_t i = 0; i < 20; ++i) {
    EXPECT_NE(Contents(SampleFilePath(tmp / "a", spec, i)),
              Contents(SampleFilePath(tmp / "b", spec, i)));
  }
}

TEST(EnsureDataset, WritesShardedFilesAndACompleteManifest) {
  TempDir tmp;
  const DatasetSpec spec = Spec(40, "1KiB", 1, 16);
  const EnsureResult r = EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  EXPECT_FALSE(r.reused);
  EXPECT_TRUE(fs::is_regular_file(tmp / "d/data/000000/0000000000.sample"));
  EXPECT_TRUE(fs::is_regular_file(tmp / "d/data/000002/0000000039.sample"));
  EXPECT_FALSE(fs::exists(tmp / "d/data/000003"));
  const Manifest m = *ReadManifest(tmp / "d");
  EXPECT_TRUE(m.complete);
  EXPECT_EQ(m.samples, 40u);
  EXPECT_EQ(m.total_bytes, 40u * 1024);
  EXPECT_EQ(m.spec_hash, SpecHash(spec));
  EXPECT_EQ(m.layout, Layout::kFiles);
  EXPECT_EQ(m.feedbench_version, FeedbenchVersion());
}

TEST(EnsureDataset, ReusesACompleteDatasetWithTheSameSpecAndLayout) {
  TempDir tmp;
  const DatasetSpec spec = Spec(10, "1KiB");
  EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  const auto before = fs::last_write_time(SampleFilePath(tmp / "d", spec, 0));
  const EnsureResult again = EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  EXPECT_TRUE(again.reused);
  EXPECT_EQ(fs::last_write_time(SampleFilePath(tmp / "d", spec, 0)), before);
}

TEST(EnsureDataset, RegeneratesWhenTheManifestSaysIncomplete) {
  TempDir tmp;
  const DatasetSpec spec = Spec(10, "1KiB");
  EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  // A killed generation: manifest incomplete, one sample missing.
  Manifest m = *ReadManifest(tmp / "d");
  m.complete = false;
  WriteFileAtomic(tmp / "d" / std::string(kManifestName), ToJson(m).dump());
  fs::remove(SampleFilePath(tmp / "d", spec, 7));
  EXPECT_THAT(ErrorMessage<UsageError>([&] { OpenDataset(tmp / "d"); }), HasSubstr("incomplete"));
  const EnsureResult r = EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  EXPECT_FALSE(r.reused);
  EXPECT_TRUE(ReadManifest(tmp / "d")->complete);
  EXPECT_EQ(VerifyDataset(tmp / "d"), std::nullopt);
}

TEST(EnsureDataset, RegeneratesItsOwnDatasetForAnotherSpecOrLayout) {
  TempDir tmp;
  EnsureDataset(tmp / "d", Spec(10, "1KiB"), Layout::kFiles, Quiet());
  const EnsureResult r = EnsureDataset(tmp / "d", Spec(5, "2KiB"), Layout::kLmdb, Quiet());
  EXPECT_FALSE(r.reused);
  EXPECT_FALSE(fs::exists(tmp / "d/data"));
  EXPECT_TRUE(fs::exists(tmp / "d/lmdb/data.mdb"));
  EXPECT_EQ(VerifyDataset(tmp / "d"), std::nullopt);
}

TEST(EnsureDataset, RefusesANonEmptyForeignDirectoryAndTouchesNothing) {
  TempDir tmp;
  fs::create_directory(tmp / "photos");
  std::ofstream(tmp / "photos/cat.jpg") << "meow";
  EXPECT_THAT(ErrorMessage<UsageError>([&] {
                EnsureDataset(tmp / "photos", Spec(10, "1KiB"), Layout::kFiles, Quiet());
              }),
              HasSubstr("not empty and is not a feedbench dataset"));
  EXPECT_EQ(Tree(tmp / "photos"), (std::map<std::string, std::string>{{"cat.jpg", "meow"}}));
  EXPECT_THAT(ErrorMessage<UsageError>([&] { RemoveDataset(tmp / "photos"); }),
              HasSubstr("refusing to delete"));
  EXPECT_TRUE(fs::exists(tmp / "photos/cat.jpg"));
}

TEST(EnsureDataset, UsesAnEmptyExistingDirectory) {
  TempDir tmp;
  fs::create_directory(tmp / "empty");
  EXPECT_FALSE(EnsureDataset(tmp / "empty", Spec(3, "1KiB"), Layout::kFiles, Quiet()).reused);
}

TEST(EnsureDataset, CorruptManifestIsAUsageErrorAndNothingIsDeleted) {
  TempDir tmp;
  const DatasetSpec spec = Spec(3, "1KiB");
  EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  std::ofstream(tmp / "d" / std::string(kManifestName)) << "{\"format_version\": 1, \"spe";
  EXPECT_THAT(
      ErrorMessage<UsageError>([&] { EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet()); }),
      HasSubstr("corrupt dataset manifest"));
  EXPECT_TRUE(fs::exists(SampleFilePath(tmp / "d", spec, 2)));
  EXPECT_THAT(ErrorMessage<UsageError>([&] { RemoveDataset(tmp / "d"); }), HasSubstr("corrupt"));
  EXPECT_TRUE(fs::exists(SampleFilePath(tmp / "d", spec, 2)));
  // A number beyond a double's range (found by fuzzing) is as corrupt, not an internal error.
  std::ofstream(tmp / "d" / std::string(kManifestName)) << "{\"format_version\": 1e3086}";
  EXPECT_THAT(
      ErrorMessage<UsageError>([&] { EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet()); }),
      HasSubstr("number overflow"));
  EXPECT_TRUE(fs::exists(SampleFilePath(tmp / "d", spec, 2)));
}

TEST(EnsureDataset, NotEnoughFreeSpaceIsAnEnvironmentErrorWithTheNumbersBeforeWriting) {
  TempDir tmp;
  // 2^20 samples of 1 GiB: a pebibyte, more than any test machine has.
  const std::string message = ErrorMessage<EnvironmentError>(
      [&] { EnsureDataset(tmp / "big", Spec(1 << 20, "1GiB"), Layout::kFiles, Quiet()); });
  EXPECT_THAT(message, HasSubstr("not enough free space"));
  EXPECT_THAT(message, HasSubstr("1125899906842624 bytes"));  // data alone: 2^50
  EXPECT_THAT(message, HasSubstr("bytes) free"));
  EXPECT_FALSE(fs::exists(tmp / "big"));
}

TEST(EstimateDiskBytesBounds, BracketTheEstimate) {
  for (const Layout layout : {Layout::kFiles, Layout::kLmdb}) {
    for (const std::string_view size :
         {"64KiB", "uniform:100B:1MiB", "lognormal:20KiB:0.8", "lognormal:20KiB:0.8:1KiB:64KiB"}) {
      SCOPED_TRACE(fmt::format("{} {}", LayoutName(layout), size));
      const DatasetSpec spec = Spec(20000, size);
      const uint64_t estimate = EstimateDiskBytes(spec, layout, 4096);
      const DiskBytesBounds bounds = EstimateDiskBytesBounds(spec, layout, 4096);
      EXPECT_LE(bounds.least, bounds.likely_least);
      EXPECT_LE(bounds.likely_least, estimate);
      EXPECT_LE(estimate, bounds.most);
    }
  }
  const DiskBytesBounds fixed = EstimateDiskBytesBounds(Spec(1000, "6KiB"), Layout::kFiles, 4096);
  EXPECT_EQ(fixed.least, fixed.most);
  EXPECT_EQ(fixed.most, EstimateDiskBytes(Spec(1000, "6KiB"), Layout::kFiles, 4096));
}

uint64_t FreeBytes(const fs::path& path) {
  struct statvfs st {};
  EXPECT_EQ(::statvfs(path.c_str(), &st), 0);
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

TEST(EnsureDataset, AHugeSampleCountIsRefusedAtOnceWithItsNumbers) {
  TempDir tmp;
  struct Case {
    DatasetSpec spec;
    Layout layout;
    std::string numbers;
  };
  const std::vector<Case> cases = {
      {Spec(99999999999, "1MiB"), Layout::kFiles,
       "99999999999 samples × 1MiB = 93.1 PiB (104857599998951424 bytes)"},
      {Spec(99999999999, "1MiB"), Layout::kLmdb, "99999999999 samples × 1MiB"},
      {Spec(kMaxSamples, "uniform:16KiB:1MiB"), Layout::kFiles,
       "1099511627776 samples × at least 16KiB (the smallest of uniform:16KiB:1MiB)"},
      // Samples at the smallest size (50-byte records) would fit in a quarter of the free space;
      // at the average (about 115 KiB, from the clipped log-normal mean) they cannot.
      {Spec(std::max<uint64_t>(FreeBytes(tmp.path()) / 200, 1), "lognormal:96KiB:0.6:32B:1MiB"),
       Layout::kLmdb, "× 114.9 KiB on average (lognormal:96KiB:0.6:32B:1MiB) = about"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.numbers);
    const auto start = std::chrono::steady_clock::now();
    const std::string message =
        ErrorMessage<EnvironmentError>([&] { EnsureDataset(tmp / "d", c.spec, c.layout, Quiet()); });
    const double sec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(sec, 5) << "a pass over the samples before refusing";
    EXPECT_THAT(message, HasSubstr("--dir " + (tmp / "d").string() + ": not enough free space"));
    EXPECT_THAT(message, HasSubstr(c.numbers));
    EXPECT_THAT(message, HasSubstr("bytes) free"));
    EXPECT_FALSE(fs::exists(tmp / "d"));
  }
}

TEST(EnsureDataset, RejectsZeroSamplesAndTmpfsLayout) {
  TempDir tmp;
  DatasetSpec spec = Spec(1, "1KiB");
  spec.samples = 0;
  EXPECT_THAT(
      ErrorMessage<UsageError>([&] { EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet()); }),
      HasSubstr("at least 1 sample"));
  EXPECT_THAT(ErrorMessage<UsageError>(
                  [&] { EnsureDataset(tmp / "d", Spec(1, "1KiB"), Layout::kTmpfs, Quiet()); }),
              HasSubstr("staged at run time"));
  EXPECT_FALSE(fs::exists(tmp / "d"));
}

TEST(EnsureDataset, ReportsProgressUpToTheTotals) {
  TempDir tmp;
  EnsureOptions options = Quiet();
  ProgressSnapshot last;
  options.on_progress = [&](const ProgressSnapshot& s) { last = s; };
  EnsureDataset(tmp / "d", Spec(50, "2KiB"), Layout::kFiles, options);
  EXPECT_EQ(last.items_done, 50u);
  EXPECT_EQ(last.items_total, 50u);
  EXPECT_EQ(last.bytes_done, 50u * 2048);
}

TEST(VerifyDataset, CatchesAFlippedByteNamingTheSample) {
  TempDir tmp;
  const DatasetSpec spec = Spec(50, "4KiB");
  EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  EXPECT_EQ(VerifyDataset(tmp / "d"), std::nullopt);
  FlipByte(SampleFilePath(tmp / "d", spec, 33), 2000);
  const std::string problem = VerifyDataset(tmp / "d").value_or("");
  EXPECT_THAT(problem, HasSubstr("sample 33 ("));
  EXPECT_THAT(problem, HasSubstr("0000000033.sample"));
  EXPECT_THAT(problem, HasSubstr("checksum"));
}

TEST(VerifyDataset, CatchesATruncatedFileNamingTheSample) {
  TempDir tmp;
  const DatasetSpec spec = Spec(50, "4KiB");
  EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  fs::resize_file(SampleFilePath(tmp / "d", spec, 12), 1000);
  FlipByte(SampleFilePath(tmp / "d", spec, 40), 100);  // a later one: the first is reported
  const std::string problem = VerifyDataset(tmp / "d").value_or("");
  EXPECT_THAT(problem, HasSubstr("sample 12 ("));
  EXPECT_THAT(problem, HasSubstr("length 1000 bytes, header says 4096"));
}

TEST(VerifyDataset, CatchesAMissingFile) {
  TempDir tmp;
  const DatasetSpec spec = Spec(10, "4KiB");
  EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
  fs::remove(SampleFilePath(tmp / "d", spec, 4));
  EXPECT_THAT(VerifyDataset(tmp / "d").value_or(""), HasSubstr("sample 4 ("));
}

// Offset of sample `index`'s header in an LMDB data file (records are stored whole).
uint64_t FindRecord(const fs::path& data_mdb, uint64_t index) {
  const std::string data = Contents(data_mdb);
  std::string needle = "FBSAMPL1";
  for (int i = 0; i < 8; ++i) needle.push_back(static_cast<char>((index >> (8 * i)) & 0xff));
  const size_t pos = data.find(needle);
  return pos == std::string::npos ? 0 : pos;
}

TEST(VerifyDataset, CatchesAFlippedByteInLmdbNamingTheKey) {
  TempDir tmp;
  const DatasetSpec spec = Spec(30, "8KiB");
  EnsureDataset(tmp / "d", spec, Layout::kLmdb, Quiet());
  EXPECT_EQ(VerifyDataset(tmp / "d"), std::nullopt);
  const fs::path data_mdb = LmdbEnvPath(tmp / "d") / "data.mdb";
  const uint64_t offset = FindRecord(data_mdb, 17);
  ASSERT_GT(offset, 0u);
  FlipByte(data_mdb, offset + 5000);
  const std::string problem = VerifyDataset(tmp / "d").value_or("");
  EXPECT_THAT(problem, HasSubstr("sample 17 ("));
  EXPECT_THAT(problem, HasSubstr("data.mdb key 0000000000000011"));
}

TEST(LmdbLayout, KeysAreBigEndianIndicesInSampleOrder) {
  EXPECT_EQ(LmdbKey(0x0102), std::string("\0\0\0\0\0\0\x01\x02", 8));
  EXPECT_LT(LmdbKey(255), LmdbKey(256));
}

TEST(RemoveDataset, RemovesItsOwnDatasetAndLeavesForeignEntries) {
  TempDir tmp;
  EnsureDataset(tmp / "d", Spec(10, "1KiB"), Layout::kFiles, Quiet());
  EXPECT_EQ(RemoveDataset(tmp / "d"), 0u);
  EXPECT_FALSE(fs::exists(tmp / "d"));
  EnsureDataset(tmp / "e", Spec(10, "1KiB"), Layout::kLmdb, Quiet());
  std::ofstream(tmp / "e/notes.txt") << "mine";
  EXPECT_EQ(RemoveDataset(tmp / "e"), 1u);
  EXPECT_TRUE(fs::exists(tmp / "e/notes.txt"));
  EXPECT_FALSE(fs::exists(tmp / "e/lmdb"));
  EXPECT_FALSE(fs::exists(tmp / "e" / std::string(kManifestName)));
}

TEST(DatasetLock, ExclusiveConflictsWithAnotherHolder) {
  TempDir tmp;
  DatasetLock shared(tmp.path(), DatasetLock::Mode::kShared);
  DatasetLock shared_too(tmp.path(), DatasetLock::Mode::kShared);
  EXPECT_THAT(ErrorMessage<EnvironmentError>(
                  [&] { DatasetLock exclusive(tmp.path(), DatasetLock::Mode::kExclusive); }),
              HasSubstr("in use by another feedbench process"));
}

TEST(DatasetLock, ConflictNamesTheHolderAndWhatToDo) {
  TempDir tmp;
  DatasetLock exclusive(tmp.path(), DatasetLock::Mode::kExclusive);
  EXPECT_EQ(ErrorMessage<EnvironmentError>(
                [&] { DatasetLock shared(tmp.path(), DatasetLock::Mode::kShared); }),
            tmp.path().string() + ": in use by another feedbench process (locked); held by pid " +
                std::to_string(::getpid()) +
                " (this process); wait for it or use another directory");
}

TEST(DatasetLock, ReleasedWhenDestroyed) {
  TempDir tmp;
  { DatasetLock exclusive(tmp.path(), DatasetLock::Mode::kExclusive); }
  EXPECT_NO_THROW(DatasetLock(tmp.path(), DatasetLock::Mode::kExclusive));
}

TEST(DatasetLock, AFileIsNotADatasetDirectory) {
  TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  EXPECT_EQ(ErrorMessage<EnvironmentError>(
                [&] { DatasetLock lock(tmp / "file", DatasetLock::Mode::kShared); }),
            "opening " + (tmp / "file").string() + ": Not a directory");
}

TEST(Profile, BucketsAreLogLinearEightPerOctave) {
  EXPECT_EQ(BucketFor(5).min_bytes, 5u);
  EXPECT_EQ(BucketFor(65536).min_bytes, 65536u);
  EXPECT_EQ(BucketFor(65536).max_bytes, 65536u + 8191);
  EXPECT_EQ(BucketFor(73727).min_bytes, 65536u);
  EXPECT_EQ(BucketFor(73728).min_bytes, 73728u);
}

TEST(Profile, OfATreeRoundTripsThroughJsonAndReplay) {
  TempDir tmp;
  const fs::path tree = tmp / "tree";
  // 3 directories: 10 files of 1000 B, 20 of 5000 B, 5 of 70000 B.
  const std::vector<std::pair<int, uint64_t>> groups = {{10, 1000}, {20, 5000}, {5, 70000}};
  int dir_index = 0;
  for (const auto& [count, bytes] : groups) {
    const fs::path dir = tree / ("class" + std::to_string(dir_index++));
    fs::create_directories(dir);
    for (int i = 0; i < count; ++i) {
      std::ofstream(dir / (std::to_string(i) + ".jpg")) << std::string(bytes, 'x');
    }
  }
  fs::create_symlink(tree / "class0/0.jpg", tree / "link.jpg");  // not followed, not counted
  const TreeProfile p = ProfileTree(tree);
  EXPECT_EQ(p.files, 35u);
  EXPECT_EQ(p.directories, 3u);
  EXPECT_EQ(p.total_bytes, 10u * 1000 + 20u * 5000 + 5u * 70000);
  EXPECT_EQ(p.max_files_per_dir, 20u);
  EXPECT_EQ(p.median_files_per_dir, 10u);
  EXPECT_EQ(p.median_file_bytes, 5000u);
  ASSERT_EQ(p.buckets.size(), 3u);
  EXPECT_EQ(p.buckets[0], (HistogramBucket{1000, 1000, 10}));
  EXPECT_EQ(p.buckets[2], (HistogramBucket{70000, 70000, 5}));

  // Written, read back as a spec and as a --size histogram.
  const fs::path file = tmp / "profile.json";
  WriteFileAtomic(file, ToJson(p).dump(2));
  const DatasetSpec spec = SpecFromSpecOrProfileJson(nlohmann::json::parse(Contents(file)), "p");
  EXPECT_EQ(spec, p.spec);
  EXPECT_EQ(spec.samples, 35u);
  EXPECT_EQ(spec.files_per_dir, 10u);
  EXPECT_EQ(ParseSizeSpec("histogram:" + file.string()), p.spec.sizes);

  // Replayed: the generated tree has only the profiled sizes, and profiles to the same buckets.
  EnsureDataset(tmp / "replay", spec, Layout::kFiles, Quiet());
  const TreeProfile again = ProfileTree(tmp / "replay/data");
  EXPECT_EQ(again.files, 35u);
  std::set<uint64_t> sizes;
  for (const auto& b : again.buckets) {
    EXPECT_EQ(b.min_bytes, b.max_bytes);
    sizes.insert(b.min_bytes);
  }
  for (uint64_t s : sizes) EXPECT_TRUE(s == 1000 || s == 5000 || s == 70000) << s;
}

TEST(Profile, RejectsAMissingOrEmptyDirectory) {
  TempDir tmp;
  EXPECT_THAT(ErrorMessage<UsageError>([&] { ProfileTree(tmp / "nope"); }),
              HasSubstr("not a directory"));
  EXPECT_THAT(ErrorMessage<UsageError>([&] { ProfileTree(tmp.path()); }),
              HasSubstr("no regular file"));
}

}  // namespace
}  // namespace feedbench

namespace feedbench {
namespace {

// LMDB reports a short page write on a full filesystem as EIO: the message says "no space left
// on <path>" there (a real full ext4 on a loop device), and keeps LMDB's text on a filesystem with
// room. MDB_MAP_FULL and ENOSPC are no space wherever they happen. Every one is exit 3.
TEST(LmdbWriteError, AnIoErrorOnAFullFilesystemSaysNoSpaceLeftOnThePath) {
  if (const auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  testing::LoopExt4 loop(8);
  const fs::path env = loop.mount_point() / "lmdb";
  fs::create_directory(env);
  // Fill it: dd stops at ENOSPC (its exit status is then non-zero, as expected).
  [[maybe_unused]] const int dd = std::system(
      ("dd if=/dev/zero of=" + (loop.mount_point() / "fill").string() +
       " bs=1M >/dev/null 2>&1; sync")
          .c_str());
  const std::string full = LmdbWriteError(EIO, "mdb_txn_commit", env).what();
  EXPECT_THAT(full, HasSubstr("mdb_txn_commit (" + env.string() + "): no space left on " +
                              env.string()));
  EXPECT_THAT(full, HasSubstr("Input/output error"));  // LMDB's own word, kept after the reason

  TempDir roomy;
  const std::string io = LmdbWriteError(EIO, "mdb_txn_commit", roomy.path()).what();
  EXPECT_THAT(io, ::testing::Not(HasSubstr("no space")));
  EXPECT_THAT(io, HasSubstr("Input/output error"));
  EXPECT_THAT(std::string(LmdbWriteError(ENOSPC, "mdb_put", roomy.path()).what()),
              HasSubstr("no space left on " + roomy.path().string()));
  EXPECT_THAT(std::string(LmdbWriteError(MDB_MAP_FULL, "mdb_put", roomy.path()).what()),
              HasSubstr("no space left in the LMDB map"));
}

}  // namespace
}  // namespace feedbench
