// SIGINT and SIGTERM as an interruption: deferred inside a scope, their own action outside one.
#include "harness/os/interrupt.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <thread>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

// Runs `body` in a forked child; returns its wait status.
int InChild(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(InterruptScope, DefersTheFirstSignalUntilTheWorkThrowsInterrupted) {
  for (const int sig : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(sig);
    const int status = InChild([sig] {
      try {
        InterruptScope scope;
        ThrowIfInterrupted();  // nothing pending: no throw
        ::raise(sig);
        if (PendingInterrupt() != sig) return 2;
        ThrowIfInterrupted();
        return 3;
      } catch (const Interrupted& e) {
        const std::string expected =
            std::string("interrupted by ") + (sig == SIGINT ? "SIGINT" : "SIGTERM");
        if (e.signal() != sig || e.what() != expected) return 4;
        return PendingInterrupt() == 0 ? 0 : 5;  // the scope ended: nothing pending
      }
    });
    ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal: status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
}

TEST(InterruptScope, OutsideAScopeTheSignalEndsTheProcess) {
  const int status = InChild([] {
    { InterruptScope installs_the_handler; }
    ::raise(SIGTERM);
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(InterruptScope, ASecondSignalWhileOneIsPendingEndsTheProcess) {
  const int status = InChild([] {
    InterruptScope scope;
    ::raise(SIGINT);
    ::raise(SIGINT);
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGINT);
}

TEST(InterruptScope, ASignalAfterTheLastCheckIsDeliveredWhenTheScopeEnds) {
  const int status = InChild([] {
    {
      InterruptScope scope;
      ::raise(SIGINT);
    }
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGINT);
}

TEST(InterruptScope, AnIgnoredSignalStaysIgnored) {
  const int status = InChild([] {
    ::signal(SIGINT, SIG_IGN);
    InterruptScope scope;
    ::raise(SIGINT);
    return PendingInterrupt() == 0 ? 0 : 1;
  });
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// The cleanup may only make async-signal-safe calls: it writes a byte to a pipe.
int g_cleanup_fd = -1;
void WriteOneByte() {
  const char c = 'x';
  [[maybe_unused]] const ssize_t n = ::write(g_cleanup_fd, &c, 1);
}

// Runs `body` in a child that registered WriteOneByte; true when the cleanup ran in it.
bool CleanupRan(const std::function<int()>& body, int& status) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  status = InChild([&] {
    ::close(fds[0]);
    g_cleanup_fd = fds[1];
    AddInterruptCleanup(WriteOneByte);
    AddInterruptCleanup(WriteOneByte);  // once only, however often registered
    return body();
  });
  ::close(fds[1]);
  char buf[4];
  const ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  return n == 1;
}

TEST(AddInterruptCleanup, RunsOnceWhenTheSignalEndsTheProcess) {
  int status = 0;
  EXPECT_TRUE(CleanupRan(
      [] {
        ::raise(SIGTERM);
        return 0;
      },
      status));
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(AddInterruptCleanup, DoesNotRunForASignalAScopeDefers) {
  int status = 0;
  EXPECT_FALSE(CleanupRan(
      [] {
        try {
          InterruptScope scope;
          ::raise(SIGINT);
          ThrowIfInterrupted();
          return 2;
        } catch (const Interrupted&) {
          return 0;
        }
      },
      status));
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(TestHoldPoint, IsInertUnlessTheVariableNamesThePoint) {
  const int status = InChild([] {
    ::unsetenv("FEEDBENCH_TEST_HOLD");
    TestHoldPoint("write-results");  // returns at once
    ::setenv("FEEDBENCH_TEST_HOLD", "another-point", 1);
    TestHoldPoint("write-results");
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(TestHoldPoint, HoldsUntilASignalIsPending) {
  const int status = InChild([] {
    ::setenv("FEEDBENCH_TEST_HOLD", "write-results", 1);
    int pending = 0;
    std::thread later;
    try {
      InterruptScope scope;
      later = std::thread([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ::kill(::getpid(), SIGTERM);
      });
      TestHoldPoint("write-results");
      pending = PendingInterrupt();
      ThrowIfInterrupted();
    } catch (const Interrupted&) {
    }
    later.join();
    return pending == SIGTERM ? 0 : 2;
  });
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace feedbench
