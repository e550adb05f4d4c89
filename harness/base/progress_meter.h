// A one-line progress meter on stderr for long phases (dataset generation, staging, verify).
//
// Shows count, bytes, rate and ETA, redrawn in place about five times a second by a background
// std::jthread, and a final line when destroyed. It draws only when stderr is a terminal (CI logs
// stay quiet) and `enabled` is true. Producers update the counters from any thread (atomics);
// the optional callback runs on the meter's thread. Not copyable.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace feedbench {

struct ProgressSnapshot {
  uint64_t items_done = 0, items_total = 0;
  uint64_t bytes_done = 0, bytes_total = 0;
  double elapsed_sec = 0;
};

class ProgressMeter {
 public:
  ProgressMeter(std::string label, uint64_t items_total, uint64_t bytes_total, bool enabled,
                std::function<void(const ProgressSnapshot&)> on_tick = {});
  ~ProgressMeter();
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  void Add(uint64_t items, uint64_t bytes) {
    items_done_.fetch_add(items, std::memory_order_relaxed);
    bytes_done_.fetch_add(bytes, std::memory_order_relaxed);
  }
  ProgressSnapshot Snapshot() const;

  // The meter line for a snapshot (pure; exposed for tests):
  // "generating  12345/20000 samples  771.6 MiB/1.2 GiB  120.3 MiB/s  ETA 4 s"
  static std::string Format(std::string_view label, const ProgressSnapshot& snapshot);

 private:
  void Draw(bool final_line) const;

  std::string label_;
  uint64_t items_total_, bytes_total_;
  bool draw_;
  std::function<void(const ProgressSnapshot&)> on_tick_;
  std::atomic<uint64_t> items_done_{0}, bytes_done_{0};
  int64_t start_ns_;
  std::jthread thread_;
};

}  // namespace feedbench
