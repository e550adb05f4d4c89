// fio driver: the JSON parser on real fio 3.33 captures, job-file generation and checks, and fio
// run as a child process (real fio, and fake ones that hang, fail or write garbage).
#include "workloads/fio/fio.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/os/child_process.h"
#include "tests/support/error_message.h"
#include "tests/support/temp_dir.h"
#include "workloads/fio/fio_profiles.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::ErrorMessage;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

const fs::path kFixtures = fs::path(FEEDBENCH_FIXTURES) / "fio";

std::string Fixture(const std::string& name) { return ReadWholeFile(kFixtures / name); }

// Puts `dir` first on PATH for the duration of a test (the child inherits it).
class PathPrepend {
 public:
  explicit PathPrepend(const fs::path& dir, bool replace = false) {
    const char* old = std::getenv("PATH");
    if (old != nullptr) saved_ = old;
    const std::string value = replace ? dir.string() : dir.string() + ":" + saved_.value_or("");
    ::setenv("PATH", value.c_str(), 1);
  }
  ~PathPrepend() {
    if (saved_) {
      ::setenv("PATH", saved_->c_str(), 1);
    } else {
      ::unsetenv("PATH");
    }
  }
  PathPrepend(const PathPrepend&) = delete;
  PathPrepend& operator=(const PathPrepend&) = delete;

 private:
  std::optional<std::string> saved_;
};

void WriteExecutable(const fs::path& path, const std::string& text) {
  WriteFileAtomic(path, text);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

bool RealFioAvailable() { return FindProgram("fio").has_value(); }

// ---------------------------------------------------------------------------------------------
// The parser on real captures (tests/fixtures/fio/README.md says how they were made).

TEST(FioParser, ReadsEveryFigureOfASeqReadCapture) {
  const FioReport r = ParseFioOutput(Fixture("fio-3.33-seq-read.json"), "seq-read.json");
  EXPECT_EQ(r.fio_version, "fio-3.33");
  EXPECT_EQ(r.preamble, "");
  EXPECT_TRUE(r.non_finite_keys.empty());
  ASSERT_EQ(r.jobs.size(), 1u);
  const FioJob& job = r.jobs[0];
  EXPECT_EQ(job.name, "seq-read");
  EXPECT_EQ(job.error, 0);
  EXPECT_EQ(job.read.io_bytes, 2549088256u);
  EXPECT_DOUBLE_EQ(job.read.bytes_per_sec, 1266313092);
  EXPECT_DOUBLE_EQ(job.read.iops, 1200.198708);
  EXPECT_EQ(job.read.total_ios, 2416u);
  EXPECT_DOUBLE_EQ(job.read.runtime_ms, 2013);
  // clat_ns in the file; microseconds here.
  EXPECT_DOUBLE_EQ(*job.read.clat.mean, 13196.569719046);
  EXPECT_DOUBLE_EQ(*job.read.clat.p50, 13172.736);
  EXPECT_DOUBLE_EQ(*job.read.clat.p95, 13828.096);
  EXPECT_DOUBLE_EQ(*job.read.clat.p99, 14876.672);
  EXPECT_DOUBLE_EQ(*job.read.clat.p99_9, 22413.312);
  EXPECT_DOUBLE_EQ(*job.usr_cpu_pct, 0.795229);
  EXPECT_DOUBLE_EQ(*job.sys_cpu_pct, 11.282306);
  EXPECT_DOUBLE_EQ(job.job_runtime_ms, 2012);
  EXPECT_EQ(job.write.io_bytes, 0u);
  EXPECT_EQ(job.write.total_ios, 0u);
  ASSERT_EQ(r.disk_util.size(), 1u);
  const FioDiskUtil& d = r.disk_util[0];
  EXPECT_EQ(d.name, "vda");
  EXPECT_EQ(d.read_ios, 4241u);
  EXPECT_EQ(d.write_ios, 34u);
  EXPECT_EQ(d.read_merges, 897u);
  EXPECT_EQ(d.read_ticks_ms, 55500u);
  EXPECT_EQ(d.in_queue_ms, 57355u);
  EXPECT_DOUBLE_EQ(d.util_pct, 96.58285);
  EXPECT_FALSE(d.read_sectors.has_value());  // fio 3.33 has no sector counts
}

TEST(FioParser, ReadsEachProfileCapture) {
  for (const std::string profile :
       {"seq-read", "rand-read-4k-qd32", "rand-read-4k-qd1", "smallfile"}) {
    SCOPED_TRACE(profile);
    const FioReport r = ParseFioOutput(Fixture("fio-3.33-" + profile + ".json"), profile);
    ASSERT_EQ(r.jobs.size(), 1u);
    EXPECT_EQ(r.jobs[0].name, profile);
    EXPECT_FALSE(FioJobFailure(r).has_value());
    const FioDirection& read = r.jobs[0].read;
    EXPECT_GT(read.io_bytes, 0u);
    EXPECT_GT(read.iops, 0);
    EXPECT_GT(read.bytes_per_sec, 0);
    // Percentiles are ordered, and the mean sits within the distribution.
    ASSERT_TRUE(read.clat.p50 && read.clat.p95 && read.clat.p99 && read.clat.p99_9);
    EXPECT_LE(*read.clat.p50, *read.clat.p95);
    EXPECT_LE(*read.clat.p95, *read.clat.p99);
    EXPECT_LE(*read.clat.p99, *read.clat.p99_9);
    EXPECT_LE(*read.clat.p99_9, *read.clat.max);
    // bytes/s agrees with bytes over runtime (fio rounds to whole bytes/s).
    EXPECT_NEAR(read.bytes_per_sec, read.io_bytes * 1000.0 / read.runtime_ms,
                read.bytes_per_sec * 1e-3);
    ASSERT_EQ(r.disk_util.size(), 1u);
    EXPECT_GT(r.disk_util[0].read_ios, 0u);
  }
}

TEST(FioParser, RandomReadCapturesHaveFourKibBlocks) {
  for (const std::string profile : {"rand-read-4k-qd32", "rand-read-4k-qd1"}) {
    const FioJob job = ParseFioOutput(Fixture("fio-3.33-" + profile + ".json"), profile).jobs[0];
    EXPECT_EQ(job.read.io_bytes % 4096, 0u) << profile;
    // io_bytes counts completions, total_ios issues: they differ by at most the queue depth.
    EXPECT_NEAR(static_cast<double>(job.read.io_bytes / 4096),
                static_cast<double>(job.read.total_ios), 32)
        << profile;
  }
}

TEST(FioParser, KeepsTheLineFioPrintsBeforeTheJson) {
  // fio prints "fio: opendir added N files" into the --output file, ahead of the document.
  const std::string text = Fixture("fio-3.33-smallfile.json");
  ASSERT_NE(text.front(), '{');
  const FioReport r = ParseFioOutput(text, "smallfile.json");
  EXPECT_EQ(r.preamble, "fio: opendir added 600 files");
  EXPECT_EQ(r.jobs.at(0).read.io_bytes, 1839202304u);
}

TEST(FioParser, SkipsErrorLinesBeforeTheJson) {
  const std::string text = Fixture("fio-3.33-job-error.stderr") +
                           "fio: a line with {braces} that is not JSON\n" +
                           Fixture("fio-3.33-rand-read-4k-qd1.json");
  const FioReport r = ParseFioOutput(text, "with-errors.json");
  ASSERT_EQ(r.jobs.size(), 1u);
  EXPECT_DOUBLE_EQ(r.jobs[0].read.iops, 15937.531234);
  EXPECT_THAT(r.preamble, HasSubstr("io_u error"));
  EXPECT_THAT(r.preamble, HasSubstr("{braces}"));
}

TEST(FioParser, ReportsAJobWithItsErrorSet) {
  // Real capture: O_DIRECT read with a 1000-byte block, which the kernel refuses (EINVAL).
  const FioReport r = ParseFioOutput(Fixture("fio-3.33-job-error.json"), "job-error.json");
  ASSERT_EQ(r.jobs.size(), 1u);
  EXPECT_EQ(r.jobs[0].error, 22);
  const auto failure = FioJobFailure(r);
  ASSERT_TRUE(failure.has_value());
  EXPECT_THAT(*failure, HasSubstr("unaligned-direct"));
  EXPECT_THAT(*failure, HasSubstr("error 22"));
  EXPECT_THAT(*failure, HasSubstr("Invalid argument"));
}

TEST(FioParser, RejectsTruncatedOutput) {
  const std::string text = Fixture("fio-3.33-seq-read.json");
  for (const size_t keep : {text.size() / 2, text.size() - 3, size_t{1}}) {
    SCOPED_TRACE(keep);
    const std::string message =
        ErrorMessage([&] { ParseFioOutput(text.substr(0, keep), "cut.json"); });
    EXPECT_THAT(message, HasSubstr("cut.json"));
    EXPECT_THAT(message, HasSubstr("no complete fio JSON document"));
  }
  EXPECT_THROW(ParseFioOutput(text.substr(0, text.size() / 2), "cut.json"), RunError);
}

TEST(FioParser, RejectsAnEmptyFile) {
  EXPECT_THROW(ParseFioOutput("", "empty.json"), RunError);
  EXPECT_THAT(ErrorMessage([] { ParseFioOutput(" \n\n", "empty.json"); }), HasSubstr("empty"));
}

TEST(FioParser, RejectsJsonThatIsNotFioOutput) {
  EXPECT_THAT(ErrorMessage([] { ParseFioOutput("{\"a\": 1}", "other.json"); }),
              HasSubstr("no complete fio JSON document"));
  EXPECT_THAT(
      ErrorMessage([] { ParseFioOutput(R"({"jobs": [{"jobname": "x", "read": {}}]})", "x"); }),
      HasSubstr("has no \"bw_bytes\""));
}

TEST(FioParser, ReadsNanAndInfinityAsNotReported) {
  // fio prints doubles with %f: a NaN comes out as a bare nan or -nan, which is not JSON.
  std::string text = Fixture("fio-3.33-seq-read.json");
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  replace("\"mean\" : 13196569.719046", "\"mean\" : -nan");
  replace("\"usr_cpu\" : 0.795229", "\"usr_cpu\" : nan");
  replace("\"util\" : 96.582850", "\"util\" : inf");
  const FioReport r = ParseFioOutput(text, "nan.json");
  EXPECT_FALSE(r.jobs[0].read.clat.mean.has_value());
  EXPECT_FALSE(r.jobs[0].usr_cpu_pct.has_value());
  EXPECT_DOUBLE_EQ(*r.jobs[0].sys_cpu_pct, 11.282306);
  EXPECT_DOUBLE_EQ(r.disk_util[0].util_pct, 0);
  EXPECT_DOUBLE_EQ(*r.jobs[0].read.clat.p99, 14876.672);
  EXPECT_THAT(
      r.non_finite_keys,
      ::testing::ElementsAre("/disk_util/0/util", "/jobs/0/read/clat_ns/mean", "/jobs/0/usr_cpu"));
}

TEST(FioParser, LeavesNanInsideStringsAlone) {
  const std::string text = R"({"fio version": "fio-3.33", "jobs": [{"jobname": "nan inf",
    "error": 0, "read": {"io_bytes": 4096, "bw_bytes": 4096, "iops": 1.0, "runtime": 1000}}]})";
  const FioReport r = ParseFioOutput(text, "strings.json");
  EXPECT_EQ(r.jobs[0].name, "nan inf");
  EXPECT_TRUE(r.non_finite_keys.empty());
}

