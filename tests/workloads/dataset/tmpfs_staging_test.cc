// tmpfs staging: copy, memory checks, removal on destruction, failure and signals, and reclaiming
// what a killed run left (its owner gone).
#include "workloads/dataset/tmpfs_staging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/os/interrupt.h"
#include "harness/os/process_identity.h"
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

TEST(TmpfsStaging, NotEnoughMemoryIsAnEnvironmentErrorWithTheNumbersAndStagesNothing) {
  Fixture f;
  std::ofstream(f.disk / "meminfo") << "MemTotal:       1000000 kB\nMemFree:          2000 kB\n"
                                       "MemAvailable:     1024 kB\n";
  f.options.meminfo_path = (f.disk / "meminfo").string();
  try {
    TmpfsStaging staging(f.disk / "d", f.spec, f.options);
    FAIL() << "no EnvironmentError";
  } catch (const EnvironmentError& e) {
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

TEST(TmpfsStaging, InsideAnInterruptScopeASignalIsLeftToTheUnwindingWork) {
  Fixture f;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int code = 10;
    fs::path root;
    try {
      InterruptScope scope;
      TmpfsStaging staging(f.disk / "d", f.spec, f.options);
      root = staging.root();
      ::raise(SIGINT);  // deferred: the process goes on, the staging stays
      code = fs::exists(SampleFilePath(root, f.spec, 29)) ? 11 : 12;
      ThrowIfInterrupted();
    } catch (const Interrupted& e) {
      // Unwound: the staging's destructor removed it.
      if (code == 11 && e.signal() == SIGINT && !fs::exists(root)) code = 0;
    } catch (...) {
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the signal was not deferred: status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: no staging, 11: not unwound, 12: staging removed early";
  EXPECT_EQ(f.StagingsLeft(), 0u);
}

TEST(TmpfsStaging, IsRemovedOnSigterm) { ExpectRemovedOnSignal(SIGTERM); }
TEST(TmpfsStaging, IsRemovedOnSigint) { ExpectRemovedOnSignal(SIGINT); }

// ---- Reclaiming stagings whose owner is gone ----

// A pid that was a process a moment ago and is not one now (forked, exited, reaped).
pid_t DeadPid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

// A child that lives until killed; killed and reaped when destroyed.
class LiveChild {
 public:
  LiveChild() : pid_(::fork()) {
    if (pid_ == 0) {
      while (true) ::pause();
    }
  }
  ~LiveChild() { Kill(); }
  LiveChild(const LiveChild&) = delete;
  LiveChild& operator=(const LiveChild&) = delete;
  pid_t pid() const { return pid_; }
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

std::string OwnerFileText(pid_t pid, uint64_t start_ticks, const std::string& boot_id) {
  return "feedbench tmpfs staging\npid " + std::to_string(pid) + "\nstart_ticks " +
         std::to_string(start_ticks) + "\nboot_id " + boot_id + "\n";
}

// A staging directory as a run with this owner leaves it, holding `bytes` of data; with
// `owner_text` empty, as an older feedbench left it (no owner file).
fs::path MakeStaging(const fs::path& tmpfs_dir, pid_t name_pid, const std::string& owner_text,
                     size_t bytes = 256 * 1024, const std::string& tail = "0-0123456789ab") {
  const fs::path dir = tmpfs_dir / ("feedbench-stage-" + std::to_string(name_pid) + "-" + tail);
  fs::create_directories(dir / "data" / "000000");
  std::ofstream(dir / "data" / "000000" / "0000000000.sample") << std::string(bytes, 'x');
  if (!owner_text.empty()) std::ofstream(dir / std::string(kStagingOwnerFile)) << owner_text;
  return dir;
}

uint64_t StartTicksOf(pid_t pid) {
  const auto st = ReadProcessStat(pid);
  return st ? st->start_ticks : 0;
}

TEST(StagingReclaim, ANewStagingRecordsItsOwnerAndIsJudgedAlive) {
  Fixture f;
  TmpfsStaging staging(f.disk / "d", f.spec, f.options);
  const std::string owner = ReadWholeFile(staging.root() / std::string(kStagingOwnerFile));
  const ProcessIdentity self = SelfIdentity();
  ASSERT_NE(self.start_ticks, 0u);
  EXPECT_EQ(owner, OwnerFileText(self.pid, self.start_ticks, self.boot_id));
  EXPECT_EQ(JudgeStaging(staging.root()), StagingOwner::kAlive);
  EXPECT_TRUE(ReclaimStaleStagings(f.shm.path()).empty());
  EXPECT_TRUE(fs::exists(SampleFilePath(staging.root(), f.spec, 29)));
}

TEST(StagingReclaim, AStagingWhoseOwnerIsDeadIsReclaimedWithItsSizeWhenANewOneIsMade) {
  Fixture f;
  const pid_t dead = DeadPid();
  ASSERT_FALSE(ProbePid(dead).runs) << "pid " << dead << " was reused at once";
  const fs::path stale =
      MakeStaging(f.shm.path(), dead, OwnerFileText(dead, 12345, BootId()), 1 << 20);
  std::vector<ReclaimedStaging> told;
  f.options.on_reclaimed = [&](const ReclaimedStaging& r) { told.push_back(r); };
  TmpfsStaging staging(f.disk / "d", f.spec, f.options);
  EXPECT_FALSE(fs::exists(stale));
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].dir, stale);
  EXPECT_GE(told[0].bytes, 1u << 20);
  EXPECT_EQ(told[0].error, "");
  EXPECT_THAT(told[0].why, HasSubstr("pid " + std::to_string(dead) + ", is gone"));
  EXPECT_TRUE(fs::exists(staging.root()));
}

TEST(StagingReclaim, WithoutACallbackTheReclaimIsSaidOnStderrWithItsSize) {
  Fixture f;
  const pid_t dead = DeadPid();
  ASSERT_FALSE(ProbePid(dead).runs);
  const fs::path stale = MakeStaging(f.shm.path(), dead, OwnerFileText(dead, 1, ""), 3 << 20);
  ::testing::internal::CaptureStderr();
  { TmpfsStaging staging(f.disk / "d", f.spec, f.options); }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_THAT(err, HasSubstr("reclaimed stale tmpfs staging " + stale.string() + " (3.0 MiB)"));
  EXPECT_THAT(err, HasSubstr("pid " + std::to_string(dead)));
}

TEST(StagingReclaim, AStagingWhoseOwnerLivesIsKeptAndReclaimedOnceItsOwnerIsGone) {
  Fixture f;
  LiveChild owner;
  ASSERT_GT(owner.pid(), 0);
  uint64_t ticks = 0;
  for (int i = 0; i < 100 && ticks == 0; ++i) ticks = StartTicksOf(owner.pid());
  ASSERT_NE(ticks, 0u);
  const fs::path dir =
      MakeStaging(f.shm.path(), owner.pid(), OwnerFileText(owner.pid(), ticks, BootId()));
  EXPECT_EQ(JudgeStaging(dir), StagingOwner::kAlive);
  { TmpfsStaging staging(f.disk / "d", f.spec, f.options); }
  EXPECT_TRUE(fs::exists(dir / "data" / "000000" / "0000000000.sample"));
  owner.Kill();
  const std::vector<ReclaimedStaging> reclaimed = ReclaimStaleStagings(f.shm.path());
  ASSERT_EQ(reclaimed.size(), 1u);
  EXPECT_EQ(reclaimed[0].dir, dir);
  EXPECT_FALSE(fs::exists(dir));
}

TEST(StagingReclaim, AReusedPidWithAnotherStartTimeIsStale) {
  Fixture f;
  // This process's pid stands for a pid the kernel gave to a new process after the owner died.
  const pid_t reused = ::getpid();
  const uint64_t now_ticks = StartTicksOf(reused);
  ASSERT_NE(now_ticks, 0u);
  const fs::path dir =
      MakeStaging(f.shm.path(), reused, OwnerFileText(reused, now_ticks - 1, BootId()));
  std::string why;
  EXPECT_EQ(JudgeStaging(dir, &why), StagingOwner::kGone);
  EXPECT_THAT(why, HasSubstr("is now another process"));
  const std::vector<ReclaimedStaging> reclaimed = ReclaimStaleStagings(f.shm.path());
  ASSERT_EQ(reclaimed.size(), 1u);
  EXPECT_FALSE(fs::exists(dir));
}

TEST(StagingReclaim, AnOwnerOfAnotherBootIsStale) {
  Fixture f;
  const pid_t self = ::getpid();
  const fs::path dir =
      MakeStaging(f.shm.path(), self, OwnerFileText(self, StartTicksOf(self), "not-this-boot"));
  ASSERT_NE(BootId(), "");
  std::string why;
  EXPECT_EQ(JudgeStaging(dir, &why), StagingOwner::kGone);
  EXPECT_THAT(why, HasSubstr("before this boot"));
}

TEST(StagingReclaim, AnOlderStagingWithoutOwnerFileIsReclaimedOnlyWhenThePidInItsNameIsDead) {
  Fixture f;
  const pid_t dead = DeadPid();
  ASSERT_FALSE(ProbePid(dead).runs);
  const fs::path stale = MakeStaging(f.shm.path(), dead, "");
  const fs::path live = MakeStaging(f.shm.path(), ::getpid(), "", 4096, "7-fedcba987654");
  const std::vector<ReclaimedStaging> reclaimed = ReclaimStaleStagings(f.shm.path());
  ASSERT_EQ(reclaimed.size(), 1u);
  EXPECT_EQ(reclaimed[0].dir, stale);
  EXPECT_THAT(reclaimed[0].why, HasSubstr("no owner file"));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live / "data"));
}

