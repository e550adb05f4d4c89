#include "harness/measure/sampler.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <utility>

#include "harness/base/errors.h"
#include "harness/base/time_format.h"

namespace feedbench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

constexpr uint64_t kSectorBytes = 512;

// procfs serves /proc/diskstats through seq_file, which returns at most one buffer (at least one
// page, 4 KiB) per read and stops early only when the next line would not fit in it. A line is
// under 512 bytes (17 numbers of at most 20 digits and a name of at most 32 characters), so a read
// that returned fewer than 4096 - 512 bytes reached the end: no second read (returning 0) needed.
// For a regular file, any short read is the end.
constexpr size_t kShortReadMeansEnd = 4096 - 512;
constexpr size_t kInitialBufferBytes = 64 * 1024;

double MillisecondsBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

DiskstatsReader::DiskstatsReader(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw EnvironmentError(fmt::format("cannot open {}: {}", path_, std::strerror(errno)));
  }
  buffer_.resize(kInitialBufferBytes);
}

DiskstatsReader::~DiskstatsReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::string_view DiskstatsReader::Read() {
  size_t total = 0;
  for (;;) {
    if (buffer_.size() - total < kInitialBufferBytes / 2) buffer_.resize(buffer_.size() * 2);
    // Offset 0 makes seq_file restart from the first line: the descriptor is reused as is.
    const ssize_t n =
        ::pread(fd_, buffer_.data() + total, buffer_.size() - total, static_cast<off_t>(total));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw EnvironmentError(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
    }
    if (n == 0) break;
    total += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < kShortReadMeansEnd) break;
  }
  return std::string_view(buffer_.data(), total);
}

// Per requested device: its counters at its latest sample, the window's total so far and what
// has been said about it.
struct DeviceTrack {
  std::string name;
  DiskCounters last;
  SteadyClock::time_point last_time;
  WallClock::time_point last_wall;
  CounterDelta total;  // the sum of the intervals' deltas since Start
  std::vector<std::string> notes;
  bool noted_line = false, noted_backwards = false, noted_reset = false;
};

struct Sampler::State {
  explicit State(SamplerOptions opts) : options(std::move(opts)), reader(options.diskstats_path) {}

  SamplerOptions options;
  DiskstatsReader reader;      // one thread at a time: Start, then the sampler thread, then Stop
  DiskstatsSnapshot snapshot;  // every line: only to check the devices at construction
  std::vector<DiskCounters> current;  // the sampled devices' lines, reused from sample to sample
  std::vector<LineProblem> problems;  // their lines' problems in the latest read
  std::vector<DeviceTrack> tracks;    // in the order of options.devices
  SteadyClock::time_point start_time;
  WallClock::time_point start_wall;
  bool started = false;
  bool stopped = false;

  std::mutex rows_mutex;
  std::vector<SampleRow> rows;
  std::optional<std::string> thread_error;

  std::mutex wait_mutex;
  std::condition_variable wake;
  bool stopping = false;  // guarded by wait_mutex
  std::jthread thread;

  // Notes `text` for `track` (the caller says it once per kind).
  void Note(DeviceTrack& track, std::string text) {
    if (options.on_note) options.on_note(track.name, text);
    track.notes.push_back(std::move(text));
  }

  std::string LineNote(const LineProblem& problem) const {
    return fmt::format("{}: line {}: {}: {}", reader.path(), problem.line, problem.device,
                       problem.message);
  }

  // Notes the first line problem of each sampled device.
  void NoteLineProblems() {
    for (const LineProblem& problem : problems) {
      for (DeviceTrack& track : tracks) {
        if (track.name != problem.device || track.noted_line) continue;
        track.noted_line = true;
        Note(track, problem.skipped ? LineNote(problem) + " (no sample of it while so)"
                                    : LineNote(problem));
      }
    }
  }

  // Notes, once per device, a re-added device and counters that went backwards.
  void NoteDelta(DeviceTrack& track, const CounterDelta& delta, double offset_sec) {
    if (delta.reset && !track.noted_reset) {
      track.noted_reset = true;
      Note(track, fmt::format("{}: its counters restarted at {:.3f} s (the device was re-added, "
                              "as iostat detects it); that interval counts from zero",
                              track.name, offset_sec));
    }
    if (delta.went_backwards != 0 && !track.noted_backwards) {
      track.noted_backwards = true;
      Note(track, fmt::format("{}: {} went backwards at {:.3f} s without the device being "
                              "re-added; counted 0 for that interval",
                              track.name, BackwardsCounterNames(delta), offset_sec));
    }
  }