TEST(FioParser, ReadsMicrosecondClatOfOlderFio) {
  // fio 2.x: "clat" in µs, "bw" in KiB/s, io_bytes in KiB, two-decimal percentile keys.
  const std::string text = R"({"fio version": "fio-2.2.10", "jobs": [{"jobname": "old",
    "error": 0, "read": {"io_bytes": 1024, "bw": 2048, "iops": 512.0, "runtime": 500,
    "clat": {"min": 10, "max": 900, "mean": 120.5, "stddev": 3.0,
             "percentile": {"50.00": 100, "95.00": 300, "99.00": 700, "99.90": 880}}},
    "usr_cpu": 1.5, "sys_cpu": 2.5}]})";
  const FioJob job = ParseFioOutput(text, "old.json").jobs.at(0);
  EXPECT_EQ(job.read.io_bytes, 1024u * 1024);
  EXPECT_DOUBLE_EQ(job.read.bytes_per_sec, 2048.0 * 1024);
  EXPECT_DOUBLE_EQ(*job.read.clat.mean, 120.5);
  EXPECT_DOUBLE_EQ(*job.read.clat.p50, 100);
  EXPECT_DOUBLE_EQ(*job.read.clat.p99, 700);
  EXPECT_DOUBLE_EQ(*job.read.clat.p99_9, 880);
}

TEST(FioParser, ReadsSectorCountsOfNewerFio) {
  const std::string text = R"({"jobs": [], "disk_util": [{"name": "nvme0n1", "read_ios": 10,
    "write_ios": 0, "read_merges": 1, "write_merges": 0, "read_sectors": 80,
    "write_sectors": 0, "read_ticks": 5, "write_ticks": 0, "in_queue": 5, "util": 12.5}]})";
  const FioReport r = ParseFioOutput(text, "new.json");
  ASSERT_EQ(r.disk_util.size(), 1u);
  EXPECT_EQ(r.disk_util[0].read_sectors, 80u);
  EXPECT_DOUBLE_EQ(r.disk_util[0].util_pct, 12.5);
  EXPECT_THAT(*FioJobFailure(r), HasSubstr("no jobs"));
}

