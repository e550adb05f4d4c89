// ChildProcess and the uses built on it: signals, masks, inherited descriptors, spawn errors, the
// destructor's clean-up, and ProgramOutput. RunChild's own tests sit with fio's
// (tests/workloads/fio/fio_test.cc), its one user.
#include "harness/os/child_process.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "harness/base/unique_fd.h"
#include "harness/os/interrupt.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TempDir;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What a pipe gives until its end.
std::string ReadAll(int fd) {
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  return text;
}

// The hexadecimal mask `field` ("SigBlk", "SigIgn") of the process running `spawn` with a shell
// that prints it from /proc/self/status.
uint64_t ChildSignalField(SpawnOptions spawn, const std::string& field) {
  spawn.argv = {"sh", "-c", "exec grep '^" + field + ":' /proc/self/status"};
  spawn.capture_stdout = true;
  ChildProcess child(spawn);
  const std::string text = ReadAll(child.stdout_fd());
  EXPECT_EQ(child.Wait().ShellStatus(), 0);
  return std::strtoull(text.substr(text.find(':') + 1).c_str(), nullptr, 16);
}

uint64_t Bit(int sig) { return uint64_t{1} << (sig - 1); }

TEST(ChildProcess, ReportsTheExitStatusAsAShellDoes) {
  SpawnOptions spawn;
  spawn.argv = {"sh", "-c", "exit 3"};
  ChildProcess child(spawn);
  const ChildExit exit = child.Wait();
  EXPECT_TRUE(exit.exited);
  EXPECT_EQ(exit.ShellStatus(), 3);
  EXPECT_EQ(exit.Describe(), "exited with status 3");
  EXPECT_TRUE(child.reaped());
  EXPECT_FALSE(child.Signal(SIGTERM)) << "a reaped pid must never be signalled";
}

TEST(ChildProcess, SignalReachesTheChildAndIsReportedAs128PlusN) {
  SpawnOptions spawn;
  spawn.argv = {"sleep", "600"};
  ChildProcess child(spawn);
  EXPECT_EQ(child.TryWait(), std::nullopt);
  EXPECT_EQ(child.WaitFor(50ms), std::nullopt);
  ASSERT_TRUE(child.Signal(SIGTERM));
  const ChildExit exit = child.Wait();
  EXPECT_FALSE(exit.exited);
  EXPECT_EQ(exit.term_signal, SIGTERM);
  EXPECT_EQ(exit.ShellStatus(), 128 + SIGTERM);
}

TEST(ChildProcess, StartsWithTheSignalMaskItIsGiven) {
  SpawnOptions spawn;
  EXPECT_EQ(ChildSignalField(spawn, "SigBlk") & Bit(SIGTERM), 0u);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  spawn.signal_mask = mask;
  EXPECT_EQ(ChildSignalField(spawn, "SigBlk") & (Bit(SIGTERM) | Bit(SIGINT)), Bit(SIGTERM));
}

TEST(ChildProcess, ResetsTheDefaultSignalsAndKeepsOtherIgnoredOnes) {
  struct sigaction ignore {
  }, old_int{}, old_hup{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGHUP, &ignore, &old_hup);
  SpawnOptions spawn;  // default_signals: SIGINT, SIGTERM, SIGCHLD, SIGPIPE
  const uint64_t ignored = ChildSignalField(spawn, "SigIgn");
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGHUP, &old_hup, nullptr);
  EXPECT_EQ(ignored & Bit(SIGINT), 0u);
  EXPECT_NE(ignored & Bit(SIGHUP), 0u) << "as under nohup: SIGHUP stays ignored";
}

TEST(ChildProcess, PassesInheritableDescriptorsOnlyWhenAsked) {
  TempDir tmp;
  const fs::path out = tmp / "out";
  // Inheritable on purpose (no O_CLOEXEC): a jobserver pipe or a `3>file` of the caller.
  const UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  ASSERT_GE(fd.get(), 3);
  SpawnOptions spawn;
  spawn.argv = {"sh", "-c", "echo hello >&" + std::to_string(fd.get())};
  spawn.stderr_path = "/dev/null";
  spawn.inherit_other_fds = true;
  EXPECT_EQ(ChildProcess(spawn).Wait().ShellStatus(), 0);
  EXPECT_EQ(ReadFile(out), "hello\n");
  spawn.inherit_other_fds = false;
  EXPECT_NE(ChildProcess(spawn).Wait().ShellStatus(), 0);  // "Bad file descriptor"
  EXPECT_EQ(ReadFile(out), "hello\n");
}