  // Reads and parses every line into `snapshot` (construction only: to check the devices).
  void ReadSnapshot() { ParseDiskstatsInto(reader.Read(), snapshot); }

  // Reads diskstats and parses the sampled devices' lines into `current` (the others are skipped:
  // a server may have hundreds), noting their lines' problems. Throws EnvironmentError when the
  // file cannot be read.
  void ReadSampledDevices() {
    ParseDiskstatsDevices(reader.Read(), options.devices, current, problems);
    NoteLineProblems();
  }

  // The counters of tracks[i] in `current`, or null when its line was missing or skipped.
  const DiskCounters* Current(size_t i) const {
    return current[i].name.empty() ? nullptr : &current[i];
  }

  // Takes tracks[i] to `curr` at `now`; returns the interval's delta.
  CounterDelta Advance(DeviceTrack& track, const DiskCounters& curr, SteadyClock::time_point now,
                       WallClock::time_point wall) {
    const CounterDelta delta = DeltaCounters(track.last, curr);
    NoteDelta(track, delta, std::chrono::duration<double>(now - start_time).count());
    track.total += delta;
    track.last = curr;
    track.last_time = now;
    track.last_wall = wall;
    return delta;
  }

  // Hands `row` to on_row and keeps it (keep_rows).
  void Emit(SampleRow row) {
    if (options.on_row) options.on_row(row);
    if (options.keep_rows) {
      std::lock_guard lock(rows_mutex);
      rows.push_back(std::move(row));
    }
  }

  // Advances every device present in `current` to now and emits its row over the interval since
  // its previous sample. `emit` false: advances only, and returns the rows instead.
  std::vector<SampleRow> AdvanceAll(bool emit) {
    std::vector<SampleRow> unreported;
    const auto now = SteadyClock::now();
    const auto wall = WallClock::now();
    std::string timestamp = UtcIsoMillis(wall);
    const double offset_sec = std::chrono::duration<double>(now - start_time).count();
    for (size_t i = 0; i < tracks.size(); ++i) {
      DeviceTrack& track = tracks[i];
      const DiskCounters* curr = Current(i);
      if (curr == nullptr) continue;  // the device went away; it may come back (then: a reset)
      const double interval_ms = MillisecondsBetween(track.last_time, now);
      const CounterDelta delta = Advance(track, *curr, now, wall);
      SampleRow row;
      row.timestamp_utc = timestamp;
      row.offset_sec = offset_sec;
      row.device = track.name;
      row.figures = ComputeIostat(delta, interval_ms);
      row.delta = delta;
      if (emit) {
        Emit(std::move(row));
      } else {
        unreported.push_back(std::move(row));
      }
    }
    return unreported;
  }

  void TakeSample() {
    ReadSampledDevices();
    AdvanceAll(true);
  }

  void Run(std::stop_token stop) {
    // One stop callback for the thread's life rather than one per wait (condition_variable_any's
    // stop_token overload registers one on every wait: measurable at short intervals).
    const std::stop_callback on_stop(stop, [this] {
      std::lock_guard lock(wait_mutex);
      stopping = true;
      wake.notify_all();
    });
    const auto interval = options.interval;
    for (int64_t k = 1;; ++k) {
      {
        std::unique_lock lock(wait_mutex);
        if (wake.wait_until(lock, start_time + k * interval, [this] { return stopping; })) return;
      }
      try {
        TakeSample();
      } catch (const std::exception& e) {
        std::lock_guard lock(rows_mutex);
        thread_error = e.what();
        return;
      }
      // Late (a slow read, a suspended machine): skip the ticks already past, keep the grid.
      const int64_t ticks_past = (SteadyClock::now() - start_time) / interval;
      if (ticks_past > k) k = ticks_past;
    }
  }
};

Sampler::Sampler(SamplerOptions options) {
  if (options.interval < kMinSampleInterval || options.interval > kMaxSampleInterval) {
    throw UsageError(
        fmt::format("--interval-ms: {} ms is outside the accepted range: 1 to 60000 ms (60 s)",
                    options.interval.count()));
  }
  if (options.devices.empty()) throw UsageError("no device to sample: give --device or --path");
  std::vector<std::string> unique;
  for (std::string& name : options.devices) {
    if (std::find(unique.begin(), unique.end(), name) == unique.end()) unique.push_back(name);
  }
  options.devices = std::move(unique);
  state_ = std::make_unique<State>(std::move(options));
  State& s = *state_;
  s.ReadSnapshot();
  std::vector<std::string> missing;
  for (const std::string& name : s.options.devices) {
    if (FindDevice(s.snapshot.devices, name) != nullptr) continue;
    for (const LineProblem& problem : s.snapshot.problems) {
      if (problem.device == name && problem.skipped) {
        throw EnvironmentError(fmt::format("cannot sample '{}': {}", name, s.LineNote(problem)));
      }
    }
    missing.push_back(name);
  }
  if (!missing.empty()) {
    std::string known;
    const std::vector<DiskCounters>& devices = s.snapshot.devices;
    for (size_t i = 0; i < devices.size(); ++i) {
      if (i == 24) {
        known += fmt::format(", ... ({} more)", devices.size() - i);
        break;
      }
      known += (i == 0 ? "" : ", ") + devices[i].name;
    }
    throw UsageError(fmt::format("device '{}' is not in {} (it has: {})",
                                 fmt::join(missing, "', '"), s.reader.path(), known));
  }
  for (const std::string& name : s.options.devices) {
    s.tracks.emplace_back();
    s.tracks.back().name = name;
  }
}