TEST(StagingReclaim, NothingNotNamedAndMarkedAsAStagingIsTouched) {
  Fixture f;
  const pid_t dead = DeadPid();
  ASSERT_FALSE(ProbePid(dead).runs);
  const std::string dead_text = std::to_string(dead);
  const fs::path shm = f.shm.path();
  std::vector<fs::path> foreign;
  // Another program's directory, and names that only look like a staging's.
  fs::create_directories(shm / "somebody-else" / "data");
  foreign.push_back(shm / "somebody-else");
  const std::vector<std::string> names{
      "feedbench-stage-" + dead_text, "feedbench-stage-x" + dead_text + "-0-ab",
      "feedbench-stage--0-ab", "feedbench-stage" + dead_text + "-0-ab"};
  for (const std::string& name : names) {
    fs::create_directories(shm / name / "data");
    foreign.push_back(shm / name);
  }
  // A file and a symlink (to somebody's data) named like a staging of a dead pid.
  std::ofstream(shm / ("feedbench-stage-" + dead_text + "-1-file")) << "not a directory";
  foreign.push_back(shm / ("feedbench-stage-" + dead_text + "-1-file"));
  fs::create_directories(f.disk / "precious");
  std::ofstream(f.disk / "precious" / "keep") << "keep";
  fs::create_directory_symlink(f.disk / "precious",
                               shm / ("feedbench-stage-" + dead_text + "-2-ln"));
  foreign.push_back(shm / ("feedbench-stage-" + dead_text + "-2-ln"));
  // Owner files that do not mark it: garbage, another pid than the name's, a directory.
  foreign.push_back(MakeStaging(shm, dead, "not an owner file\n", 4096, "3-a"));
  foreign.push_back(MakeStaging(shm, dead, OwnerFileText(dead + 1, 5, ""), 4096, "4-b"));
  foreign.push_back(MakeStaging(shm, dead, "", 4096, "5-c"));
  fs::create_directory(foreign.back() / std::string(kStagingOwnerFile));

  for (const fs::path& p : foreign) {
    EXPECT_EQ(JudgeStaging(p), StagingOwner::kNotStaging) << p;
  }
  std::vector<ReclaimedStaging> told;
  f.options.on_reclaimed = [&](const ReclaimedStaging& r) { told.push_back(r); };
  { TmpfsStaging staging(f.disk / "d", f.spec, f.options); }
  EXPECT_TRUE(told.empty());
  for (const fs::path& p : foreign) {
    EXPECT_TRUE(fs::exists(fs::symlink_status(p))) << p;
  }
  EXPECT_TRUE(fs::exists(f.disk / "precious" / "keep"));
}

