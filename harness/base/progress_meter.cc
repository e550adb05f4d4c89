#include "harness/base/progress_meter.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "harness/base/units.h"

namespace feedbench {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string FormatEta(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "?";
  const auto s = static_cast<uint64_t>(seconds + 0.5);
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
}

}  // namespace

ProgressMeter::ProgressMeter(std::string label, uint64_t items_total, uint64_t bytes_total,
                             bool enabled, std::function<void(const ProgressSnapshot&)> on_tick)
    : label_(std::move(label)),
      items_total_(items_total),
      bytes_total_(bytes_total),
      draw_(enabled && ::isatty(STDERR_FILENO) == 1),
      on_tick_(std::move(on_tick)),
      start_ns_(NowNs()) {
  if (!draw_ && !on_tick_) return;
  thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any cv;
    std::unique_lock lock(mutex);
    while (true) {
      // Wakes early when a stop is requested (the predicate is only there to take the token).
      cv.wait_for(lock, stop, std::chrono::milliseconds(200), [] { return false; });
      if (stop.stop_requested()) return;
      if (on_tick_) on_tick_(Snapshot());
      if (draw_) Draw(false);
    }
  });
}

ProgressMeter::~ProgressMeter() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  if (on_tick_) on_tick_(Snapshot());
  if (draw_) Draw(true);
}

ProgressSnapshot ProgressMeter::Snapshot() const {
  return {items_done_.load(std::memory_order_relaxed), items_total_,
          bytes_done_.load(std::memory_order_relaxed), bytes_total_,
          static_cast<double>(NowNs() - start_ns_) / 1e9};
}

std::string ProgressMeter::Format(std::string_view label, const ProgressSnapshot& s) {
  const double rate = s.elapsed_sec > 0 ? static_cast<double>(s.bytes_done) / s.elapsed_sec : 0;
  const double eta =
      rate > 0 ? static_cast<double>(s.bytes_total - std::min(s.bytes_done, s.bytes_total)) / rate
               : -1;
  return fmt::format("{}  {}/{} samples  {}/{}  {}  ETA {}", label, s.items_done, s.items_total,
                     FormatBytesIec(static_cast<double>(s.bytes_done)),
                     FormatBytesIec(static_cast<double>(s.bytes_total)), FormatRateIec(rate),
                     FormatEta(eta));
}

void ProgressMeter::Draw(bool final_line) const {
  const std::string line = Format(label_, Snapshot());
  // \r + clear-to-end-of-line redraws in place.
  std::fprintf(stderr, "\r\x1b[K%s%s", line.c_str(), final_line ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace feedbench
