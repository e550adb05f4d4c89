// FileLock: shared and exclusive flocks that never wait, and errors that name the holder.
#include "harness/os/file_lock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "harness/os/child_process.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

// The FileLockError a FileLock on `path` throws; fails the test when it takes the lock instead.
FileLockError LockError(const fs::path& path, FileLock::Mode mode,
                        FileLock::Open open = FileLock::Open::kExisting) {
  try {
    FileLock lock(path, mode, open);
  } catch (const FileLockError& e) {
    return e;
  }
  ADD_FAILURE() << "the lock on " << path << " was taken";
  return FileLockError("", FileLockError::Failure::kOpen, 0, "");
}

TEST(FileLock, SharedLocksCoexist) {
  TempDir tmp;
  FileLock a(tmp.path(), FileLock::Mode::kShared);
  EXPECT_NO_THROW(FileLock(tmp.path(), FileLock::Mode::kShared));
}

TEST(FileLock, ExclusiveConflictsEvenInsideOneProcessAndNamesTheHolder) {
  TempDir tmp;
  FileLock shared(tmp.path(), FileLock::Mode::kShared);
  const FileLockError e = LockError(tmp.path(), FileLock::Mode::kExclusive);
  EXPECT_TRUE(e.busy());
  EXPECT_EQ(e.error_number(), EWOULDBLOCK);
  const std::string holder = "pid " + std::to_string(::getpid()) + " (this process)";
  EXPECT_EQ(e.holder(), holder);
  EXPECT_EQ(std::string(e.what()), tmp.path().string() + ": locked by " + holder);
}

TEST(FileLock, ReleasedWhenDestroyedOrMovedFrom) {
  TempDir tmp;
  { FileLock exclusive(tmp.path(), FileLock::Mode::kExclusive); }
  FileLock first(tmp.path(), FileLock::Mode::kExclusive);
  FileLock moved = std::move(first);
  EXPECT_TRUE(LockError(tmp.path(), FileLock::Mode::kShared).busy());
}

TEST(FileLock, HolderInAnotherProcessIsNamedByPidAndCommand) {
  TempDir tmp;
  const fs::path file = tmp / "held";
  std::ofstream(file) << "";
  if (!FindProgram("flock")) GTEST_SKIP() << "flock(1) is not installed";
  SpawnOptions spawn;
  spawn.argv = {"flock", "--exclusive", file.string(), "sleep", "600"};
  spawn.stdout_path = "/dev/null";
  spawn.own_process_group = true;  // Stop() then reaches sleep(1) as well as flock(1)
  spawn.stop_grace = std::chrono::milliseconds(0);
  ChildProcess holder(spawn);
  // flock(1) takes the lock, then runs sleep; wait until the lock is seen.
  for (int i = 0; i < 500; ++i) {
    try {
      FileLock probe(file, FileLock::Mode::kShared);
    } catch (const FileLockError& e) {
      ASSERT_TRUE(e.busy()) << e.what();
      EXPECT_EQ(e.holder(), "pid " + std::to_string(holder.pid()) + " (flock)");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "flock(1) never took the lock";
}

TEST(FileLock, CreateMakesAMissingFileToWriteInto) {
  TempDir tmp;
  const fs::path marker = tmp / "marker";
  FileLock lock(marker, FileLock::Mode::kExclusive, FileLock::Open::kCreate);
  EXPECT_TRUE(fs::is_regular_file(marker));
  EXPECT_EQ(::write(lock.fd(), "x", 1), 1);
  EXPECT_EQ(lock.path(), marker);
}

TEST(FileLock, AMissingPathIsAnOpenFailureNamingIt) {
  TempDir tmp;
  const FileLockError e = LockError(tmp / "missing", FileLock::Mode::kShared);
  EXPECT_EQ(e.failure(), FileLockError::Failure::kOpen);
  EXPECT_EQ(e.error_number(), ENOENT);
  EXPECT_FALSE(e.busy());
  EXPECT_EQ(e.holder(), "");
  EXPECT_THAT(e.what(), HasSubstr((tmp / "missing").string()));
  EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
}

TEST(FileLock, DirectoryModeRefusesAFile) {
  TempDir tmp;
  std::ofstream(tmp / "file") << "";
  const FileLockError e =
      LockError(tmp / "file", FileLock::Mode::kShared, FileLock::Open::kDirectory);
  EXPECT_EQ(e.error_number(), ENOTDIR);
}

TEST(FlockHolderPid, FindsTheFlockOnTheInodeAndSkipsTheRest) {
  const std::string proc_locks =
      "1: POSIX  ADVISORY  WRITE 111 fd:01:1234 0 EOF\n"
      "2: FLOCK  ADVISORY  WRITE 222 fd:01:9999 0 EOF\n"
      "3: FLOCK  ADVISORY  READ  333 fd:01:1234 0 EOF\n"
      "3: -> FLOCK  ADVISORY  WRITE 444 fd:01:1234 0 EOF\n";
  EXPECT_EQ(FlockHolderPid(proc_locks, 0xfd, 1, 1234), 333);
  EXPECT_EQ(FlockHolderPid(proc_locks, 0xfd, 1, 9999), 222);
  EXPECT_EQ(FlockHolderPid(proc_locks, 0xfd, 2, 1234), std::nullopt);
  EXPECT_EQ(FlockHolderPid("1: FLOCK  ADVISORY  WRITE 0 fd:01:1234 0 EOF\n", 0xfd, 1, 1234),
            std::nullopt);  // a holder in another pid namespace
  EXPECT_EQ(FlockHolderPid("", 0xfd, 1, 1234), std::nullopt);
}

}  // namespace
}  // namespace feedbench