Sampler::~Sampler() = default;  // the jthread requests stop and joins

void Sampler::Start() {
  State& s = *state_;
  if (s.started) throw std::logic_error("Sampler::Start called twice");
  s.ReadSampledDevices();
  s.start_time = SteadyClock::now();
  s.start_wall = WallClock::now();
  for (size_t i = 0; i < s.tracks.size(); ++i) {
    DeviceTrack& track = s.tracks[i];
    const DiskCounters* counters = s.Current(i);
    if (counters == nullptr) {
      for (const LineProblem& problem : s.problems) {
        if (problem.device == track.name && problem.skipped) {
          throw EnvironmentError(
              fmt::format("cannot sample '{}': {}", track.name, s.LineNote(problem)));
        }
      }
      throw EnvironmentError(
          fmt::format("device '{}' vanished from {}", track.name, s.reader.path()));
    }
    track.last = *counters;
    track.last_time = s.start_time;
    track.last_wall = s.start_wall;
  }
  if (s.options.edge_rows) {
    const std::string timestamp = UtcIsoMillis(s.start_wall);
    for (const DeviceTrack& track : s.tracks) {
      SampleRow row;
      row.timestamp_utc = timestamp;
      row.device = track.name;
      row.figures = ComputeIostat(CounterDelta{}, 0);  // no time has passed: every rate 0
      s.Emit(std::move(row));
    }
  }
  s.started = true;
  s.thread = std::jthread([&s](std::stop_token stop) { s.Run(stop); });
}

std::vector<WindowSummary> Sampler::Stop() {
  State& s = *state_;
  if (!s.started || s.stopped) throw std::logic_error("Sampler::Stop without a running sampler");
  s.thread.request_stop();
  s.thread.join();
  s.stopped = true;
  if (s.thread_error) throw EnvironmentError(*s.thread_error);

  s.ReadSampledDevices();
  std::vector<SampleRow> tails = s.AdvanceAll(s.options.edge_rows);
  std::vector<WindowSummary> summaries;
  const std::string start_utc = UtcIsoMillis(s.start_wall);
  for (size_t i = 0; i < s.tracks.size(); ++i) {
    DeviceTrack& track = s.tracks[i];
    // Exact totals: the sum of the intervals' integer deltas, never of per-interval rates.
    WindowSummary summary = SummarizeDelta(
        track.name, start_utc, UtcIsoMillis(track.last_wall),
        std::chrono::duration<double>(track.last_time - s.start_time).count(), track.total);
    summary.notes = track.notes;
    for (SampleRow& tail : tails) {
      if (tail.device == track.name) summary.unreported_tail = std::move(tail);
    }
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

const std::vector<SampleRow>& Sampler::Rows() const { return state_->rows; }

std::chrono::steady_clock::time_point Sampler::start_time() const { return state_->start_time; }

std::chrono::system_clock::time_point Sampler::start_wall() const { return state_->start_wall; }

WindowSummary SummarizeDelta(std::string device, std::string start_utc, std::string end_utc,
                             double duration_sec, const CounterDelta& delta) {
  WindowSummary summary;
  summary.device = std::move(device);
  summary.start_utc = std::move(start_utc);
  summary.end_utc = std::move(end_utc);
  summary.duration_sec = duration_sec;
  summary.read_bytes = delta.read_sectors * kSectorBytes;
  summary.write_bytes = delta.write_sectors * kSectorBytes;
  summary.discard_bytes = delta.discard_sectors * kSectorBytes;
  summary.read_ios = delta.read_ios;
  summary.write_ios = delta.write_ios;
  summary.discard_ios = delta.discard_ios;
  summary.flush_ios = delta.flush_ios;
  summary.figures = ComputeIostat(delta, duration_sec * 1000.0);
  summary.total = delta;
  return summary;
}

}  // namespace feedbench