TEST(FioParser, SumsThroughputAndTakesWorstPercentilesOverJobs) {
  FioReport r;
  FioJob a, b;
  a.read.bytes_per_sec = 100;
  a.read.iops = 10;
  a.read.io_bytes = 1000;
  a.read.clat.samples = 1;
  a.read.clat.mean = 10;
  a.read.clat.p99 = 50;
  b.read.bytes_per_sec = 300;
  b.read.iops = 30;
  b.read.io_bytes = 3000;
  b.read.clat.samples = 3;
  b.read.clat.mean = 20;
  b.read.clat.p99 = 40;
  r.jobs = {a, b};
  const FioReadSummary s = SummarizeReads(r);
  EXPECT_DOUBLE_EQ(s.bytes_per_sec, 400);
  EXPECT_DOUBLE_EQ(s.iops, 40);
  EXPECT_EQ(s.io_bytes, 4000u);
  EXPECT_DOUBLE_EQ(*s.clat.mean, (10.0 * 1 + 20.0 * 3) / 4);
  EXPECT_DOUBLE_EQ(*s.clat.p99, 50);
  EXPECT_FALSE(s.clat.p50.has_value());
}

// ---------------------------------------------------------------------------------------------
// Profiles.

FioProfileSettings TestSettings() {
  FioProfileSettings s;
  s.test_file = "/data/fio/fio-testfile";
  s.test_file_bytes = 1ULL << 30;
  s.smallfile_dir = "/data/dataset/data";
  s.smallfile_block_bytes = 64 * 1024;
  s.ramp_sec = 2;
  s.runtime_sec = 10;
  return s;
}

TEST(FioProfiles, DeviceProfilesHaveTheirEngineDepthAndBlockSize) {
  const FioProfileSettings s = TestSettings();
  struct Want {
    std::string name, engine, rw, bs, iodepth;
  };
  for (const Want& w : {Want{"seq-read", "libaio", "read", "1048576", "16"},
                        Want{"rand-read-4k-qd32", "libaio", "randread", "4096", "32"},
                        Want{"rand-read-4k-qd1", "psync", "randread", "4096", ""}}) {
    SCOPED_TRACE(w.name);
    const FioJobFile job = MakeFioProfile(w.name, s);
    EXPECT_EQ(FioOption(job, w.name, "ioengine"), w.engine);
    EXPECT_EQ(FioOption(job, w.name, "rw"), w.rw);
    EXPECT_EQ(FioOption(job, w.name, "bs"), w.bs);
    EXPECT_EQ(FioOption(job, w.name, "iodepth"), w.iodepth);
    EXPECT_EQ(FioOption(job, w.name, "direct"), "1");
    EXPECT_EQ(FioOption(job, w.name, "filename"), "/data/fio/fio-testfile");
    EXPECT_EQ(FioOption(job, w.name, "size"), "1073741824");
    EXPECT_EQ(FioOption(job, w.name, "allow_file_create"), "0");
    EXPECT_EQ(FioOption(job, w.name, "time_based"), "1");
    EXPECT_EQ(FioOption(job, w.name, "ramp_time"), "2000ms");
    EXPECT_EQ(FioOption(job, w.name, "runtime"), "10000ms");
    EXPECT_EQ(FioOption(job, w.name, "invalidate"), "");
    EXPECT_FALSE(MakeFioWarmup(w.name, s).has_value());
  }
}

TEST(FioProfiles, SmallfileReadsOneFileAtATimeInRandomOrder) {
  FioProfileSettings s = TestSettings();
  s.ramp_sec = 1.5;
  const FioJobFile job = MakeFioProfile("smallfile", s);
  EXPECT_EQ(FioOption(job, "smallfile", "opendir"), "/data/dataset/data");
  EXPECT_EQ(FioOption(job, "smallfile", "ioengine"), "psync");
  EXPECT_EQ(FioOption(job, "smallfile", "rw"), "read");
  EXPECT_EQ(FioOption(job, "smallfile", "bs"), "65536");
  EXPECT_EQ(FioOption(job, "smallfile", "openfiles"), "1");
  EXPECT_EQ(FioOption(job, "smallfile", "file_service_type"), "random:1048576");
  EXPECT_EQ(FioOption(job, "smallfile", "filename"), "");
  // Buffered like a loader, each file's cache dropped when opened; the loader's workers as jobs.
  EXPECT_EQ(FioOption(job, "smallfile", "direct"), "0");
  EXPECT_EQ(FioOption(job, "smallfile", "invalidate"), "1");
  EXPECT_EQ(FioOption(job, "smallfile", "numjobs"), "16");
  EXPECT_EQ(FioOption(job, "smallfile", "group_reporting"), "1");
  // fio's ramp_time hangs this job; the ramp is a separate warm-up run.
  EXPECT_EQ(FioOption(job, "smallfile", "ramp_time"), "");
  const auto warmup = MakeFioWarmup("smallfile", s);
  ASSERT_TRUE(warmup.has_value());
  EXPECT_EQ(warmup->profile, "smallfile-warmup");
  EXPECT_EQ(FioOption(*warmup, "smallfile", "runtime"), "1500ms");
  s.ramp_sec = 0;
  EXPECT_FALSE(MakeFioWarmup("smallfile", s).has_value());
}

TEST(FioProfiles, BufferedFallbackInvalidatesTheCache) {
  FioProfileSettings s = TestSettings();
  s.direct = false;
  const FioJobFile job = MakeFioProfile("rand-read-4k-qd32", s);
  EXPECT_EQ(FioOption(job, "rand-read-4k-qd32", "direct"), "0");
  EXPECT_EQ(FioOption(job, "rand-read-4k-qd32", "invalidate"), "1");
}

TEST(FioProfiles, UnknownProfileListsTheBuiltInOnes) {
  const std::string message = ErrorMessage([] { MakeFioProfile("seqread", TestSettings()); });
  EXPECT_THAT(message, HasSubstr("unknown fio profile 'seqread'"));
  for (auto name : BuiltinFioProfiles()) EXPECT_THAT(message, HasSubstr(std::string(name)));
  EXPECT_THROW(MakeFioProfile("seqread", TestSettings()), UsageError);
}

