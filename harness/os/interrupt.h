// SIGINT and SIGTERM: feedbench's one signal mechanism, for work that knows how to stop cleanly.
//
// One pair of handlers serves the whole process (installed once, on the first InterruptScope or
// AddInterruptCleanup, with SA_RESTART; a signal that was ignored (SIG_IGN) then stays ignored).
// While an InterruptScope is alive, the first SIGINT or SIGTERM is only recorded (the handler
// stores the signal number and returns); the work polls PendingInterrupt or ThrowIfInterrupted at
// safe points — generation chunks, the tmpfs copy, a reader's batches, the wait for a child such as
// fio (which is then stopped) — unwinds with Interrupted, and its destructors remove what it made.
// Outside any scope, and for a second signal while one is pending, the handler runs the registered
// cleanups (AddInterruptCleanup) and then the signal takes the action it had before the handler
// was installed (the default: the process ends with it), so Ctrl-C never goes unheard.
//
// Threads: every function here is safe from any thread; PendingInterrupt is also
// async-signal-safe. The signal may be delivered to any thread of the process; the handler touches
// only lock-free atomics and the cleanups, which must themselves be async-signal-safe (no malloc,
// no locks, no stdio: raw system calls). Scopes nest; the outermost one clears the pending signal.
#pragma once

#include <string_view>

namespace feedbench {

class InterruptScope {
 public:
  InterruptScope();
  // The outermost scope clears the pending signal. If one arrived after the last
  // ThrowIfInterrupted and the scope ends normally (no exception in flight), it is raised again,
  // to take its action outside the scope.
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  int uncaught_at_entry_;
};

// The signal recorded since the outermost scope began (SIGINT or SIGTERM), or 0.
int PendingInterrupt();

// Throws Interrupted ("interrupted by SIGINT") when a signal is pending; else nothing.
void ThrowIfInterrupted();

// Registers `cleanup`, run by the handler (in signal context) before a signal that is not deferred
// ends the process: it removes what must not outlive the process (tmpfs staging). REQUIRES:
// async-signal-safe, idempotent, never returns an error by throwing. Installs the handlers. At most
// 8 distinct cleanups per process; registering the same one again does nothing. Throws
// std::logic_error past 8.
void AddInterruptCleanup(void (*cleanup)());

// "SIGINT", "SIGTERM", else "a signal".
const char* InterruptName(int signal);

// TEST-ONLY hold point. When the environment variable FEEDBENCH_TEST_HOLD equals `point` (e.g.
// "write-results"), prints "feedbench: test hold at <point>" on stderr and waits until a signal is
// pending (inside a scope) or 60 s have passed, so that a test can signal a phase too short to
// catch otherwise. Inert (returns at once, prints nothing) when the variable is unset or names
// another point; no user setting relies on it.
void TestHoldPoint(std::string_view point);

}  // namespace feedbench
