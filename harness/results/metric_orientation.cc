#include "harness/results/metric_orientation.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "harness/base/units.h"

namespace feedbench {
namespace {

constexpr Orientation kHigher = Orientation::kHigherIsBetter;
constexpr Orientation kLower = Orientation::kLowerIsBetter;
constexpr ToleranceClass kThroughput = ToleranceClass::kThroughput;
constexpr ToleranceClass kAwait = ToleranceClass::kAwait;

// Volumes and rates use the throughput tolerance; times, queue depth and busy time use the await
// tolerance, since they move together with await (iostat: aqu-sz = r/s × r_await).
constexpr std::array<MetricInfo, 17> kMetrics = {{
    {"samples_per_second", kHigher, kThroughput, "samples/s", "samples delivered per second"},
    {"bytes_per_second", kHigher, kThroughput, "B/s", "bytes delivered per second"},
    {"items_per_second", kHigher, kThroughput, "items/s", "items per second"},
    {"iops", kHigher, kThroughput, "IO/s", "fio I/O operations per second"},
    {"r_per_second", kHigher, kThroughput, "r/s", "device reads per second (iostat r/s)"},
    {"rareq_kb", kHigher, kThroughput, "kB", "mean device read size (iostat rareq-sz)"},
    {"au_pct", kHigher, kThroughput, "%", "accelerator utilization"},
    // More device bytes for the same workload is read amplification.
    {"device_read_bytes", kLower, kThroughput, "B", "bytes read from the device"},
    {"device_read_ratio", kLower, kThroughput, "", "device bytes read / workload bytes read"},
    {"r_await_ms", kLower, kAwait, "ms", "mean device read wait (iostat r_await)"},
    {"aqu_sz", kLower, kAwait, "", "mean device queue size (iostat aqu-sz)"},
    {"util_pct", kLower, kAwait, "%", "device busy time (iostat %util)"},
    {"lat_p50_us", kLower, kAwait, "us", "sample latency, median"},
    {"lat_p95_us", kLower, kAwait, "us", "sample latency, 95th percentile"},
    {"lat_p99_us", kLower, kAwait, "us", "sample latency, 99th percentile"},
    {"clat_p99_us", kLower, kAwait, "us", "fio completion latency, 99th percentile"},
    {"clat_p50_us", kLower, kAwait, "us", "fio completion latency, median"},
}};

// Three or four significant digits; scientific only below 0.01.
std::string Compact(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 1000) return fmt::format("{:.0f}", value);
  if (magnitude >= 100) return fmt::format("{:.1f}", value);
  if (magnitude >= 1) return fmt::format("{:.2f}", value);
  if (magnitude >= 0.01) return fmt::format("{:.3f}", value);
  return fmt::format("{:.3g}", value);
}

}  // namespace

std::span<const MetricInfo> KnownMetrics() { return kMetrics; }

const MetricInfo* FindMetric(std::string_view name) {
  for (const MetricInfo& m : kMetrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::vector<std::string> DefaultGatedMetrics() {
  return {"samples_per_second", "bytes_per_second", "r_await_ms", "lat_p99_us"};
}

std::string FormatMetricValue(const MetricInfo& metric, double value) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  if (metric.unit == "B/s") return FormatRateIec(value);
  if (metric.unit == "B") return FormatBytesIec(value);
  if (metric.unit.empty()) return Compact(value);
  if (metric.unit == "%") return Compact(value) + "%";
  return Compact(value) + " " + std::string(metric.unit);
}

std::string_view OrientationName(Orientation orientation) {
  return orientation == Orientation::kHigherIsBetter ? "higher is better" : "lower is better";
}

}  // namespace feedbench