TEST(FioProfiles, RejectsSettingsOutOfRange) {
  FioProfileSettings s = TestSettings();
  s.runtime_sec = 0.5;
  EXPECT_THROW(MakeFioProfile("seq-read", s), UsageError);
  s = TestSettings();
  s.ramp_sec = -1;
  EXPECT_THROW(MakeFioProfile("seq-read", s), UsageError);
  s = TestSettings();
  s.smallfile_block_bytes = 1000;
  EXPECT_THAT(ErrorMessage([&] { MakeFioProfile("smallfile", s); }), HasSubstr("multiple of 4KiB"));
  s = TestSettings();
  s.test_file.clear();
  EXPECT_THROW(MakeFioProfile("seq-read", s), UsageError);
  s = TestSettings();
  s.smallfile_dir.clear();
  EXPECT_THROW(MakeFioProfile("smallfile", s), UsageError);
  s = TestSettings();
  s.smallfile_jobs = 0;
  EXPECT_THAT(ErrorMessage([&] { MakeFioProfile("smallfile", s); }), HasSubstr("1 to 256"));
}

TEST(FioProfiles, EscapesColonsInTheTestFilePath) {
  FioProfileSettings s = TestSettings();
  s.test_file = "/data/a:b/fio-testfile";
  const FioJobFile job = MakeFioProfile("seq-read", s);
  EXPECT_EQ(FioOption(job, "seq-read", "filename"), "/data/a\\:b/fio-testfile");
}

TEST(FioProfiles, RenderedJobFileParsesBack) {
  for (auto name : BuiltinFioProfiles()) {
    const FioJobFile job = MakeFioProfile(name, TestSettings());
    const FioJobFile back = ParseFioJobFile(RenderFioJobFile(job), "rendered");
    ASSERT_EQ(back.sections.size(), job.sections.size());
    for (size_t i = 0; i < job.sections.size(); ++i) {
      EXPECT_EQ(back.sections[i].name, job.sections[i].name);
      EXPECT_EQ(back.sections[i].options, job.sections[i].options);
    }
  }
}

TEST(FioProfiles, CapturedJobFilesAreWhatTheGeneratorWrites) {
  // The fixtures' job files came from MakeFioProfile; check they still pass the safety checks.
  for (const std::string profile :
       {"seq-read", "rand-read-4k-qd32", "rand-read-4k-qd1", "smallfile"}) {
    const FioJobFile job =
        ParseFioJobFile(Fixture("fio-3.33-" + profile + ".fio"), profile + ".fio");
    EXPECT_NO_THROW(CheckFioJobTargets(job, profile, "/var/tmp")) << profile;
    EXPECT_EQ(FioOption(job, profile, "direct"), profile == "smallfile" ? "0" : "1");
  }
}

TEST(FioProfiles, JobFileSecondsAddsRampAndRuntimeOfEachJob) {
  const FioJobFile built = MakeFioProfile("seq-read", TestSettings());
  EXPECT_DOUBLE_EQ(*FioJobFileSeconds(built), 12);
  const FioJobFile two =
      ParseFioJobFile("[global]\nruntime=1m\n[a]\nramp_time=500ms\n[b]\nruntime=30\n", "two.fio");
  EXPECT_DOUBLE_EQ(*FioJobFileSeconds(two), 60.5 + 30);
  EXPECT_FALSE(FioJobFileSeconds(ParseFioJobFile("[a]\nrw=read\n", "a.fio")).has_value());
  EXPECT_FALSE(FioJobFileSeconds(ParseFioJobFile("[a]\nruntime=5x\n", "a.fio")).has_value());
}

// ---------------------------------------------------------------------------------------------
// User-supplied job files: never a raw device.

void ExpectRefused(const std::string& text, const std::string& needle,
                   const fs::path& base = "/var/tmp") {
  SCOPED_TRACE(text);
  const std::string message = ErrorMessage(
      [&] { CheckFioJobTargets(ParseFioJobFile(text, "user.fio"), "user.fio", base); });
  EXPECT_THAT(message, HasSubstr("user.fio"));
  EXPECT_THAT(message, HasSubstr(needle));
  EXPECT_THROW(CheckFioJobTargets(ParseFioJobFile(text, "user.fio"), "user.fio", base), UsageError);
}

TEST(FioJobChecks, RefusesABlockDeviceFilename) {
  ExpectRefused("[j]\nfilename=/dev/vda\nrw=read\n", "[j] filename=/dev/vda");
  ExpectRefused("[j]\nfilename=/dev/vda\n", "raw device");
  ExpectRefused("[global]\nfilename=/dev/loop0\n[j]\n", "/dev");
}

TEST(FioJobChecks, RefusesADeviceAmongSeveralFilenames) {
  ExpectRefused("[j]\nfilename=/var/tmp/a:/dev/sdb\n", "/dev/sdb");
}

TEST(FioJobChecks, RefusesDevicesReachedThroughDirectoryOrRelativePaths) {
  ExpectRefused("[j]\ndirectory=/dev\nfilename=vda\n", "/dev");
  ExpectRefused("[j]\nfilename=../../dev/vda\n", "/dev", "/var/tmp");
  ExpectRefused("[j]\nopendir=/dev/disk\n", "/dev");
}

TEST(FioJobChecks, RefusesABlockDeviceNodeOutsideDev) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a device node";
  TempDir dir;
  const fs::path node = dir.path() / "disk";
  ASSERT_EQ(::mknod(node.c_str(), S_IFBLK | 0600, makedev(7, 0)), 0) << std::strerror(errno);
  ExpectRefused("[j]\nfilename=" + node.string() + "\n", "a block device");
  const fs::path link = dir.path() / "link";
  fs::create_symlink(node, link);
  ExpectRefused("[j]\nfilename=" + link.string() + "\n", "a block device");
  fs::create_symlink("/dev/null", dir.path() / "null");
  ExpectRefused("[j]\nfilename=" + (dir.path() / "null").string() + "\n", "character device");
}

TEST(FioJobChecks, RefusesWritesProgramsAndUncheckedPaths) {
  ExpectRefused("[j]\nfilename=/var/tmp/x\nrw=randwrite\n", "profiles only read");
  ExpectRefused("[j]\nreadwrite=rw\n", "profiles only read");
  ExpectRefused("[j]\nfilename=${DEV}\n", "variables in paths");
  ExpectRefused("[j]\nioengine=filedelete\n", "file I/O engines");
  ExpectRefused("[j]\nexec_prerun=rm -rf /\n", "[j] exec_prerun");
  ExpectRefused("[j]\nunlink=1\n", "[j] unlink=1");
  ExpectRefused("[j]\nwrite_bw_log=/etc/bw\n", "[j] write_bw_log");
}

// The refusal of an option that is not on the allow-list names the file, the section and the
// option.
void ExpectNotAllowed(const std::string& text, const std::string& section,
                      const std::string& option) {
  SCOPED_TRACE(text);
  const std::string message = ErrorMessage(
      [&] { CheckFioJobTargets(ParseFioJobFile(text, "user.fio"), "user.fio", "/var/tmp"); });
  EXPECT_THAT(message, HasSubstr("user.fio: [" + section + "] " + option));
  EXPECT_THAT(message, HasSubstr("not on feedbench's list of allowed options"));
  EXPECT_THROW(CheckFioJobTargets(ParseFioJobFile(text, "user.fio"), "user.fio", "/var/tmp"),
               UsageError);
}

