// fio profiles as workloads: the test file, the O_DIRECT check and its buffered fallback, the
// smallfile scan, suite options, and real short runs of every profile with diskstats sampled.
#include "workloads/fio/fio_workload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/os/child_process.h"
#include "harness/os/device.h"
#include "harness/results/metrics.h"
#include "tests/support/error_message.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/temp_dir.h"
#include "workloads/fio/fio_profiles.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using testing::ErrorMessage;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

// A ramfs mounted on a temporary directory: a filesystem that refuses O_DIRECT (EINVAL) even on
// kernels where tmpfs accepts it. Unmounted and removed at scope exit.
class Ramfs {
 public:
  static std::optional<std::string> Unavailable() {
    if (::geteuid() != 0) return "needs root to mount ramfs";
    return std::nullopt;
  }
  Ramfs() {
    char tmpl[] = "/var/tmp/feedbench-ramfs-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    if (::mount("ramfs", path_.c_str(), "ramfs", 0, "") != 0) {
      const std::string why = std::strerror(errno);
      ::rmdir(path_.c_str());
      throw std::runtime_error("mount ramfs: " + why);
    }
  }
  ~Ramfs() {
    ::umount2(path_.c_str(), MNT_DETACH);
    ::rmdir(path_.c_str());
  }
  Ramfs(const Ramfs&) = delete;
  Ramfs& operator=(const Ramfs&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void MakeDataset(const fs::path& data, int files, uint64_t first_bytes, uint64_t step_bytes) {
  for (int i = 0; i < files; ++i) {
    const fs::path shard = data / (i % 2 == 0 ? "000000" : "000001");
    fs::create_directories(shard);
    WriteFileAtomic(shard / (std::to_string(i) + ".sample"),
                    std::string(first_bytes + step_bytes * static_cast<uint64_t>(i % 4), 's'));
  }
}

// The figures under their registry names, as the results model holds them.
std::map<std::string, double> CountersOf(const FioMeasurement& m) {
  const Figures figures = m.ToFigures();
  std::map<std::string, double> out;
  for (const MetricInfo& metric : KnownMetrics()) {
    if (const auto v = figures.Get(metric.id)) out[std::string(metric.name)] = *v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Suite options.

TEST(FioSuiteOptions, AppliesEachKey) {
  FioWorkloadOptions o;
  ApplyFioSuiteOptions(nlohmann::json::parse(R"({"runtime_s": 20, "ramp_s": 0.5,
      "size": "256MiB", "block_size": 131072, "jobs": 8, "time_limit_s": 90})"),
                       "suite.json: workloads[2].options", o);
  EXPECT_DOUBLE_EQ(o.runtime_sec, 20);
  EXPECT_DOUBLE_EQ(o.ramp_sec, 0.5);
  EXPECT_EQ(o.test_file_bytes, 256u << 20);
  EXPECT_EQ(o.smallfile_block_bytes, 131072u);
  EXPECT_EQ(o.smallfile_jobs, 8);
  EXPECT_EQ(o.time_limit, std::chrono::seconds(90));
}

TEST(FioSuiteOptions, RejectsUnknownKeysWrongTypesAndRanges) {
  const std::string where = "suite.json: workloads[2].options";
  auto error = [&](const char* text) {
    FioWorkloadOptions o;
    return ErrorMessage([&] { ApplyFioSuiteOptions(nlohmann::json::parse(text), where, o); });
  };
  EXPECT_THAT(error(R"({"runtime": 10})"), HasSubstr("unknown fio option 'runtime'"));
  EXPECT_THAT(error(R"({"runtime_s": "10"})"), HasSubstr(where + ".runtime_s"));
  EXPECT_THAT(error(R"({"runtime_s": 0})"), HasSubstr("from 1 to 86400"));
  EXPECT_THAT(error(R"({"ramp_s": -1})"), HasSubstr(".ramp_s"));
  EXPECT_THAT(error(R"({"size": "64"})"), HasSubstr(".size"));
  EXPECT_THAT(error(R"({"size": "512KiB"})"), HasSubstr("at least 1MiB"));
  EXPECT_THAT(error(R"({"block_size": "6KiB"})"), HasSubstr("multiple of 4KiB"));
  EXPECT_THAT(error(R"({"jobs": 0})"), HasSubstr("from 1 to 256"));
  EXPECT_THAT(error(R"({"jobs": 2.5})"), HasSubstr(".jobs"));
  EXPECT_THAT(error(R"([1])"), HasSubstr("expected an object"));
  FioWorkloadOptions o;
  EXPECT_THROW(ApplyFioSuiteOptions(nlohmann::json::parse(R"({"x": 1})"), where, o), UsageError);
}

// ---------------------------------------------------------------------------------------------
// Test file, O_DIRECT, dataset scan.

TEST(FioTestFile, IsLaidOutOnceWithTheExactSizeAndReused) {
  TempDir dir;
  const fs::path file = dir.path() / "fio-testfile";
  EXPECT_TRUE(PrepareFioTestFile(file, 3u << 20));
  EXPECT_EQ(fs::file_size(file), 3u << 20);
  const auto written = fs::last_write_time(file);
  EXPECT_FALSE(PrepareFioTestFile(file, 3u << 20));
  EXPECT_EQ(fs::last_write_time(file), written);
  // Incompressible content, not zeros.
  const std::string head = ReadWholeFile(file).substr(0, 4096);
  EXPECT_GT(std::count_if(head.begin(), head.end(), [](char c) { return c != 0; }), 4000);
  // A different size replaces it; no temporary file is left behind.
  EXPECT_TRUE(PrepareFioTestFile(file, 2u << 20));
  EXPECT_EQ(fs::file_size(file), 2u << 20);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(FioTestFile, RefusesAPathThatIsNotARegularFile) {
  TempDir dir;
  fs::create_directory(dir.path() / "fio-testfile");
  EXPECT_THROW(PrepareFioTestFile(dir.path() / "fio-testfile", 1u << 20), UsageError);
  fs::create_symlink("/dev/null", dir.path() / "link");
  EXPECT_THAT(ErrorMessage([&] { PrepareFioTestFile(dir.path() / "link", 1u << 20); }),
              HasSubstr("not a regular file"));
}

TEST(FioTestFile, NoSpaceIsAnEnvironmentErrorAndLeavesNothing) {
  if (auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  testing::LoopExt4 fs64(64);
  const fs::path file = fs64.mount_point() / "fio-testfile";
  const std::string message = ErrorMessage([&] { PrepareFioTestFile(file, 128u << 20); });
  EXPECT_THAT(message, HasSubstr("no space for the fio test file"));
  EXPECT_THROW(PrepareFioTestFile(file, 128u << 20), EnvironmentError);
  EXPECT_FALSE(fs::exists(file));
}

TEST(DirectIo, IsSupportedOnTheDisk) {
  TempDir dir;
  WriteFileAtomic(dir.path() / "f", std::string(8192, 'x'));
  EXPECT_TRUE(SupportsDirectIo(dir.path() / "f"));
}

TEST(DirectIo, IsRefusedByRamfs) {
  if (auto why = Ramfs::Unavailable()) GTEST_SKIP() << *why;
  Ramfs ramfs;
  WriteFileAtomic(ramfs.path() / "f", std::string(8192, 'x'));
  EXPECT_FALSE(SupportsDirectIo(ramfs.path() / "f"));
}

TEST(DirectIo, MissingFileIsAnEnvironmentError) {
  EXPECT_THROW(SupportsDirectIo("/var/tmp/feedbench-no-such-file"), EnvironmentError);
}

TEST(SmallfileScan, FindsEveryFileAndChoosesTheBlockSize) {
  TempDir dir;
  MakeDataset(dir.path() / "data", 8, 40000, 10000);  // 40000, 50000, 60000, 70000 bytes
  const FilesLayoutScan scan = ScanFilesLayout(dir.path() / "data");
  EXPECT_EQ(scan.files, 8u);
  EXPECT_EQ(scan.min_file_bytes, 40000u);
  EXPECT_EQ(scan.max_file_bytes, 70000u);
  EXPECT_EQ(scan.total_bytes, 2u * (40000 + 50000 + 60000 + 70000));
  EXPECT_EQ(AutoSmallfileBlockBytes(scan), 32768u);  // largest power of two <= 40000
  // At 32 KiB blocks: 32768 + 32768 + 32768 + 65536 of each group of four.
  EXPECT_DOUBLE_EQ(SmallfileCoverage(scan, 32768), (3.0 * 32768 + 65536) / 220000);
  EXPECT_DOUBLE_EQ(SmallfileCoverage(scan, 10000), 1.0);
}

TEST(SmallfileScan, ClampsTheBlockSize) {
  FilesLayoutScan scan;
  scan.min_file_bytes = 100;
  EXPECT_EQ(AutoSmallfileBlockBytes(scan), 4096u);
  scan.min_file_bytes = 64u << 20;
  EXPECT_EQ(AutoSmallfileBlockBytes(scan), 1u << 20);
}

TEST(SmallfileScan, RejectsAMissingOrEmptyDirectory) {
  TempDir dir;
  EXPECT_THAT(ErrorMessage([&] { ScanFilesLayout(dir.path() / "none"); }),
              HasSubstr("does not exist"));
  EXPECT_THAT(ErrorMessage([&] { ScanFilesLayout(dir.path()); }), HasSubstr("holds no files"));
  EXPECT_THROW(ScanFilesLayout(dir.path()), UsageError);
}

// ---------------------------------------------------------------------------------------------
// MeasureFioProfile: bad input before anything runs.

TEST(MeasureFio, RejectsAnUnknownProfile) {
  TempDir dir;
  FioWorkloadOptions o;
  o.profile = "seq-reed";
  o.data_dir = dir.path();
  const std::string message = ErrorMessage([&] { MeasureFioProfile(o); });
  EXPECT_THAT(message, HasSubstr("unknown fio profile 'seq-reed'"));
  EXPECT_THAT(message, HasSubstr("rand-read-4k-qd32"));
  EXPECT_THROW(MeasureFioProfile(o), UsageError);
}

TEST(MeasureFio, RejectsAUserProfileOnARawDeviceWithoutRunningFio) {
  TempDir dir;
  const fs::path profile = dir.path() / "raw.fio";
  WriteFileAtomic(profile, "[raw]\nfilename=/dev/vda\nrw=randread\nioengine=libaio\n");
  FioWorkloadOptions o;
  o.profile = profile.string();
  o.data_dir = dir.path();
  EXPECT_THAT(ErrorMessage([&] { MeasureFioProfile(o); }), HasSubstr("never on a raw device"));
  EXPECT_THROW(MeasureFioProfile(o), UsageError);
  EXPECT_FALSE(fs::exists(dir.path() / "fio" / "raw.json"));
}

TEST(MeasureFio, RejectsAUserProfileReplayingAnIologWithoutRunningFio) {
  // The iolog names the raw device; fio would open it. read_iolog is not on the allow-list.
  TempDir dir;
  const fs::path iolog = dir.path() / "replay.log";
  WriteFileAtomic(iolog,
                  "fio version 2 iolog\n/dev/vda add\n/dev/vda open\n"
                  "/dev/vda read 0 4096\n/dev/vda close\n");
  const fs::path profile = dir.path() / "replay.fio";
  WriteFileAtomic(profile,
                  "[replay]\nioengine=psync\nrw=read\nread_iolog=" + iolog.string() + "\n");
  FioWorkloadOptions o;
  o.profile = profile.string();
  o.data_dir = dir.path();
  // Should the check let the job through, no fio runs it: the program does not exist.
  o.fio_program = (dir.path() / "no-fio").string();
  const std::string message = ErrorMessage([&] { MeasureFioProfile(o); });
  EXPECT_THAT(message, HasSubstr(profile.string() + ": [replay] read_iolog"));
  EXPECT_THAT(message, HasSubstr("not on feedbench's list of allowed options"));
  EXPECT_THROW(MeasureFioProfile(o), UsageError);
  EXPECT_FALSE(fs::exists(dir.path() / "fio" / "replay.json"));
}

TEST(MeasureFio, SmallfileNeedsADataset) {
  TempDir dir;
  FioWorkloadOptions o;
  o.profile = "smallfile";
  o.data_dir = dir.path();
  EXPECT_THROW(MeasureFioProfile(o), UsageError);
  o.dataset_dir = dir.path() / "missing";
  EXPECT_THAT(ErrorMessage([&] { MeasureFioProfile(o); }), HasSubstr("does not exist"));
}

TEST(MeasureFio, RejectsAMissingDataDirectory) {
  FioWorkloadOptions o;
  o.profile = "seq-read";
  o.data_dir = "/var/tmp/feedbench-no-such-dir";
  EXPECT_THROW(MeasureFioProfile(o), UsageError);
}

// ---------------------------------------------------------------------------------------------
// Real runs: each profile for a second, with diskstats sampled on the disk under /var/tmp.

class RealFioWorkload : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FindProgram("fio")) GTEST_SKIP() << "fio is not installed";
    const PathDevice pd = ResolvePath(dir_.path());
    if (!pd.device) GTEST_SKIP() << dir_.path() << ": " << pd.no_device_reason;
    device_ = pd.device->name;
    MakeDataset(dir_.path() / "dataset" / "data", 80, 16384, 8192);
  }
  FioWorkloadOptions Options(const std::string& profile) {
    FioWorkloadOptions o;
    o.profile = profile;
    o.data_dir = dir_.path();
    o.dataset_dir = dir_.path() / "dataset" / "data";
    o.test_file_bytes = 16u << 20;
    o.ramp_sec = 0.5;
    o.runtime_sec = 1;
    o.devices = {device_};
    o.sample_interval = std::chrono::milliseconds(200);
    return o;
  }
  TempDir dir_;
  std::string device_;
};

TEST_F(RealFioWorkload, EachProfileGivesFioAndDeviceCounters) {
  for (auto name : BuiltinFioProfiles()) {
    SCOPED_TRACE(name);
    const FioMeasurement m = MeasureFioProfile(Options(std::string(name)));
    EXPECT_EQ(m.profile, name);
    EXPECT_EQ(m.direct, name != "smallfile");  // smallfile reads buffered, as a loader does
    const auto c = CountersOf(m);
    for (const char* key : {"bytes_per_second", "iops", "clat_p99_us", "lat_p50_us", "lat_p95_us",
                            "lat_p99_us", "device_read_bytes", "r_per_second", "r_await_ms",
                            "aqu_sz", "util_pct", "fio_disk_r_per_second", "fio_disk_util_pct"}) {
      EXPECT_TRUE(c.count(key)) << key;
    }
    EXPECT_GT(c.at("bytes_per_second"), 0);
    EXPECT_GT(c.at("iops"), 0);
    EXPECT_LE(c.at("lat_p50_us"), c.at("lat_p95_us"));
    EXPECT_LE(c.at("lat_p95_us"), c.at("lat_p99_us"));
    EXPECT_EQ(c.at("clat_p99_us"), c.at("lat_p99_us"));
    // Direct reads reach the disk: both feedbench's sampler and fio's disk_util saw them.
    EXPECT_GT(c.at("device_read_bytes"), 0);
    EXPECT_GT(c.at("r_per_second"), 0);
    EXPECT_GT(c.at("fio_disk_r_per_second"), 0);
    ASSERT_TRUE(m.fio_disk.has_value());
    EXPECT_EQ(m.fio_disk->name, device_);
    ASSERT_EQ(m.device_windows.size(), 1u);
    EXPECT_EQ(m.device_windows[0].device, device_);
    EXPECT_FALSE(m.timeline.empty());
    EXPECT_THAT(m.notes, Contains(HasSubstr("device figures cover the fio process")));
  }
}

TEST_F(RealFioWorkload, TestFileIsLaidOutOnceAndReused) {
  const FioMeasurement first = MeasureFioProfile(Options("rand-read-4k-qd1"));
  EXPECT_THAT(first.notes, Contains(HasSubstr("laid out the fio test file")));
  const FioMeasurement second = MeasureFioProfile(Options("rand-read-4k-qd32"));
  EXPECT_THAT(second.notes, Not(Contains(HasSubstr("laid out the fio test file"))));
  EXPECT_EQ(fs::file_size(dir_.path() / "fio" / "fio-testfile"), 16u << 20);
  // Each run keeps its job file, output and stderr in <data>/fio.
  EXPECT_TRUE(fs::exists(dir_.path() / "fio" / "rand-read-4k-qd32.fio"));
  EXPECT_TRUE(fs::exists(dir_.path() / "fio" / "rand-read-4k-qd32.json"));
  EXPECT_TRUE(fs::exists(dir_.path() / "fio" / "rand-read-4k-qd32.stderr"));
}

TEST_F(RealFioWorkload, AJobFileOfYourOwnThatNamesTheTestFileGetsItLaidOut) {
  // fio runs --readonly and lays out nothing: the job reads the test file only if feedbench
  // laid it out first.
  const fs::path job = dir_.path() / "mine.fio";
  WriteFileAtomic(job,
                  "[global]\nfilename=fio-testfile\ntime_based=1\nruntime=1\n"
                  "[mine]\nrw=randread\nbs=4k\nioengine=psync\ndirect=1\n");
  ASSERT_FALSE(fs::exists(dir_.path() / "fio" / "fio-testfile"));
  const FioMeasurement m = MeasureFioProfile(Options(job.string()));
  EXPECT_THAT(m.notes, Contains(HasSubstr("laid out the fio test file")));
  EXPECT_EQ(fs::file_size(dir_.path() / "fio" / "fio-testfile"), 16u << 20);
  EXPECT_TRUE(m.direct);
  EXPECT_GT(m.reads.io_bytes, 0u);
}

TEST_F(RealFioWorkload, SmallfileWarmsUpSeparatelyAndSaysWhatItCovers) {
  const FioMeasurement m = MeasureFioProfile(Options("smallfile"));
  EXPECT_THAT(m.notes, Contains(HasSubstr("separate 0.5 s fio run")));
  EXPECT_THAT(m.notes, Contains(HasSubstr("smallfile reads 80 files")));
  EXPECT_THAT(m.notes, Contains(HasSubstr("with 16 jobs, each one file at a time in whole 16KiB")));
  EXPECT_THAT(m.notes, Contains(HasSubstr("fio said: fio: opendir added 80 files")));
  EXPECT_TRUE(fs::exists(dir_.path() / "fio" / "smallfile-warmup.json"));
  EXPECT_EQ(m.run.report.jobs.at(0).read.io_bytes % 16384, 0u);
}

TEST_F(RealFioWorkload, WithoutDevicesThereAreNoDeviceCounters) {
  FioWorkloadOptions o = Options("rand-read-4k-qd1");
  o.devices.clear();
  const auto c = CountersOf(MeasureFioProfile(o));
  EXPECT_TRUE(c.count("iops"));
  EXPECT_FALSE(c.count("util_pct"));
  EXPECT_FALSE(c.count("fio_disk_util_pct"));
}

TEST(RealFioFallback, FilesystemWithoutODirectRunsBufferedAndSaysSo) {
  if (!FindProgram("fio")) GTEST_SKIP() << "fio is not installed";
  if (auto why = Ramfs::Unavailable()) GTEST_SKIP() << *why;
  Ramfs ramfs;
  FioWorkloadOptions o;
  o.profile = "rand-read-4k-qd1";
  o.data_dir = ramfs.path();
  o.test_file_bytes = 4u << 20;
  o.ramp_sec = 0;
  o.runtime_sec = 1;
  const FioMeasurement m = MeasureFioProfile(o);
  EXPECT_FALSE(m.direct);
  EXPECT_THAT(m.notes, Contains(HasSubstr("does not support O_DIRECT")));
  const std::string job = ReadWholeFile(ramfs.path() / "fio" / "rand-read-4k-qd1.fio");
  EXPECT_THAT(job, HasSubstr("direct=0\n"));
  EXPECT_THAT(job, HasSubstr("invalidate=1\n"));
  EXPECT_GT(m.reads.io_bytes, 0u);
}

TEST(RealFioFailure, SmallfileWhoseFilesAreAllShorterThanABlockReadsNothingAndSaysWhy) {
  if (!FindProgram("fio")) GTEST_SKIP() << "fio is not installed";
  TempDir dir;
  MakeDataset(dir.path() / "data", 10, 5000, 0);
  FioWorkloadOptions o;
  o.profile = "smallfile";
  o.data_dir = dir.path();
  o.dataset_dir = dir.path() / "data";
  o.smallfile_block_bytes = 8192;
  o.ramp_sec = 0;
  o.runtime_sec = 1;
  const std::string message = ErrorMessage([&] { MeasureFioProfile(o); });
  EXPECT_THAT(message, HasSubstr("read no data"));
  EXPECT_THAT(message, HasSubstr("shorter than the block size"));
}

}  // namespace
}  // namespace feedbench
