#include "harness/measure/accelerator.h"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "harness/base/text.h"
#include "harness/base/time_format.h"
#include "harness/os/child_process.h"

namespace feedbench {
namespace {

// A whole field as a number; nullopt when it is not one.
std::optional<double> WholeNumber(std::string_view field) {
  if (field.empty()) return std::nullopt;
  const std::string text(field);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::vector<GpuUtilization>> ParseGpuUtilization(std::string_view text,
                                                               std::string& error) {
  std::vector<GpuUtilization> gpus;
  int line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    const std::string_view line = Trim(raw);
    if (line.empty()) continue;
    const size_t comma = line.find(',');
    const auto bad = [&](std::string_view why) {
      error = fmt::format("line {}: '{}': {}; expected 'INDEX, PERCENT'", line_number, line, why);
      return std::nullopt;
    };
    if (comma == std::string_view::npos || line.find(',', comma + 1) != std::string_view::npos) {
      return bad("not two fields");
    }
    const std::string_view index_text = Trim(line.substr(0, comma));
    const std::string_view pct_text = Trim(line.substr(comma + 1));
    const std::optional<double> index = WholeNumber(index_text);
    if (!index || *index < 0 || *index != std::floor(*index) || *index > 1e6) {
      return bad("the index is not a whole number");
    }
    if (!pct_text.empty() && pct_text.front() == '[') continue;  // [N/A], [Not Supported]
    const std::optional<double> pct = WholeNumber(pct_text);
    if (!pct || *pct < 0 || *pct > 100) return bad("the utilisation is not a percentage");
    gpus.push_back({static_cast<int>(*index), *pct});
  }
  return gpus;
}

std::optional<double> MeanUtilization(const std::vector<AcceleratorRow>& rows, double from_sec,
                                      double to_sec) {
  double sum = 0;
  size_t n = 0;
  for (const AcceleratorRow& row : rows) {
    if (row.offset_sec > from_sec && row.offset_sec <= to_sec) {
      sum += row.utilization_pct;
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

std::map<int, double> MeanUtilizationByGpu(const std::vector<AcceleratorRow>& rows) {
  std::map<int, std::pair<double, size_t>> sums;
  for (const AcceleratorRow& row : rows) {
    auto& [sum, n] = sums[row.gpu];
    sum += row.utilization_pct;
    ++n;
  }
  std::map<int, double> means;
  for (const auto& [gpu, s] : sums) means[gpu] = s.first / static_cast<double>(s.second);
  return means;
}

struct AcceleratorSampler::State {
  explicit State(AcceleratorOptions opts) : options(std::move(opts)) {}

  AcceleratorOptions options;
  std::chrono::steady_clock::time_point origin;
  std::chrono::system_clock::time_point origin_wall;
  int64_t stride = 1;
  bool started = false, stopped = false;

  std::mutex wait_mutex;
  std::condition_variable wake;
  std::atomic<bool> stopping{false};

  // Written by the thread only, read after it was joined.
  AcceleratorWindow window;
  std::string first_failure;
  std::atomic<double> latest_mean{std::nan("")};
  std::jthread thread;

  void Query(int64_t tick) {
    QueryOptions query;
    query.time_limit = options.query_time_limit;
    query.stop_requested = [this] { return stopping.load(); };
    const QueryResult result = RunQuery(
        {options.program, "--query-gpu=index,utilization.gpu", "--format=csv,noheader,nounits"},
        query);
    if (stopping.load()) return;  // cut short by Stop: neither a reading nor a failure
    ++window.queries;
    std::string failure;
    std::optional<std::vector<GpuUtilization>> gpus;
    if (!result.output) {
      failure = result.failure;
    } else {
      std::string error;
      gpus = ParseGpuUtilization(*result.output, error);
      if (!gpus) {
        failure = "its output: " + error;
      } else if (gpus->empty()) {
        failure = "it listed no GPU with a utilisation";
        gpus.reset();
      }
    }
    if (!gpus) {
      ++window.failed_queries;
      if (first_failure.empty()) {
        first_failure = fmt::format("{} failed: {}", options.program, failure);
        if (options.on_note) {
          options.on_note(first_failure +
                          " (said once; the accelerator has no reading for such ticks)");
        }
      }
      return;
    }
    const auto offset = tick * options.interval;
    const double offset_sec = std::chrono::duration<double>(offset).count();
    const std::string timestamp = UtcIsoMillis(
        origin_wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset));
    double sum = 0;
    for (const GpuUtilization& g : *gpus) {
      window.rows.push_back({offset_sec, timestamp, g.gpu, g.utilization_pct});
      sum += g.utilization_pct;
    }
    latest_mean.store(sum / static_cast<double>(gpus->size()));
  }

  void Run() {
    const auto interval = options.interval;
    for (int64_t k = stride;; k += stride) {
      {
        std::unique_lock lock(wait_mutex);
        if (wake.wait_until(lock, origin + k * interval, [this] { return stopping.load(); })) {
          return;
        }
      }
      Query(k);
      if (stopping.load()) return;
      // Late (a slow nvidia-smi): skip the ticks already past, keep the grid.
      const int64_t ticks_past = (std::chrono::steady_clock::now() - origin) / interval;
      if (ticks_past >= k + stride) k = ticks_past / stride * stride;
    }
  }
};

AcceleratorSampler::AcceleratorSampler(AcceleratorOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
  State& s = *state_;
  if (s.options.interval.count() <= 0) throw std::logic_error("AcceleratorSampler: interval <= 0");
  const int64_t spacing = s.options.min_spacing.count();
  const int64_t interval = s.options.interval.count();
  s.stride = std::max<int64_t>(1, (spacing + interval - 1) / interval);
}

AcceleratorSampler::~AcceleratorSampler() {
  if (state_->started && !state_->stopped) Stop();
}

void AcceleratorSampler::Start(std::chrono::steady_clock::time_point origin,
                               std::chrono::system_clock::time_point origin_wall) {
  State& s = *state_;
  if (s.started) throw std::logic_error("AcceleratorSampler::Start called twice");
  s.started = true;
  s.origin = origin;
  s.origin_wall = origin_wall;
  s.thread = std::jthread([&s] { s.Run(); });
}

AcceleratorWindow AcceleratorSampler::Stop() {
  State& s = *state_;
  if (!s.started || s.stopped) throw std::logic_error("AcceleratorSampler::Stop without Start");
  {
    std::lock_guard lock(s.wait_mutex);
    s.stopping.store(true);
  }
  s.wake.notify_all();
  s.thread.join();
  s.stopped = true;
  AcceleratorWindow window = std::move(s.window);
  window.sampled = !window.rows.empty();
  if (!window.sampled) {
    window.reason = s.first_failure.empty()
                        ? fmt::format("{} was not queried: the window ended before its first tick",
                                      s.options.program)
                        : s.first_failure;
  } else if (window.failed_queries > 0) {
    window.reason = fmt::format("{} of {} queries failed; the first: {}", window.failed_queries,
                                window.queries, s.first_failure);
  }
  return window;
}

std::optional<double> AcceleratorSampler::LatestMeanPct() const {
  const double v = state_->latest_mean.load();
  if (std::isnan(v)) return std::nullopt;
  return v;
}

}  // namespace feedbench