TEST(FioJobChecks, RefusesAnIologThatReplaysOntoARawDevice) {
  // fio opens the device an iolog names: the iolog itself lies outside /dev.
  TempDir dir;
  const fs::path iolog = dir.path() / "replay.log";
  WriteFileAtomic(iolog,
                  "fio version 2 iolog\n/dev/vda add\n/dev/vda open\n"
                  "/dev/vda read 0 4096\n/dev/vda close\n");
  ExpectNotAllowed("[j]\nrw=read\nread_iolog=" + iolog.string() + "\n", "j", "read_iolog");
  ExpectNotAllowed("[j]\nread_iolog=/dev/vda\n", "j", "read_iolog");
  ExpectNotAllowed("[global]\nread_iolog=/dev/vda\n[j]\nrw=read\n", "global", "read_iolog");
}

TEST(FioJobChecks, RefusesAnIologHoweverItIsSpelled) {
  for (const std::string line :
       {"READ_IOLOG=/dev/vda", "Read_Iolog=/dev/vda", "read_iolog = /dev/vda",
        "  read_iolog\t=\t/dev/vda", "read_iolog=/dev/vda ; a comment", "read_iolog ; a flag",
        "read_iolog"}) {
    ExpectNotAllowed("[j]\nrw=read\n" + line + "\n", "j", "read_iolog");
  }
  ExpectNotAllowed("[j]\niolog=/dev/vda\n", "j", "iolog");
  ExpectNotAllowed("[j]\nread_iolog_chunked=1\n", "j", "read_iolog_chunked");
  ExpectNotAllowed("[j]\nreplay_redirect=/dev/vda\n", "j", "replay_redirect");
  ExpectNotAllowed("[j]\nreplay_no_stall=1\n", "j", "replay_no_stall");
  ExpectNotAllowed("[j]\nmerge_blktrace_file=/var/tmp/m\n", "j", "merge_blktrace_file");
}

TEST(FioJobChecks, RefusesAnOptionOffTheAllowList) {
  ExpectNotAllowed("[j]\nfilename=/var/tmp/x\nno_such_option=1\n", "j", "no_such_option");
  ExpectNotAllowed("[j]\nno_such_flag\n", "j", "no_such_flag");
  // Programs, logs and state files, the I/O scheduler, cgroups, memory-mapped files, the job's
  // name (fio names files after it), file creation and filling, zoned devices, external engines.
  std::istringstream off_the_list(
      "exec_prerun exec_postrun write_iolog write_bw_log write_lat_log write_iops_log "
      "write_hist_log trigger trigger_file trigger_cmd trigger_timeout ioscheduler cgroup "
      "verify_state_save mem iomem name fill_fs create_on_open pre_read zonemode ioengine_so_path");
  for (std::string option; off_the_list >> option;) {
    ExpectNotAllowed("[j]\nrw=read\n" + option + "=1\n", "j", option);
  }
}

TEST(FioJobChecks, RefusesEveryLineFioTakesForAnInclude) {
  // fio takes any option line starting with "include" for an include of the rest of the line.
  for (const std::string line : {"include other.fio", "include\tother.fio", "include=other.fio",
                                 "includeother.fio", "INCLUDE other.fio"}) {
    SCOPED_TRACE(line);
    const std::string text = "[j]\n" + line + "\n";
    EXPECT_THAT(ErrorMessage([&] { ParseFioJobFile(text, "u.fio"); }),
                HasSubstr("u.fio:2: include"));
  }
}

TEST(FioJobChecks, ChecksThePathFioReadsBeforeAnInlineComment) {
  // fio cuts an option line at ';' or '#': filename=<link>;x opens <link>.
  TempDir dir;
  fs::create_symlink("/dev/null", dir.path() / "null");
  const std::string link = (dir.path() / "null").string();
  ExpectRefused("[j]\nfilename=" + link + ";x\n", "character device");
  ExpectRefused("[j]\nfilename=" + link + " # x\n", "character device");
  ExpectRefused("[j]\nopendir=/dev#x\n", "/dev");
}

TEST(FioJobChecks, ChecksARelativeFilenameUnderEveryDirectory) {
  // fio spreads a job's files over all of directory=a:b, and [global...] sections are global.
  TempDir dir;
  fs::create_symlink("/dev/null", dir.path() / "null");
  ExpectRefused("[j]\ndirectory=/var/tmp:" + dir.path().string() + "\nfilename=null\n",
                "character device");
  ExpectRefused("[global-common]\ndirectory=" + dir.path().string() + "\n[j]\nfilename=null\n",
                "character device");
  // fio puts the directory in front of an absolute filename too.
  ExpectRefused("[j]\ndirectory=" + dir.path().string() + "\nfilename=/null\n", "character device");
}

TEST(FioJobChecks, FindsTheFileAJobNamesAsFioResolvesIt) {
  const fs::path test_file = "/data/fb/fio/fio-testfile";
  auto names = [&](const std::string& text, const fs::path& base = "/data/fb/fio") {
    return FioJobNamesFile(ParseFioJobFile(text, "u.fio"), test_file, base);
  };
  EXPECT_TRUE(names("[global]\nfilename=fio-testfile\n[j]\nrw=randread\n"));
  EXPECT_TRUE(names("[j]\nfilename=other:./fio-testfile\n"));
  EXPECT_TRUE(names("[j]\nfilename=/data/fb/fio/../fio/fio-testfile\n", "/elsewhere"));
  // fio puts the job's directory= in front of the name.
  EXPECT_TRUE(names("[j]\ndirectory=/a:/data/fb/fio\nfilename=fio-testfile\n", "/elsewhere"));
  EXPECT_TRUE(names("[global]\ndirectory=/data/fb\n[j]\nfilename=fio/fio-testfile\n", "/b"));
  EXPECT_FALSE(names("[j]\nfilename=fio-testfile\n", "/elsewhere"));
  EXPECT_FALSE(names("[j]\nfilename=fio-testfile-2\n"));
  EXPECT_FALSE(names("[j]\nfilename=/var/tmp/fio-testfile\n"));
  EXPECT_FALSE(names("[j]\nopendir=/data/fb/fio\n"));
}

TEST(FioJobChecks, ChecksAFilenameFormatWithTheJobNameFioPutsInIt) {
  TempDir dir;
  fs::create_symlink("/dev/null", dir.path() / "null");
  ExpectRefused("[null]\ndirectory=" + dir.path().string() + "\nfilename_format=$jobname\n",
                "character device");
  // A job name is one path component: fio names files after it.
  ExpectRefused("[..]\nfilename_format=$jobname/$jobname/$jobname/dev/vda\n", "[..]");
  ExpectRefused("[../../dev/vda]\nrw=read\n", "[../../dev/vda]");
}

