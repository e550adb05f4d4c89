#include "harness/os/interrupt.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <exception>
#include <mutex>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

static_assert(std::atomic<int>::is_always_lock_free, "the handler needs lock-free atomics");

std::atomic<int> g_scopes{0};   // live InterruptScopes
std::atomic<int> g_pending{0};  // the recorded signal, 0 = none
std::once_flag g_install_once;
struct sigaction g_previous_int {};
struct sigaction g_previous_term {};

void OnInterrupt(int signal) {
  if (DeferInterrupt(signal)) return;
  // Not deferred: take the action the signal had before (the default ends the process).
  ::sigaction(signal, signal == SIGINT ? &g_previous_int : &g_previous_term, nullptr);
  ::raise(signal);
}

void InstallOne(int signal, struct sigaction* previous) {
  struct sigaction current {};
  if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler == SIG_IGN) return;
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  action.sa_flags = SA_RESTART;
  ::sigaction(signal, &action, previous);
}

}  // namespace

InterruptScope::InterruptScope() : uncaught_at_entry_(std::uncaught_exceptions()) {
  std::call_once(g_install_once, [] {
    InstallOne(SIGINT, &g_previous_int);
    InstallOne(SIGTERM, &g_previous_term);
  });
  g_scopes.fetch_add(1);
}

InterruptScope::~InterruptScope() {
  if (g_scopes.fetch_sub(1) != 1) return;
  const int signal = g_pending.exchange(0);
  if (signal != 0 && std::uncaught_exceptions() == uncaught_at_entry_) {
    // It arrived after the last safe point: deliver it as if no scope had been there.
    ::raise(signal);
  }
}

int PendingInterrupt() { return g_pending.load(); }

void ThrowIfInterrupted() {
  const int signal = g_pending.load();
  if (signal != 0)
    throw Interrupted(signal, fmt::format("interrupted by {}", InterruptName(signal)));
}

bool DeferInterrupt(int signal) {
  if (g_scopes.load() <= 0) return false;
  int none = 0;
  return g_pending.compare_exchange_strong(none, signal);
}

const char* InterruptName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "a signal";
  }
}

}  // namespace feedbench
