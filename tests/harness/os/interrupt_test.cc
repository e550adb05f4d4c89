// SIGINT and SIGTERM as an interruption: deferred inside a scope, their own action outside one.
#include "harness/os/interrupt.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <functional>

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

}  // namespace
}  // namespace feedbench
