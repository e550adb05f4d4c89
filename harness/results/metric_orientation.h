// Which way is better for each counter feedbench writes, which tolerance applies to it when gated,
// and how its value reads on a screen.
//
// The table covers every per-repetition counter of a results file (see harness/results_reader.h)
// and fio's extra ones. A counter that is not in the table cannot be gated. Pure and thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

enum class Orientation {
  kHigherIsBetter,  // throughput-like: a drop is a regression
  kLowerIsBetter,   // await-like: a rise is a regression
};

// Which `compare` tolerance applies: --tolerance-throughput or --tolerance-await.
enum class ToleranceClass { kThroughput, kAwait };

struct MetricInfo {
  std::string_view name;  // counter name in the results file
  Orientation orientation;
  ToleranceClass tolerance_class;
  std::string_view unit;         // unit of the stored value: "samples/s", "B/s", "ms", "us", "%"
  std::string_view description;  // a few words for tables and help
};

// Every counter with a known orientation, in a stable order.
std::span<const MetricInfo> KnownMetrics();

// nullptr when `name` is not a known counter.
const MetricInfo* FindMetric(std::string_view name);

// samples_per_second, bytes_per_second (higher is better), r_await_ms, lat_p99_us (lower is
// better).
std::vector<std::string> DefaultGatedMetrics();

// A value in the metric's own unit, for humans: "1234.5 samples/s", "12.3 MiB/s", "0.42 ms".
std::string FormatMetricValue(const MetricInfo& metric, double value);

// "higher is better" / "lower is better".
std::string_view OrientationName(Orientation orientation);

}  // namespace feedbench