TEST(FioJobChecks, RefusesAnEngineWithAnAttachedPath) {
  ExpectRefused("[j]\nioengine=psync:/var/tmp/engine.so\n", "file I/O engines");
  ExpectRefused("[j]\nioengine=external:/var/tmp/engine.so\n", "file I/O engines");
}

TEST(FioJobChecks, AllowListNamesNoOptionThatReachesOtherFilesOrPrograms) {
  const std::vector<std::string_view> allowed = AllowedFioOptions();
  ASSERT_FALSE(allowed.empty());
  for (const std::string_view name : allowed) {
    SCOPED_TRACE(name);
    for (const std::string_view family :
         {"log", "replay", "exec", "trigger", "include", "verify", "mem", "sched", "cgroup",
          "create_", "fill", "trim", "write_", "zone", "lockfile"}) {
      EXPECT_EQ(name.find(family), std::string_view::npos) << family;
    }
    // The parser lowers keys, so an entry with a capital or a blank could never match.
    EXPECT_TRUE(std::all_of(name.begin(), name.end(), [](char c) {
      return std::islower(static_cast<unsigned char>(c)) ||
             std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    }));
  }
}

TEST(FioJobChecks, AcceptsEveryOptionOfTheBuiltinProfiles) {
  for (const bool direct : {true, false}) {
    FioProfileSettings s = TestSettings();
    s.direct = direct;
    for (auto name : BuiltinFioProfiles()) {
      SCOPED_TRACE(name);
      EXPECT_NO_THROW(CheckFioJobTargets(MakeFioProfile(name, s), name, "/var/tmp"));
      if (const auto warmup = MakeFioWarmup(name, s)) {
        EXPECT_NO_THROW(CheckFioJobTargets(*warmup, name, "/var/tmp"));
      }
    }
  }
}

TEST(FioJobChecks, AcceptsReadsOfRegularFiles) {
  TempDir dir;
  WriteFileAtomic(dir.path() / "data", std::string(8192, 'x'));
  const std::string text =
      "; comment\n# comment\n[global]\nioengine=libaio\ndirect=1\n[job]\n"
      "filename=" +
      dir.path().string() +
      "/data\nrw=randread:8\nunlink=0\n"
      "time_based\nruntime=1\n";
  const FioJobFile job = ParseFioJobFile(text, "user.fio");
  EXPECT_NO_THROW(CheckFioJobTargets(job, "user.fio", dir.path()));
  ASSERT_EQ(job.sections.size(), 2u);
  EXPECT_EQ(job.sections[1].options[3],
            (std::pair<std::string, std::string>("time_based", "")));  // a bare flag
}

TEST(FioJobChecks, LoadRefusesAUserFileNamingARawDevice) {
  TempDir dir;
  const fs::path file = dir.path() / "raw.fio";
  WriteFileAtomic(file, "[raw]\nioengine=libaio\ndirect=1\nfilename=/dev/vda\nrw=randread\n");
  const std::string message = ErrorMessage([&] { LoadFioJobFile(file, dir.path()); });
  EXPECT_THAT(message, HasSubstr(file.string()));
  EXPECT_THAT(message, HasSubstr("never on a raw device"));
  EXPECT_THROW(LoadFioJobFile(file, dir.path()), UsageError);
}

TEST(FioJobChecks, RefusesIncludesAndMalformedFiles) {
  EXPECT_THAT(ErrorMessage([] { ParseFioJobFile("[j]\ninclude other.fio\n", "u.fio"); }),
              HasSubstr("u.fio:2: include"));
  EXPECT_THAT(ErrorMessage([] { ParseFioJobFile("rw=read\n[j]\n", "u.fio"); }),
              HasSubstr("u.fio:1: option 'rw=read' before any [section]"));
  EXPECT_THROW(ParseFioJobFile("[j\n", "u.fio"), UsageError);
  EXPECT_THROW(ParseFioJobFile("; only a comment\n", "u.fio"), UsageError);
}

// ---------------------------------------------------------------------------------------------
// fio as a child process: fakes first on PATH.

class FakeFio : public ::testing::Test {
 protected:
  void Install(const std::string& script) {
    WriteExecutable(bin_.path() / "fio", "#!/bin/sh\n" + script);
  }
  FioRunOptions Options(std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    FioRunOptions o;
    o.work_dir = work_.path();
    o.name = "fake";
    o.time_limit = limit;
    return o;
  }
  FioJobFile Job() { return MakeFioProfile("seq-read", TestSettings()); }

  TempDir bin_, work_;
};

TEST_F(FakeFio, HangingFioIsKilledAtTheLimitWithAClearError) {
  const fs::path pid_file = work_.path() / "sleeper.pid";
  // The fake leaves a grandchild in a session of its own, as fio's job processes are.
  Install("echo 'fio: starting' >&2\nsetsid sleep 1000 &\necho $! > " + pid_file.string() +
          "\nwait\n");
  PathPrepend path(bin_.path());
  const std::string message =
      ErrorMessage([&] { RunFio(Job(), Options(std::chrono::seconds(2))); });
  EXPECT_THAT(message, HasSubstr("fio exceeded its time limit of 2 s"));
  EXPECT_THAT(message, HasSubstr("fio: starting"));  // its stderr
  EXPECT_THAT(message, HasSubstr("fake.fio"));
  EXPECT_THROW(RunFio(Job(), Options(std::chrono::seconds(1))), RunError);
  // The grandchild was signalled too: it dies (gone, or a zombie waiting for init) instead of
  // sleeping on. Dying takes a moment after the signal, so wait for it (bounded).
  const pid_t pid = std::stoi(ReadWholeFile(pid_file));
  std::string state;
  for (int i = 0; i < 200; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
      state = "gone";
      break;
    }
    state = line.substr(line.rfind(')') + 2, 1);
    if (state == "Z" || state == "X") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_THAT(state, ::testing::AnyOf("gone", "Z", "X"));
}

TEST_F(FakeFio, FioThatExitsNonZeroShowsItsStderr) {
  Install("echo 'fio: failed to open file /nowhere: No such file or directory' >&2\nexit 1\n");
  PathPrepend path(bin_.path());
  const std::string message = ErrorMessage([&] { RunFio(Job(), Options()); });
  EXPECT_THAT(message, HasSubstr("exited with status 1"));
  EXPECT_THAT(message, HasSubstr("failed to open file /nowhere"));
  EXPECT_THROW(RunFio(Job(), Options()), RunError);
}

