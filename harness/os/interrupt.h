// SIGINT and SIGTERM as a request to stop, inside work that knows how to stop cleanly.
//
// While an InterruptScope is alive, the first SIGINT or SIGTERM is only recorded (the handler
// stores the signal number and returns); the work polls ThrowIfInterrupted at safe points, unwinds
// with Interrupted, and its destructors remove what it made. Outside any scope, and for a second
// signal while one is pending, the signal takes the action it had before the handler was installed
// (the default: the process ends), so Ctrl-C never goes unheard. The handlers are installed on the
// first scope, once per process, with SA_RESTART; a signal that was ignored (SIG_IGN) when they
// would be installed stays ignored. Other signal handlers (tmpfs staging) call DeferInterrupt
// first, so that the order in which handlers were installed does not matter. The functions are
// safe from any thread; DeferInterrupt is async-signal-safe. Scopes nest.
#pragma once

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

// The signal recorded since the outermost scope began, or 0.
int PendingInterrupt();

// Throws Interrupted ("interrupted by SIGINT") when a signal is pending; else nothing.
void ThrowIfInterrupted();

// From a signal handler: records `signal` and returns true when a scope is alive and no signal is
// pending yet; false otherwise (the caller then takes the signal's own action). Async-signal-safe.
bool DeferInterrupt(int signal);

// "SIGINT", "SIGTERM", else "a signal".
const char* InterruptName(int signal);

}  // namespace feedbench
