#include "harness/measure/disturbance.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "harness/base/units.h"

namespace feedbench {

std::optional<std::string> DisturbanceOf(const Figures& f, const DisturbanceLimits& limits) {
  std::vector<std::string> reasons;
  const auto foreign_pct = f.Get(Metric::kForeignReadPct);
  const auto foreign_bytes = f.Get(Metric::kForeignReadBytes);
  if (foreign_pct && foreign_bytes && *foreign_pct > limits.foreign_read_pct_limit &&
      *foreign_bytes >= static_cast<double>(limits.foreign_read_min_bytes)) {
    const double device_bytes = f.Get(Metric::kDeviceReadBytes).value_or(0);
    reasons.push_back(
        fmt::format("foreign device reads {:.0f}% of the device's bytes (limit {:g}%): {} of {}",
                    *foreign_pct, limits.foreign_read_pct_limit, FormatBytesIec(*foreign_bytes),
                    FormatBytesIec(device_bytes)));
  }
  const auto foreign_cpu = f.Get(Metric::kForeignCpuPct);
  const auto foreign_cpu_sec = f.Get(Metric::kForeignCpuSec);
  if (foreign_cpu && foreign_cpu_sec && *foreign_cpu > limits.foreign_cpu_pct_limit &&
      *foreign_cpu_sec >= limits.foreign_cpu_min_sec) {
    reasons.push_back(
        fmt::format("other processes ran {:.0f}% of the CPU time (limit {:g}%): {:.2f} CPU-s",
                    *foreign_cpu, limits.foreign_cpu_pct_limit, *foreign_cpu_sec));
  }
  const auto steal = f.Get(Metric::kCpuStealPct);
  if (steal && *steal > limits.cpu_steal_pct_limit) {
    reasons.push_back(fmt::format("CPU steal {:.1f}% of CPU time (limit {:g}%)", *steal,
                                  limits.cpu_steal_pct_limit));
  }
  if (reasons.empty()) return std::nullopt;
  return fmt::format("disturbed: {}", fmt::join(reasons, "; "));
}

void MarkIfDisturbed(RepetitionMeasurement& m, const DisturbanceLimits& limits) {
  if (m.state != RepetitionState::kValid) return;
  if (auto reason = DisturbanceOf(m.figures, limits)) {
    m.state = RepetitionState::kDisturbed;
    m.reason = std::move(*reason);
  }
}

}  // namespace feedbench
