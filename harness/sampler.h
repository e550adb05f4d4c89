// Background sampling of /proc/diskstats for a set of devices, the way `iostat -x INTERVAL` does.
//
// A Sampler owns one std::jthread. Start() takes the first snapshot before returning, so a window
// begins exactly when Start returns; Stop() takes the last snapshot, joins the thread and returns the
// window. Rows (one per device per interval) are kept in memory and, optionally, handed to a callback
// on the sampling thread as they are produced. Summary figures come from the first and last snapshot
// only (exact totals), never from averaging per-interval rates. Not copyable; Start/Stop from one
// thread; Rows()/Summary() after Stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/diskstats.h"

namespace feedbench {

struct SampleRow {
  std::string timestamp_utc;  // ISO 8601 with milliseconds, UTC: 2026-11-26T01:02:03.456Z
  double offset_sec = 0;      // monotonic seconds since Start()
  std::string device;
  IostatFigures figures;
};

struct WindowSummary {
  std::string device;
  std::string start_utc, end_utc;
  double duration_sec = 0;
  uint64_t read_bytes = 0, write_bytes = 0, discard_bytes = 0;
  uint64_t read_ios = 0, write_ios = 0, discard_ios = 0, flush_ios = 0;
  IostatFigures figures;  // over the whole window (util_pct is the window's mean utilisation)
};

struct SamplerOptions {
  std::vector<std::string> devices;  // /proc/diskstats names: "vda", "loop3"
  std::chrono::milliseconds interval{1000};  // 1 ms .. 60 s
  std::string diskstats_path = "/proc/diskstats";
  std::function<void(const SampleRow&)> on_row;  // called on the sampling thread
};

class Sampler {
 public:
  // Throws UsageError for an interval outside 1 ms..60 s or a device not in diskstats.
  explicit Sampler(SamplerOptions options);
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  void Start();
  std::vector<WindowSummary> Stop();

  const std::vector<SampleRow>& Rows() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace feedbench
