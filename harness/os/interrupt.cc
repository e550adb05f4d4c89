#include "harness/os/interrupt.h"

#include <fmt/format.h>
#include <signal.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

static_assert(std::atomic<int>::is_always_lock_free, "the handler needs lock-free atomics");
static_assert(std::atomic<void (*)()>::is_always_lock_free, "the handler reads cleanups");

constexpr int kMaxCleanups = 8;

std::atomic<int> g_scopes{0};   // live InterruptScopes
std::atomic<int> g_pending{0};  // the recorded signal, 0 = none
std::once_flag g_install_once;
struct sigaction g_previous_int {};
struct sigaction g_previous_term {};
std::array<std::atomic<void (*)()>, kMaxCleanups> g_cleanups{};
std::mutex g_cleanups_mutex;  // serialises registration (never taken in the handler)

// Records `signal` when a scope is alive and none is pending yet. Async-signal-safe.
bool Defer(int signal) {
  if (g_scopes.load() <= 0) return false;
  int none = 0;
  return g_pending.compare_exchange_strong(none, signal);
}

void OnInterrupt(int signal) {
  if (Defer(signal)) return;
  for (const auto& slot : g_cleanups) {
    if (void (*cleanup)() = slot.load(std::memory_order_acquire)) cleanup();
  }
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

void InstallHandlers() {
  std::call_once(g_install_once, [] {
    InstallOne(SIGINT, &g_previous_int);
    InstallOne(SIGTERM, &g_previous_term);
  });
}

}  // namespace

InterruptScope::InterruptScope() : uncaught_at_entry_(std::uncaught_exceptions()) {
  InstallHandlers();
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

void AddInterruptCleanup(void (*cleanup)()) {
  {
    std::lock_guard lock(g_cleanups_mutex);
    auto free_slot = g_cleanups.end();
    for (auto it = g_cleanups.begin(); it != g_cleanups.end(); ++it) {
      const auto current = it->load();
      if (current == cleanup) return;
      if (current == nullptr && free_slot == g_cleanups.end()) free_slot = it;
    }
    if (free_slot == g_cleanups.end()) {
      throw std::logic_error("AddInterruptCleanup: more than 8 cleanups");
    }
    free_slot->store(cleanup, std::memory_order_release);
  }
  InstallHandlers();
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

void TestHoldPoint(std::string_view point) {
  const char* hold = std::getenv("FEEDBENCH_TEST_HOLD");
  if (hold == nullptr || point != hold) return;
  fmt::print(stderr, "feedbench: test hold at {}\n", point);
  std::fflush(stderr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (PendingInterrupt() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace feedbench