TEST_F(FakeFio, FioThatRefusesToExtendAFileIsExplainedWithItsFilesNamed) {
  // What fio 3.33 prints when --readonly stops it from laying out a job's file, then the open.
  Install(
      "for a in \"$@\"; do case $a in --output=*) out=${a#--output=};; esac; done\n"
      "echo 'fio: refusing extend of file due to read-only' >&2\n"
      "echo 'fio: pid=7, err=2/file:filesetup.c:805, func=open(missing), error=No such file or "
      "directory' >&2\n"
      "exit 1\n");
  PathPrepend path(bin_.path());
  FioRunOptions options = Options();
  options.read_only_hint = "read the test file instead";
  const std::string message = ErrorMessage([&] { RunFio(Job(), options); });
  EXPECT_THAT(message, HasSubstr("exited with status 1"));
  // fio's own words, so the message stands without its files ...
  EXPECT_THAT(message, HasSubstr(std::string(kFioReadOnlyRefusal)));
  EXPECT_THAT(message, HasSubstr("func=open(missing)"));
  // ... why, and what the caller offers instead ...
  EXPECT_THAT(message, HasSubstr("feedbench runs fio with --readonly"));
  EXPECT_THAT(message, HasSubstr("read the test file instead"));
  // ... and the files it kept: the job file and stderr, and no output fio never wrote.
  EXPECT_THAT(message, HasSubstr("fio's files: job file " + (work_.path() / "fake.fio").string() +
                                 ", stderr " + (work_.path() / "fake.stderr").string()));
  EXPECT_TRUE(fs::exists(work_.path() / "fake.fio"));
  EXPECT_TRUE(fs::exists(work_.path() / "fake.stderr"));
  EXPECT_THAT(message, Not(HasSubstr("fake.json")));
}

TEST_F(FakeFio, FioThatWritesNothingToStderrIsQuotedFromItsOutput) {
  Install(
      "for a in \"$@\"; do case $a in --output=*) out=${a#--output=};; esac; done\n"
      "echo 'fio: something only in the output' > \"$out\"\nexit 1\n");
  PathPrepend path(bin_.path());
  const std::string message = ErrorMessage([&] { RunFio(Job(), Options()); });
  EXPECT_THAT(message, HasSubstr("fio wrote nothing to stderr; its output begins:\n"
                                 "fio: something only in the output"));
  EXPECT_THAT(message, HasSubstr("output " + (work_.path() / "fake.json").string()));
  // No refusal, no explanation of one.
  EXPECT_THAT(message, Not(HasSubstr("--readonly")));
}

TEST_F(FakeFio, FioThatWritesAJobErrorReportsIt) {
  // Writes the real error capture where --output= says, and exits 1 as fio does.
  Install(
      "for a in \"$@\"; do case $a in --output=*) out=${a#--output=};; esac; done\n"
      "cat " +
      (kFixtures / "fio-3.33-job-error.json").string() +
      " > \"$out\"\n"
      "cat " +
      (kFixtures / "fio-3.33-job-error.stderr").string() + " >&2\nexit 1\n");
  PathPrepend path(bin_.path());
  const std::string message = ErrorMessage([&] { RunFio(Job(), Options()); });
  EXPECT_THAT(message, HasSubstr("job 'unaligned-direct' failed with error 22"));
  EXPECT_THAT(message, HasSubstr("io_u error on file"));
}

TEST_F(FakeFio, FioThatWritesGarbageIsAnError) {
  Install(
      "for a in \"$@\"; do case $a in --output=*) out=${a#--output=};; esac; done\n"
      "printf '{\"fio version\" : \"fio-3.33\", \"jobs\" : [' > \"$out\"\n"
      "echo 'fio: killed mid-write' >&2\nexit 0\n");
  PathPrepend path(bin_.path());
  const std::string message = ErrorMessage([&] { RunFio(Job(), Options()); });
  EXPECT_THAT(message, HasSubstr("no complete fio JSON document"));
  EXPECT_THAT(message, HasSubstr("killed mid-write"));
}

TEST_F(FakeFio, FioReceivesTheJobFileAndJsonOutputOptions) {
  const fs::path args = work_.path() / "args";
  Install("printf '%s\\n' \"$@\" > " + args.string() + "\nexit 1\n");
  PathPrepend path(bin_.path());
  EXPECT_THROW(RunFio(Job(), Options()), RunError);
  const std::string text = ReadWholeFile(args);
  EXPECT_THAT(text, HasSubstr("--output-format=json\n"));
  EXPECT_THAT(text, HasSubstr("--output=" + (work_.path() / "fake.json").string() + "\n"));
  EXPECT_THAT(text, HasSubstr("--readonly\n"));
  EXPECT_THAT(text, HasSubstr((work_.path() / "fake.fio").string()));
  EXPECT_EQ(ReadWholeFile(work_.path() / "fake.fio"), RenderFioJobFile(Job()));
}

TEST_F(FakeFio, MissingFioSaysHowToInstallIt) {
  PathPrepend path(bin_.path(), /*replace=*/true);  // an empty directory only
  const std::string message = ErrorMessage([&] { RunFio(Job(), Options()); });
  EXPECT_EQ(message, "fio not found on PATH; install it with `apt-get install fio`");
  EXPECT_THROW(RunFio(Job(), Options()), EnvironmentError);
  EXPECT_THROW(FioVersion(), EnvironmentError);
}

// ---------------------------------------------------------------------------------------------
// Child processes.

TEST(ChildProcess, ReportsExitStatusAndKeepsStreamsApart) {
  TempDir dir;
  ChildOptions o;
  o.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"};
  o.stdout_path = dir.path() / "out";
  o.stderr_path = dir.path() / "err";
  const ChildResult r = RunChild(o);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.Succeeded());
  EXPECT_EQ(ReadWholeFile(dir.path() / "out"), "out\n");
  EXPECT_EQ(ReadWholeFile(dir.path() / "err"), "err\n");
  EXPECT_EQ(r.Describe(), "exited with status 3");
}

TEST(ChildProcess, KillsAChildThatIgnoresSigterm) {
  ChildOptions o;
  o.argv = {"sh", "-c", "trap '' TERM; while :; do sleep 1; done"};
  o.time_limit = std::chrono::milliseconds(500);
  o.kill_grace = std::chrono::milliseconds(300);
  const ChildResult r = RunChild(o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_THAT(r.Describe(), HasSubstr("after its time limit passed"));
}

TEST(ChildProcess, RunsInTheWorkingDirectory) {
  TempDir dir;
  ChildOptions o;
  o.argv = {"sh", "-c", "pwd > where"};
  o.working_dir = dir.path();
  ASSERT_TRUE(RunChild(o).Succeeded());
  EXPECT_EQ(ReadWholeFile(dir.path() / "where"), dir.path().string() + "\n");
}

TEST(ChildProcess, MissingProgramIsAnEnvironmentError) {
  ChildOptions o;
  o.argv = {"feedbench-no-such-program"};
  EXPECT_THAT(ErrorMessage([&] { RunChild(o); }), HasSubstr("not found on PATH"));
  EXPECT_THROW(RunChild(o), EnvironmentError);
  TempDir dir;
  o.argv = {"true"};
  o.working_dir = dir.path() / "missing";
  EXPECT_THAT(ErrorMessage([&] { RunChild(o); }), HasSubstr("chdir"));
}

TEST(ChildProcess, TailOfFileKeepsTheLastLines) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 500; ++i) text += "line " + std::to_string(i) + "\n";
  WriteFileAtomic(dir.path() / "log", text);
  const std::string tail = TailOfFile(dir.path() / "log", 100);
  EXPECT_THAT(tail, HasSubstr("line 499"));
  EXPECT_THAT(tail, Not(HasSubstr("line 400")));
  EXPECT_EQ(tail.substr(0, 8), "...line ");
  EXPECT_EQ(TailOfFile(dir.path() / "none"), "");
}

