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

// Per requested device: its counters in the first snapshot and at its latest sample.
struct DeviceTrack {
  std::string name;
  DiskCounters first;
  DiskCounters last;
  SteadyClock::time_point last_time;
  WallClock::time_point last_wall;
};

struct Sampler::State {
  explicit State(SamplerOptions opts) : options(std::move(opts)), reader(options.diskstats_path) {}

  SamplerOptions options;
  DiskstatsReader reader;  // one thread at a time: Start, then the sampler thread, then Stop
  std::vector<DiskCounters> snapshot;  // every line: only to check the devices at construction
  std::vector<DiskCounters> current;   // the sampled devices' lines, reused from sample to sample
  std::vector<DeviceTrack> tracks;     // in the order of options.devices
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

  [[noreturn]] void Fail(const ParseError& error) const {
    throw EnvironmentError(
        fmt::format("{}: line {}: {}", reader.path(), error.line, error.message));
  }

  // Reads and parses every line into `snapshot`. Throws EnvironmentError on failure.
  void ReadSnapshot() {
    if (auto error = ParseDiskstatsInto(reader.Read(), snapshot)) Fail(*error);
  }

  // Reads diskstats and parses the sampled devices' lines into `current` (the others are skipped:
  // a server may have hundreds). Throws EnvironmentError on failure.
  void ReadSampledDevices() {
    if (auto error = ParseDiskstatsDevices(reader.Read(), options.devices, current)) Fail(*error);
  }

  // The counters of tracks[i] in `current`, or null when its line was missing.
  const DiskCounters* Current(size_t i) const {
    return current[i].name.empty() ? nullptr : &current[i];
  }

  void TakeSample() {
    ReadSampledDevices();
    const auto now = SteadyClock::now();
    const auto wall = WallClock::now();
    std::string timestamp = UtcIsoMillis(wall);
    const double offset_sec = std::chrono::duration<double>(now - start_time).count();
    for (size_t i = 0; i < tracks.size(); ++i) {
      DeviceTrack& track = tracks[i];
      const DiskCounters* curr = Current(i);
      if (curr == nullptr) continue;  // the device went away; it may come back (then: a reset)
      SampleRow row;
      row.timestamp_utc = timestamp;
      row.offset_sec = offset_sec;
      row.device = track.name;
      row.figures = ComputeIostat(track.last, *curr, MillisecondsBetween(track.last_time, now));
      track.last = *curr;
      track.last_time = now;
      track.last_wall = wall;
      if (options.on_row) options.on_row(row);
      if (options.keep_rows) {
        std::lock_guard lock(rows_mutex);
        rows.push_back(std::move(row));
      }
    }
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
    if (FindDevice(s.snapshot, name) == nullptr) missing.push_back(name);
  }
  if (!missing.empty()) {
    std::string known;
    for (size_t i = 0; i < s.snapshot.size(); ++i) {
      if (i == 24) {
        known += fmt::format(", ... ({} more)", s.snapshot.size() - i);
        break;
      }
      known += (i == 0 ? "" : ", ") + s.snapshot[i].name;
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
      throw EnvironmentError(
          fmt::format("device '{}' vanished from {}", track.name, s.reader.path()));
    }
    track.first = *counters;
    track.last = *counters;
    track.last_time = s.start_time;
    track.last_wall = s.start_wall;
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
  const auto now = SteadyClock::now();
  const auto wall = WallClock::now();
  std::vector<WindowSummary> summaries;
  const std::string start_utc = UtcIsoMillis(s.start_wall);
  for (size_t i = 0; i < s.tracks.size(); ++i) {
    DeviceTrack& track = s.tracks[i];
    if (const DiskCounters* curr = s.Current(i)) {
      track.last = *curr;
      track.last_time = now;
      track.last_wall = wall;
    }
    WindowSummary summary;
    summary.device = track.name;
    summary.start_utc = start_utc;
    summary.end_utc = UtcIsoMillis(track.last_wall);
    summary.duration_sec = std::chrono::duration<double>(track.last_time - s.start_time).count();
    // Exact totals from the first and last snapshot, never a sum of per-interval rates.
    const CounterDelta delta = DeltaCounters(track.first, track.last);
    summary.read_bytes = delta.read_sectors * kSectorBytes;
    summary.write_bytes = delta.write_sectors * kSectorBytes;
    summary.discard_bytes = delta.discard_sectors * kSectorBytes;
    summary.read_ios = delta.read_ios;
    summary.write_ios = delta.write_ios;
    summary.discard_ios = delta.discard_ios;
    summary.flush_ios = delta.flush_ios;
    summary.figures = ComputeIostat(delta, summary.duration_sec * 1000.0);
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

const std::vector<SampleRow>& Sampler::Rows() const { return state_->rows; }

}  // namespace feedbench