TEST(ChildProcess, OwnProcessGroupIsSignalledAsAGroup) {
  TempDir tmp;
  SpawnOptions spawn;
  spawn.argv = {"sh", "-c", "sleep 600 & echo $! > " + (tmp / "pid").string() + "; wait"};
  spawn.own_process_group = true;
  ChildProcess child(spawn);
  for (int i = 0; i < 500 && ReadFile(tmp / "pid").empty(); ++i) std::this_thread::sleep_for(10ms);
  const pid_t grandchild = std::atoi(ReadFile(tmp / "pid").c_str());
  ASSERT_GT(grandchild, 0);
  EXPECT_EQ(::getpgid(grandchild), child.pid());
  ASSERT_TRUE(child.Signal(SIGKILL));
  child.Wait();
  // The grandchild got SIGKILL too; it is init's to reap, so wait until it is gone or a zombie.
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    const std::string stat = ReadFile("/proc/" + std::to_string(grandchild) + "/stat");
    gone = stat.empty() || stat.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(gone);
}

TEST(ChildProcess, AMissingProgramIsASpawnErrorWithEnoent) {
  SpawnOptions spawn;
  spawn.argv = {"feedbench-no-such-program"};
  try {
    ChildProcess child(spawn);
    FAIL() << "started";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.error_number(), ENOENT);
    EXPECT_EQ(std::string(e.what()), "cannot run feedbench-no-such-program: not found on PATH");
  }
}

TEST(ChildProcess, ANonExecutableFileIsASpawnErrorWithEacces) {
  TempDir tmp;
  std::ofstream(tmp / "script") << "#!/bin/sh\n";
  SpawnOptions spawn;
  spawn.argv = {(tmp / "script").string()};
  try {
    ChildProcess child(spawn);
    FAIL() << "started";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.error_number(), EACCES);
    EXPECT_THAT(e.what(), HasSubstr("Permission denied"));
  }
}

TEST(ChildProcess, AnExecFailureIsReportedWithItsErrno) {
  TempDir tmp;
  const fs::path junk = tmp / "junk";
  std::ofstream(junk) << "\x7f"
                      << "not an executable";
  fs::permissions(junk, fs::perms::owner_all);
  SpawnOptions spawn;
  spawn.argv = {junk.string()};
  try {
    ChildProcess child(spawn);
    FAIL() << "started";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.error_number(), ENOEXEC);
    EXPECT_THAT(e.what(), HasSubstr("exec failed"));
  }
}

TEST(ChildProcess, TheDestructorStopsAndReapsARunningChild) {
  pid_t pid = 0;
  {
    SpawnOptions spawn;
    spawn.argv = {"sh", "-c", "trap '' TERM; sleep 600"};
    spawn.own_process_group = true;
    spawn.stop_grace = 100ms;
    ChildProcess child(spawn);
    pid = child.pid();
  }
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_EQ(errno, ESRCH) << "still running, or a zombie nobody reaped";
}