// ---------------------------------------------------------------------------------------------
// Real fio, short runs on small files under /var/tmp.

class RealFio : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RealFioAvailable()) GTEST_SKIP() << "fio is not installed";
  }
};

TEST_F(RealFio, VersionIsReported) { EXPECT_THAT(FioVersion(), ::testing::StartsWith("fio-")); }

TEST_F(RealFio, EachProfileRunsEndToEnd) {
  TempDir dir;
  const fs::path test_file = dir.path() / "fio-testfile";
  {
    std::ofstream out(test_file, std::ios::binary);
    std::mt19937_64 rng(1);
    std::string chunk(1 << 20, '\0');
    for (int mib = 0; mib < 16; ++mib) {
      for (auto& c : chunk) c = static_cast<char>(rng());
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
  }
  const fs::path dataset = dir.path() / "dataset" / "data";
  for (int i = 0; i < 60; ++i) {
    const fs::path shard = dataset / (i < 30 ? "000000" : "000001");
    fs::create_directories(shard);
    WriteFileAtomic(shard / (std::to_string(i) + ".sample"),
                    std::string(16384 + 4096 * (i % 4), 'x'));
  }
  FioProfileSettings s;
  s.test_file = test_file;
  s.test_file_bytes = 16 << 20;
  s.smallfile_dir = dataset;
  s.smallfile_block_bytes = 16384;
  s.ramp_sec = 0.5;
  s.runtime_sec = 1;
  for (auto name : BuiltinFioProfiles()) {
    SCOPED_TRACE(name);
    FioRunOptions o;
    o.work_dir = dir.path();
    o.name = std::string(name);
    o.time_limit = std::chrono::seconds(120);
    if (auto warmup = MakeFioWarmup(name, s)) {
      FioRunOptions wo = o;
      wo.name = warmup->profile;
      RunFio(*warmup, wo);
    }
    const FioRun run = RunFio(MakeFioProfile(name, s), o);
    ASSERT_EQ(run.report.jobs.size(), 1u);
    const FioReadSummary reads = SummarizeReads(run.report);
    EXPECT_GT(reads.io_bytes, 0u);
    EXPECT_GT(reads.iops, 0);
    EXPECT_TRUE(reads.clat.p99.has_value());
    EXPECT_EQ(run.report.jobs[0].write.io_bytes, 0u);
    EXPECT_TRUE(fs::exists(run.output_path));
    EXPECT_TRUE(fs::exists(run.stderr_path));
  }
  // The buffered fallback is a valid fio job too.
  s.direct = false;
  FioRunOptions o;
  o.work_dir = dir.path();
  o.name = "buffered";
  o.time_limit = std::chrono::seconds(120);
  const FioRun run = RunFio(MakeFioProfile("rand-read-4k-qd1", s), o);
  EXPECT_GT(SummarizeReads(run.report).io_bytes, 0u);
}

// Processes whose command line mentions `needle`.
std::vector<pid_t> ProcessesMentioning(const std::string& needle) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const bool zombie =
        line.rfind(')') != std::string::npos && line.substr(line.rfind(')') + 2, 1) == "Z";
    if (!zombie && cmdline.find(needle) != std::string::npos) {
      found.push_back(std::stoi(name));
    }
  }
  return found;
}

TEST_F(RealFio, NoFioProcessOutlivesARunThatOverran) {
  // fio 3.33 spins forever after ramp_time in a time-based job picking files at random (the reason
  // smallfile ramps in a separate run); its job process has left fio's session with setsid. Either
  // fio finishes or feedbench stops it at the limit; no fio process may be left running.
  TempDir dir;
  const fs::path dataset = dir.path() / "data" / "000000";
  fs::create_directories(dataset);
  for (int i = 0; i < 20; ++i) {
    WriteFileAtomic(dataset / (std::to_string(i) + ".sample"), std::string(8192, 'x'));
  }
  FioProfileSettings s;
  s.smallfile_dir = dir.path() / "data";
  s.smallfile_block_bytes = 4096;
  s.runtime_sec = 1;
  FioJobFile job = MakeFioProfile("smallfile", s);
  job.sections.front().options.emplace_back("ramp_time", "200ms");
  FioRunOptions o;
  o.work_dir = dir.path();
  o.name = "overrun";
  o.time_limit = std::chrono::seconds(2);
  try {
    RunFio(job, o);
  } catch (const RunError& e) {
    EXPECT_THAT(e.what(), HasSubstr("fio exceeded its time limit of 2 s"));
  }
  const std::string job_path = (dir.path() / "overrun.fio").string();
  std::vector<pid_t> left;
  for (int i = 0; i < 200; ++i) {
    left = ProcessesMentioning(job_path);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_THAT(left, ::testing::IsEmpty());
}

TEST_F(RealFio, FioRefusesToWriteEvenIfAJobAsks) {
  // Belt and braces: the job-file check refuses writes, and fio itself runs with --readonly.
  TempDir dir;
  FioJobFile job;
  job.profile = "writer";
  job.sections = {
      {"writer",
       {{"filename", (dir.path() / "w").string()}, {"rw", "write"}, {"size", "1048576"}}}};
  FioRunOptions o;
  o.work_dir = dir.path();
  o.name = "writer";
  o.time_limit = std::chrono::seconds(60);
  EXPECT_THROW(RunFio(job, o), RunError);
  EXPECT_FALSE(fs::exists(dir.path() / "w"));
}

}  // namespace
}  // namespace feedbench

namespace feedbench {
namespace {

TEST(FioAllocSize, DefaultPoolForSmallSetsAndHalfAKibPerFileEntryBeyond) {
  EXPECT_EQ(FioAllocSizeKib(1000, 4), 16384u);  // 2000 KiB needed: fio's default suffices
  // 40,000 files x 16 jobs x 512 B = 320,000 KiB (the layouts suite; 16 MiB pools ran out).
  EXPECT_EQ(FioAllocSizeKib(40000, 16), 320000u);
}

}  // namespace
}  // namespace feedbench
