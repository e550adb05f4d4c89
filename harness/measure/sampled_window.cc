#include "harness/measure/sampled_window.h"

#include <algorithm>

namespace feedbench {

std::optional<WindowSummary> SampledWindow::SummaryOf(const std::string& device) const {
  for (const WindowSummary& s : summaries) {
    if (s.device == device) return s;
  }
  return std::nullopt;
}

WindowSummary CombineSummaries(const WindowSummary& first, const WindowSummary& second) {
  WindowSummary s = first;
  s.end_utc = second.end_utc;
  s.duration_sec = first.duration_sec + second.duration_sec;
  s.read_bytes += second.read_bytes;
  s.write_bytes += second.write_bytes;
  s.discard_bytes += second.discard_bytes;
  s.read_ios += second.read_ios;
  s.write_ios += second.write_ios;
  s.discard_ios += second.discard_ios;
  s.flush_ios += second.flush_ios;
  s.total += second.total;
  s.figures = s.duration_sec > 0 ? ComputeIostat(s.total, s.duration_sec * 1000.0) : IostatFigures{};
  for (const std::string& note : second.notes) {
    if (std::find(s.notes.begin(), s.notes.end(), note) == s.notes.end()) s.notes.push_back(note);
  }
  return s;
}

namespace {

template <typename T>
std::optional<T> SumIfBoth(const std::optional<T>& a, const std::optional<T>& b) {
  if (!a || !b) return std::nullopt;
  return *a + *b;
}

// A share over two windows of a and b seconds: the time-weighted mean.
std::optional<double> WeightedShare(const std::optional<double>& share_a, double a_sec,
                                    const std::optional<double>& share_b, double b_sec) {
  if (!share_a || !share_b) return std::nullopt;
  const double sec = a_sec + b_sec;
  return sec > 0 ? (*share_a * a_sec + *share_b * b_sec) / sec : 0.0;
}

}  // namespace

NodeActivity CombineActivity(const NodeActivity& first, const NodeActivity& second) {
  NodeActivity a;
  a.window_sec = first.window_sec + second.window_sec;
  a.own_read_bytes = SumIfBoth(first.own_read_bytes, second.own_read_bytes);
  a.cpu_steal_pct =
      WeightedShare(first.cpu_steal_pct, first.window_sec, second.cpu_steal_pct, second.window_sec);
  a.foreign_cpu_pct = WeightedShare(first.foreign_cpu_pct, first.window_sec,
                                    second.foreign_cpu_pct, second.window_sec);
  a.foreign_cpu_sec = first.foreign_cpu_sec && second.foreign_cpu_sec
                          ? std::optional<double>(*first.foreign_cpu_sec + *second.foreign_cpu_sec)
                          : std::nullopt;
  a.io_pressure_pct = WeightedShare(first.io_pressure_pct, first.window_sec,
                                    second.io_pressure_pct, second.window_sec);
  a.cpu_pressure_pct = WeightedShare(first.cpu_pressure_pct, first.window_sec,
                                     second.cpu_pressure_pct, second.window_sec);
  return a;
}

void AppendWindow(SampledWindow& total, const SampledWindow& next) {
  if (total.summaries.empty() && total.rows.empty() && total.activity.window_sec == 0) {
    total = next;
    return;
  }
  for (const WindowSummary& s : next.summaries) {
    auto it = std::find_if(total.summaries.begin(), total.summaries.end(),
                           [&](const WindowSummary& t) { return t.device == s.device; });
    if (it == total.summaries.end()) {
      total.summaries.push_back(s);
    } else {
      *it = CombineSummaries(*it, s);
    }
  }
  total.rows.insert(total.rows.end(), next.rows.begin(), next.rows.end());
  total.activity = CombineActivity(total.activity, next.activity);
}

namespace detail {

void StopAfterFailure(Sampler& sampler) noexcept {
  try {
    sampler.Stop();
  } catch (...) {
    // The work's own error says what went wrong; a sampler that also failed adds nothing to it.
  }
}

}  // namespace detail
}  // namespace feedbench