TEST(StagingReclaim, AnotherUsersStagingIsLeftAloneUnlessJudgedByRoot) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root: the test judges a staging root owns as another user (nobody)";
  }
  Fixture f;
  fs::permissions(f.shm.path(),
                  fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                      fs::perms::others_exec,
                  fs::perm_options::add);
  const pid_t dead = DeadPid();
  ASSERT_FALSE(ProbePid(dead).runs);
  const fs::path dir = MakeStaging(f.shm.path(), dead, OwnerFileText(dead, 1, BootId()));
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    // The entry is visible to nobody (lstat works), and still not theirs to reclaim.
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) ::_exit(4);
    ::_exit(JudgeStaging(dir) == StagingOwner::kNotStaging ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: judged by another user, 3: no setuid, 4: not visible";
  EXPECT_EQ(JudgeStaging(dir), StagingOwner::kGone);
}

TEST(StagingReclaim, AStagingLeftBySigkillIsReclaimedByTheNextStaging) {
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
      while (true) ::pause();
    } catch (...) {
    }
    ::_exit(99);
  }
  ::close(fds[1]);
  std::string root;
  char c = 0;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') root.push_back(c);
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_FALSE(root.empty());
  ASSERT_TRUE(fs::exists(SampleFilePath(root, f.spec, 29))) << "SIGKILL left nothing to reclaim";

  std::vector<ReclaimedStaging> told;
  f.options.on_reclaimed = [&](const ReclaimedStaging& r) { told.push_back(r); };
  TmpfsStaging next(f.disk / "d", f.spec, f.options);
  EXPECT_FALSE(fs::exists(root));
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].dir, fs::path(root));
  EXPECT_GE(told[0].bytes, 30u * 4096);
  EXPECT_EQ(f.StagingsLeft(), 1u);
}

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
