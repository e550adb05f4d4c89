// Accelerator utilisation beside the disk: `nvidia-smi`'s utilization.gpu of each GPU, sampled on
// the disk sampler's grid while `feedbench monitor` runs, so that a phase's I/O figures and its
// accelerator utilisation describe the same stretch of time.
//
// How: one `nvidia-smi --query-gpu=index,utilization.gpu --format=csv,noheader,nounits` per tick,
// run through RunQuery (harness/os/child_process.h) on a thread of its own, each with a time limit
// (query_time_limit, 5 s: a hung nvidia-smi is killed and cannot stall anything; the disk sampler
// never waits for it). Why not nvidia-smi's own loop (`-lms N`): its lines come on nvidia-smi's
// clock, not the grid, so they could not be placed on the disk samples' ticks; and a streaming
// nvidia-smi that hangs looks the same as one that is slow, with nothing to kill it for. A tick is
// Start + k * interval, the disk sampler's own, but at most one query per min_spacing (200 ms):
// every ceil(min_spacing / interval)-th tick; utilization.gpu is itself the share of time a kernel
// ran over the driver's last sample period (1/6 s to 1 s), so faster queries would tell nothing
// new and a 10 ms interval would fork nvidia-smi a hundred times a second. A query that is late
// (the previous one ran past the next tick) takes the latest tick passed, skipping the others.
// Each reading is stamped with its tick (offset k * interval, the wall time of the grid's start
// plus as much): the utilisation it reports is of the time just before it.
// A query that fails (non-zero exit, no answer in time, a line that is not "INDEX, PERCENT") is
// said once through on_note, with the reason, and never stops the window; later ones are counted.
// A GPU that reports no utilisation ("[N/A]", "[Not Supported]") has no reading for that tick.
// AcceleratorSampler: Start/Stop from one thread; LatestMeanPct() from any thread. The parsing and
// averaging functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

inline constexpr std::string_view kNvidiaSmi = "nvidia-smi";

struct AcceleratorRow {
  double offset_sec = 0;      // the tick: k * interval since the window's start
  std::string timestamp_utc;  // the tick's wall time (UtcIsoMillis)
  int gpu = 0;                // nvidia-smi's index
  double utilization_pct = 0;
};

// What the window's accelerator sampling gave.
struct AcceleratorWindow {
  bool sampled = false;  // at least one reading
  // Why not sampled ("nvidia-smi not on PATH", "nvidia-smi failed: exited with status 9: ...");
  // when sampled, "" or what went wrong in some queries ("3 of 40 queries failed: ...").
  std::string reason;
  std::vector<AcceleratorRow> rows;  // in tick order, GPUs in nvidia-smi's order within a tick
  uint64_t queries = 0, failed_queries = 0;
};

struct AcceleratorOptions {
  std::string program = std::string(kNvidiaSmi);  // looked up on PATH
  std::chrono::milliseconds interval{1000};       // the disk sampler's
  std::chrono::milliseconds min_spacing{200};
  std::chrono::milliseconds query_time_limit{5000};
  // Called once, on the sampling thread, with the first failure ("nvidia-smi failed: ...").
  std::function<void(const std::string&)> on_note;
};

// One GPU's reading in one query.
struct GpuUtilization {
  int gpu = 0;
  double utilization_pct = 0;
};

// Parses nvidia-smi's output for the query above: one "INDEX, PERCENT" line per GPU. A GPU whose
// PERCENT is not a number ("[N/A]", "[Not Supported]") is left out. nullopt, with `error` set, when
// a line is not of that shape or a percentage is outside 0..100.
std::optional<std::vector<GpuUtilization>> ParseGpuUtilization(std::string_view text,
                                                               std::string& error);

// The mean utilisation of the rows stamped after `from_sec` and at or before `to_sec` (a phase's
// boundaries, Phase::Contains), over all GPUs; nullopt when there is none.
std::optional<double> MeanUtilization(const std::vector<AcceleratorRow>& rows, double from_sec,
                                      double to_sec);

// Each GPU's mean utilisation over all rows.
std::map<int, double> MeanUtilizationByGpu(const std::vector<AcceleratorRow>& rows);

class AcceleratorSampler {
 public:
  explicit AcceleratorSampler(AcceleratorOptions options);
  ~AcceleratorSampler();  // stops the thread if still running (killing a query in progress)
  AcceleratorSampler(const AcceleratorSampler&) = delete;
  AcceleratorSampler& operator=(const AcceleratorSampler&) = delete;

  // Starts querying at origin + k * stride * interval (k = 1, 2, ...); `origin` and `origin_wall`
  // are the disk sampler's start (Sampler::start_time, start_wall). REQUIRES: not started before.
  void Start(std::chrono::steady_clock::time_point origin,
             std::chrono::system_clock::time_point origin_wall);
  // Stops the thread (a query in progress is killed: it is not waited for) and returns the window.
  AcceleratorWindow Stop();
  // The mean over GPUs of the latest reading; nullopt before the first.
  std::optional<double> LatestMeanPct() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace feedbench
