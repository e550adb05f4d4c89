// Background sampling of /proc/diskstats for a set of devices, the way `iostat -x INTERVAL` does.
//
// A Sampler owns one std::jthread. Start() takes the first snapshot before returning, so a window
// begins exactly when Start returns; Stop() takes the last snapshot, joins the thread and returns
// the window. Rows (one per device per interval) are kept in memory and, optionally, handed to a
// callback on the sampling thread as they are produced. Summary figures come from exact counter
// totals (the sum of the intervals' integer deltas: the last snapshot minus the first unless a
// counter restarted), never from averaging per-interval rates.
// One odd line never stops sampling: a device whose line is skipped (fewer than 14 fields, a field
// that is not a number) has no row that interval and its next row spans the gap; a line with an
// unexpected field count is read as iostat reads it; a counter that went backwards counts 0 for
// its interval. Each of these is said once per device, as a note in its WindowSummary (and to
// on_note as it happens). Not copyable; Start/Stop from one thread; Rows() after Stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/diskstats.h"

namespace feedbench {

struct SampleRow {
  std::string timestamp_utc;  // ISO 8601 with milliseconds, UTC: 2026-11-26T01:02:03.456Z
                              // (UtcIsoMillis, harness/base/time_format.h)
  double offset_sec = 0;      // monotonic seconds since Start()
  std::string device;
  IostatFigures figures;
  // The interval's exact counter deltas, from which `figures` is computed over the interval since
  // the device's previous sample (the previous row's offset, 0 for its first): summing them over
  // any run of rows gives that stretch's exact totals (harness/measure/phases.h).
  CounterDelta delta;
};

struct WindowSummary {
  std::string device;
  std::string start_utc, end_utc;
  double duration_sec = 0;
  uint64_t read_bytes = 0, write_bytes = 0, discard_bytes = 0;
  uint64_t read_ios = 0, write_ios = 0, discard_ios = 0, flush_ios = 0;
  IostatFigures figures;  // over the whole window (util_pct is the window's mean utilisation)
  CounterDelta total;     // the window's exact counter deltas, from which `figures` is computed
  // Without SamplerOptions::edge_rows: the window's last, partial interval (the last sample to
  // Stop), which is in `total` but in no row; nullopt with edge_rows (the last row is it) or when
  // the device had no line at Stop.
  std::optional<SampleRow> unreported_tail;
  // Plain sentences, each kind once: the device's line was skipped or had an unexpected field
  // count, a counter went backwards, the device was re-added. Empty for a clean window.
  std::vector<std::string> notes;
};

struct SamplerOptions {
  std::vector<std::string> devices;          // /proc/diskstats names: "vda", "loop3"
  std::chrono::milliseconds interval{1000};  // 1 ms .. 60 s
  std::string diskstats_path = "/proc/diskstats";
  // Called on the sampling thread; with edge_rows, for the edge rows on the caller's (Start, Stop).
  std::function<void(const SampleRow&)> on_row;
  // Called with each note as it is first made (WindowSummary::notes), on the thread that read the
  // snapshot: the caller's in the constructor, Start() and Stop(), the sampling thread otherwise.
  std::function<void(const std::string& device, const std::string& note)> on_note;
  bool keep_rows = true;  // false: rows only go to on_row (long runs at short intervals)
  // true: a row also at the window's edges, so that every window, however short beside the
  // interval, has at least two rows per device: one at Start (offset 0, every rate 0: no time has
  // passed) and one at Stop (the rates over the last, partial interval).
  bool edge_rows = false;
};

// A summary of `delta`, the exact counter deltas of `device` over `duration_sec` between two
// samples stamped start_utc and end_utc: bytes from sectors (512 bytes each), I/O counts, figures.
WindowSummary SummarizeDelta(std::string device, std::string start_utc, std::string end_utc,
                             double duration_sec, const CounterDelta& delta);

// The shortest and longest sampling interval.
inline constexpr std::chrono::milliseconds kMinSampleInterval{1};
inline constexpr std::chrono::milliseconds kMaxSampleInterval{60'000};

// Reads /proc/diskstats (or a stand-in file) through one descriptor kept open, into a buffer reused
// from read to read: a sample costs one pread() when the text fits in one procfs read (under ~3.5
// KiB, about 30 devices), a few more otherwise. Not thread-safe: one reader per sampling thread.
class DiskstatsReader {
 public:
  // Throws EnvironmentError naming the path when it cannot be opened.
  explicit DiskstatsReader(std::string path);
  ~DiskstatsReader();
  DiskstatsReader(const DiskstatsReader&) = delete;
  DiskstatsReader& operator=(const DiskstatsReader&) = delete;

  // The whole current text, valid until the next Read(). Throws EnvironmentError on a read error.
  std::string_view Read();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
};

class Sampler {
 public:
  // Throws UsageError for an interval outside 1 ms..60 s (naming --interval-ms), no device, or a
  // device not in diskstats (naming it and the file); EnvironmentError when the diskstats file
  // cannot be read, or a device's own line is there but unreadable (naming the file, the line and
  // why). Other devices' lines are not checked. Reads the file once to check the devices.
  explicit Sampler(SamplerOptions options);
  ~Sampler();  // stops the thread if still running
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // Takes the first snapshot, then starts the thread, which samples at Start + k * interval
  // (k = 1, 2, ...; a sample that is late skips the ticks it missed, so the schedule never drifts).
  // Each row's rates are over the measured time since the device's previous sample.
  // REQUIRES: not started before.
  void Start();
  // Stops the thread, takes the last snapshot and returns one summary per device, in the order of
  // SamplerOptions::devices: first snapshot to last (for a device that vanished or whose line was
  // skipped, to the last snapshot that had it). Throws EnvironmentError if the sampling thread
  // failed to read diskstats (an I/O error, not a line's content). REQUIRES: Start() was called,
  // Stop() was not.
  std::vector<WindowSummary> Stop();

  const std::vector<SampleRow>& Rows() const;

  // When Start() took the first snapshot: offset 0 of every row, the origin of the sampling grid
  // (Start + k * interval). REQUIRES: Start() was called.
  std::chrono::steady_clock::time_point start_time() const;
  std::chrono::system_clock::time_point start_wall() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace feedbench