TEST(RunChild, ASigtermInsideAnInterruptScopeStopsTheChildAndThrowsInterrupted) {
  TempDir dir;
  const pid_t pid = ::fork();
  if (pid == 0) {
    // In a child of the test: the signal is sent to this process, as to feedbench.
    InterruptScope scope;
    std::thread later([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      ::kill(::getpid(), SIGTERM);
    });
    ChildOptions options;
    options.argv = {"/bin/sh", "-c",
                    "echo $$ > " + (dir.path() / "pid").string() + "; exec sleep 30"};
    int code = 2;
    try {
      RunChild(options);
    } catch (const Interrupted& e) {
      code = e.signal() == SIGTERM ? 0 : 3;
    }
    later.join();
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(dir.path() / "pid");
  pid_t sleeper = 0;
  ASSERT_TRUE(in >> sleeper) << "the child never started";
  EXPECT_NE(::kill(sleeper, 0), 0) << "the child still runs";
}

TEST(ProgramOutput, ReturnsWhatTheProgramPrints) {
  EXPECT_EQ(ProgramOutput({"sh", "-c", "echo fio-3.33; echo noise >&2"}, 10s), "fio-3.33\n");
  EXPECT_EQ(ProgramOutput({"sh", "-c", "printf 0123456789"}, 10s, 4), "0123");
}

TEST(ProgramOutput, NothingWhenTheProgramIsMissingFailsOrHangs) {
  EXPECT_EQ(ProgramOutput({"feedbench-no-such-program", "--version"}, 10s), std::nullopt);
  EXPECT_EQ(ProgramOutput({"sh", "-c", "echo fio-3.33; exit 1"}, 10s), std::nullopt);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ProgramOutput({"sleep", "600"}, 200ms), std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

// Both streams captured, each through its own pipe.
TEST(ChildProcess, CapturesStderrApartFromStdout) {
  SpawnOptions spawn;
  spawn.argv = {"sh", "-c", "echo out; echo err >&2"};
  spawn.capture_stdout = true;
  spawn.capture_stderr = true;
  ChildProcess child(spawn);
  UniqueFd out = child.TakeStdout();
  UniqueFd err = child.TakeStderr();
  EXPECT_EQ(child.stdout_fd(), -1);  // handed over
  EXPECT_EQ(ReadAll(out.get()), "out\n");
  EXPECT_EQ(ReadAll(err.get()), "err\n");
  EXPECT_EQ(child.Wait().ShellStatus(), 0);
}

TEST(ChildProcess, PutsExtraVariablesInTheEnvironmentReplacingInheritedOnes) {
  ::setenv("FEEDBENCH_TEST_INHERITED", "old", 1);
  SpawnOptions spawn;
  spawn.argv = {"sh", "-c", "echo \"$FEEDBENCH_TEST_INHERITED $FEEDBENCH_TEST_NEW\"; env | grep -c "
                            "'^FEEDBENCH_TEST_INHERITED='"};
  spawn.capture_stdout = true;
  spawn.extra_environment = {"FEEDBENCH_TEST_INHERITED=new", "FEEDBENCH_TEST_NEW=1"};
  ChildProcess child(spawn);
  const std::string text = ReadAll(child.stdout_fd());
  EXPECT_EQ(child.Wait().ShellStatus(), 0);
  ::unsetenv("FEEDBENCH_TEST_INHERITED");
  EXPECT_EQ(text, "new 1\n1\n");  // replaced, not doubled
}

// 1 MB to stdout, then 1 MB to stderr: a reader that waited for stdout's end before reading
// stderr would never see it (the child blocks on the full stderr pipe before exiting).
TEST(RunQuery, ReadsBothStreamsTogetherSoAChildWritingMuchToBothNeverBlocks) {
  QueryOptions options;
  options.time_limit = 60s;
  options.max_bytes = 2'000'000;
  const QueryResult r = RunQuery(
      {"sh", "-c", "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2; echo done >&2"},
      options);
  ASSERT_TRUE(r.output.has_value()) << r.failure;
  EXPECT_EQ(r.output->size(), 1'000'000u);
}

TEST(RunQuery, SaysWhyItFailed) {
  QueryOptions options;
  options.time_limit = 10s;
  const QueryResult failed = RunQuery(
      {"sh", "-c", "echo; echo '  NVIDIA-SMI has failed  ' >&2; exit 9"}, options);
  EXPECT_FALSE(failed.output.has_value());
  EXPECT_EQ(failed.failure, "exited with status 9: NVIDIA-SMI has failed");
  const QueryResult from_stdout = RunQuery({"sh", "-c", "echo 'No devices were found'; exit 6"},
                                           options);
  EXPECT_EQ(from_stdout.failure, "exited with status 6: No devices were found");
  EXPECT_EQ(RunQuery({"feedbench-no-such-program"}, options).failure, "not found on PATH");
  options.time_limit = 200ms;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(RunQuery({"sleep", "600"}, options).failure, "did not answer within 200 ms (killed)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RunQuery, AStopRequestEndsItAtOnce) {
  QueryOptions options;
  options.time_limit = 60s;
  const auto start = std::chrono::steady_clock::now();
  options.stop_requested = [start] {
    return std::chrono::steady_clock::now() - start > 100ms;
  };
  EXPECT_EQ(RunQuery({"sleep", "600"}, options).failure, "stopped");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace feedbench
