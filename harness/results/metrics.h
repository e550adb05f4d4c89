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

#include "harness/measure/measurement.h"

namespace feedbench {

enum class Orientation {
  kHigherIsBetter,  // throughput-like: a drop is a regression
  kLowerIsBetter,   // await-like: a rise is a regression
};

// Which `compare` tolerance applies: --tolerance-throughput or --tolerance-await.
enum class ToleranceClass { kThroughput, kAwait };

struct MetricInfo {
  Metric id;
  std::string_view name;  // counter name in the results file
  Orientation orientation;
  ToleranceClass tolerance_class;
  std::string_view unit;         // unit of the stored value: "samples/s", "B/s", "ms", "us", "%"
  std::string_view description;  // a few words for tables and help
  // What the figure measures when the reader (data loading) or fio writes it; empty when that
  // kind does not write it.
  std::string_view reader_meaning;
  std::string_view fio_meaning;
};

// Every metric, in a stable order (that of the Metric enum).
std::span<const MetricInfo> KnownMetrics();

// nullptr when `name` is not a known counter.
const MetricInfo* FindMetric(std::string_view name);

// The row of `metric`.
const MetricInfo& InfoOf(Metric metric);

// samples_per_second, bytes_per_second (higher is better), r_await_ms, lat_p99_us (lower is
// better), probe_efficiency_pct (higher is better; gated where it narrows the spread, compare.h).
std::vector<std::string> DefaultGatedMetrics();

// A value in the metric's own unit, for humans: "1234.5 samples/s", "12.3 MiB/s", "0.42 ms".
std::string FormatMetricValue(const MetricInfo& metric, double value);

// "higher is better" / "lower is better".
std::string_view OrientationName(Orientation orientation);

}  // namespace feedbench
