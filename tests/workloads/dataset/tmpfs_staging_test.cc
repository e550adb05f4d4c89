// tmpfs staging: copy, memory checks, and removal on destruction, failure and signals.
#include "workloads/dataset/tmpfs_staging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/sample_store.h"
#include "workloads/reader/reader.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

DatasetSpec Spec(uint64_t samples, std::string_view size) {
  DatasetSpec spec;
  spec.samples = samples;
  spec.sizes = ParseSizeSpec(size);
  spec.files_per_dir = 8;
  return spec;
}

struct Fixture {
  Fixture() {
    EnsureOptions quiet;
    quiet.progress = false;
    EnsureDataset(disk / "d", spec, Layout::kFiles, quiet);
    options.tmpfs_dir = shm.path();
  }
  size_t StagingsLeft() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(shm.path())) {
      if (e.path().filename().string().rfind("feedbench-stage-", 0) == 0) ++n;
    }
    return n;
  }
  TempDir disk{"/var/tmp"};
  TempDir shm{"/dev/shm"};
  DatasetSpec spec = Spec(30, "4KiB");
  StagingOptions options;
};

TEST(TmpfsStaging, CopiesTheFilesLayoutAndRemovesItWhenDestroyed) {
  Fixture f;
  fs::path root;
  {
    TmpfsStaging staging(f.disk / "d", f.spec, f.options);
    root = staging.root();
    EXPECT_EQ(root.parent_path(), f.shm.path());
    EXPECT_THAT(root.filename().string(), HasSubstr("feedbench-stage-"));
    const auto store = OpenFilesStore(root, f.spec);
    const ReaderResult r = RunReader(*store, f.spec, ReaderOptions{});
    EXPECT_EQ(r.verify_error, std::nullopt);
    EXPECT_EQ(r.samples, 30u);
  }
  EXPECT_FALSE(fs::exists(root));
  EXPECT_EQ(f.StagingsLeft(), 0u);
}

TEST(TmpfsStaging, TwoStagingsOfOneDatasetAreIndependent) {
  Fixture f;
  TmpfsStaging a(f.disk / "d", f.spec, f.options);
  {
    TmpfsStaging b(f.disk / "d", f.spec, f.options);
    EXPECT_NE(a.root(), b.root());
  }
  EXPECT_TRUE(fs::exists(SampleFilePath(a.root(), f.spec, 29)));
}

TEST(TmpfsStaging, NotEnoughMemoryIsAUsageErrorWithTheNumbersAndStagesNothing) {
  Fixture f;
  std::ofstream(f.disk / "meminfo") << "MemTotal:       1000000 kB\nMemFree:          2000 kB\n"
                                       "MemAvailable:     1024 kB\n";
  f.options.meminfo_path = (f.disk / "meminfo").string();
  try {
    TmpfsStaging staging(f.disk / "d", f.spec, f.options);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not enough memory"));
    EXPECT_THAT(e.what(), HasSubstr("MemAvailable is 1.0 MiB (1048576 bytes)"));
    EXPECT_THAT(e.what(), HasSubstr(std::to_string(StagingNeedBytes(30 * 4096)) + " bytes"));
  }
  EXPECT_EQ(f.StagingsLeft(), 0u);
}

TEST(TmpfsStaging, AFailedCopyRemovesThePartialStaging) {
  Fixture f;
  fs::remove(SampleFilePath(f.disk / "d", f.spec, 17));
  EXPECT_THROW(TmpfsStaging(f.disk / "d", f.spec, f.options), EnvironmentError);
  EXPECT_EQ(f.StagingsLeft(), 0u);
}

TEST(TmpfsStaging, AMissingTmpfsDirIsAUsageError) {
  Fixture f;
  f.options.tmpfs_dir = f.shm / "nope";
  EXPECT_THROW(TmpfsStaging(f.disk / "d", f.spec, f.options), UsageError);
}

// In a child process: stage, report the root through a pipe, then take `signal`.
void ExpectRemovedOnSignal(int signal) {
  Fixture f;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    try {
      TmpfsStaging staging(f.disk / "d", f.spec, f.options);
      const std::string root = staging.root().string() + "\n";
      (void)!::write(fds[1], root.data(), root.size());
      ::raise(signal);
    } catch (...) {
    }
    ::_exit(99);  // not reached when the signal kills the process
  }
  ::close(fds[1]);
  std::string root;
  char c = 0;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') root.push_back(c);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status)) << "status " << status;
  if (WIFSIGNALED(status)) {
    EXPECT_EQ(WTERMSIG(status), signal);
  }
  ASSERT_FALSE(root.empty());
  EXPECT_FALSE(fs::exists(root)) << root;
  EXPECT_EQ(f.StagingsLeft(), 0u);
}

TEST(TmpfsStaging, IsRemovedOnSigterm) { ExpectRemovedOnSignal(SIGTERM); }
TEST(TmpfsStaging, IsRemovedOnSigint) { ExpectRemovedOnSignal(SIGINT); }

TEST(MemAvailable, ParsesKibibytesFromMeminfo) {
  EXPECT_EQ(ParseMemAvailableBytes("MemTotal: 10 kB\nMemAvailable:   24261056 kB\n", "m"),
            24261056ULL * 1024);
  EXPECT_THROW(ParseMemAvailableBytes("MemTotal: 10 kB\n", "m"), EnvironmentError);
}

TEST(StagingNeedBytes, AddsAMarginOf64MiBOrFivePercent) {
  EXPECT_EQ(StagingNeedBytes(1000), 1000 + (64ULL << 20));
  EXPECT_EQ(StagingNeedBytes(100ULL << 30), (100ULL << 30) + (5ULL << 30));
}

}  // namespace
}  // namespace feedbench
