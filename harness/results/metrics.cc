#include "harness/results/metrics.h"

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
// tolerance, since they move together with await (iostat: aqu-sz = r/s × r_await). Rows are in
// the order of the Metric enum.
constexpr std::string_view kDevice = "the sampled device over the repetition";
constexpr std::string_view kDeviceFio = "the sampled device over fio's whole run";
constexpr std::array<MetricInfo, kMetricCount> kMetrics = {{
    {Metric::kSamplesPerSecond, "samples_per_second", kHigher, kThroughput, "samples/s",
     "samples delivered per second", "samples read (and verified) per second", ""},
    {Metric::kBytesPerSecond, "bytes_per_second", kHigher, kThroughput, "B/s",
     "bytes delivered per second", "sample bytes read per second", "fio's read bytes per second"},
    {Metric::kSamples, "samples", kHigher, kThroughput, "", "samples read",
     "samples read in the repetition", ""},
    {Metric::kBytes, "bytes", kHigher, kThroughput, "B", "bytes read",
     "sample bytes read in the repetition", ""},
    {Metric::kIops, "iops", kHigher, kThroughput, "IO/s", "fio I/O operations per second", "",
     "fio's read I/O operations per second"},
    {Metric::kItemsPerSecond, "items_per_second", kHigher, kThroughput, "items/s",
     "items per second", "", ""},
    {Metric::kLatP50Us, "lat_p50_us", kLower, kAwait, "us", "sample latency, median",
     "one sample's open+read+close, median", "fio's completion latency (clat), median"},
    {Metric::kLatP95Us, "lat_p95_us", kLower, kAwait, "us", "sample latency, 95th percentile",
     "one sample's open+read+close, 95th percentile",
     "fio's completion latency (clat), 95th percentile"},
    {Metric::kLatP99Us, "lat_p99_us", kLower, kAwait, "us", "sample latency, 99th percentile",
     "one sample's open+read+close, 99th percentile",
     "fio's completion latency (clat), 99th percentile"},
    {Metric::kLatMaxUs, "lat_max_us", kLower, kAwait, "us", "sample latency, maximum",
     "one sample's open+read+close, maximum", ""},
    {Metric::kConsumerWaitSec, "consumer_wait_sec", kLower, kAwait, "s",
     "time the consumer waited for batches", "seconds the emulated accelerator waited for data",
     ""},
    {Metric::kAuPct, "au_pct", kHigher, kThroughput, "%", "accelerator utilization",
     "compute time / wall time (MLPerf Storage's AU)", ""},
    {Metric::kClatMeanUs, "clat_mean_us", kLower, kAwait, "us", "fio completion latency, mean", "",
     "fio's completion latency, mean"},
    {Metric::kClatP50Us, "clat_p50_us", kLower, kAwait, "us", "fio completion latency, median", "",
     ""},
    {Metric::kClatP99Us, "clat_p99_us", kLower, kAwait, "us",
     "fio completion latency, 99th percentile", "", "fio's completion latency, 99th percentile"},
    {Metric::kClatP99_9Us, "clat_p99_9_us", kLower, kAwait, "us",
     "fio completion latency, 99.9th percentile", "",
     "fio's completion latency, 99.9th percentile"},
    {Metric::kUsrCpuPct, "usr_cpu_pct", kLower, kAwait, "%", "fio's user CPU", "",
     "fio's user CPU time over its runtime"},
    {Metric::kSysCpuPct, "sys_cpu_pct", kLower, kAwait, "%", "fio's system CPU", "",
     "fio's system CPU time over its runtime"},
    // More device bytes for the same workload is read amplification.
    {Metric::kDeviceReadBytes, "device_read_bytes", kLower, kThroughput, "B",
     "bytes read from the device", kDevice, kDeviceFio},
    {Metric::kDeviceReadRatio, "device_read_ratio", kLower, kThroughput, "",
     "device bytes read / workload bytes read",
     "device bytes read / sample bytes read; below 0.5 cold is cache_contaminated", ""},
    {Metric::kEpochReadRatioMin, "epoch_read_ratio_min", kLower, kThroughput, "",
     "the lowest device read ratio of a cold repetition's epochs",
     "device bytes read / sample bytes read of the cold repetition's epoch that read least from "
     "the device (each epoch is made cold first); below 0.5 the repetition is cache_contaminated; "
     "the label lists every epoch's ratio",
     ""},
    {Metric::kRAwaitMs, "r_await_ms", kLower, kAwait, "ms",
     "mean device read wait (iostat r_await)", kDevice, kDeviceFio},
    {Metric::kRPerSecond, "r_per_second", kHigher, kThroughput, "r/s",
     "device reads per second (iostat r/s)", kDevice, kDeviceFio},
    {Metric::kRareqKb, "rareq_kb", kHigher, kThroughput, "kB",
     "mean device read size (iostat rareq-sz)", kDevice, kDeviceFio},
    {Metric::kAquSz, "aqu_sz", kLower, kAwait, "", "mean device queue size (iostat aqu-sz)",
     kDevice, kDeviceFio},
    {Metric::kUtilPct, "util_pct", kLower, kAwait, "%", "device busy time (iostat %util)", kDevice,
     kDeviceFio},
    {Metric::kFioDiskRPerSecond, "fio_disk_r_per_second", kHigher, kThroughput, "r/s",
     "device reads per second, from fio's disk_util", "", "fio's disk_util reads / sampled window"},
    {Metric::kFioDiskRAwaitMs, "fio_disk_r_await_ms", kLower, kAwait, "ms",
     "mean device read wait, from fio's disk_util", "", "fio's disk_util read ticks / reads"},
    {Metric::kFioDiskAquSz, "fio_disk_aqu_sz", kLower, kAwait, "",
     "mean device queue size, from fio's disk_util", "",
     "fio's disk_util in_queue time / sampled window"},
    {Metric::kFioDiskUtilPct, "fio_disk_util_pct", kLower, kAwait, "%",
     "device busy time, from fio's disk_util", "", "fio's disk_util util"},
    // What else used the node (harness/measure/node_activity.h); a repetition beyond the limits
    // of harness/measure/disturbance.h is disturbed. Not gated: they describe the node, not the
    // storage path under test.
    {Metric::kOwnReadBytes, "own_read_bytes", kLower, kThroughput, "B",
     "storage reads this process caused (/proc/self/io read_bytes)",
     "bytes the reader's threads caused to be read from storage over the repetition (readahead "
     "included, page-cache hits not)",
     ""},
    {Metric::kForeignReadBytes, "foreign_read_bytes", kLower, kThroughput, "B",
     "device bytes read by other work on the node",
     "device_read_bytes minus own_read_bytes over the repetition (0 when own is larger)", ""},
    {Metric::kForeignReadPct, "foreign_read_pct", kLower, kAwait, "%",
     "share of the device's read bytes not read by this workload",
     "foreign_read_bytes / device_read_bytes over the repetition; above the limit the repetition "
     "is disturbed",
     ""},
    {Metric::kCpuStealPct, "cpu_steal_pct", kLower, kAwait, "%",
     "CPU time stolen by the hypervisor (/proc/stat steal)",
     "steal / all CPU time of the node over the repetition",
     "steal / all CPU time of the node over fio's whole run"},
    {Metric::kForeignCpuPct, "foreign_cpu_pct", kLower, kAwait, "%",
     "share of the node's CPU time other processes ran (/proc/stat less /proc/self/stat)",
     "the node's user, nice and system time less this process's and its reaped children's, over "
     "all CPU time of the repetition; above the limit the repetition is disturbed",
     "the node's user, nice and system time less feedbench's and fio's, over all CPU time of "
     "fio's whole run"},
    {Metric::kForeignCpuSec, "foreign_cpu_sec", kLower, kAwait, "s",
     "CPU time other processes ran (/proc/stat less /proc/self/stat), summed over CPUs",
     "the node's user, nice and system time less this process's and its reaped children's over "
     "the repetition, in CPU-seconds",
     "the node's user, nice and system time less feedbench's and fio's over fio's whole run, in "
     "CPU-seconds"},
    {Metric::kIoPressurePct, "io_pressure_pct", kLower, kAwait, "%",
     "share of the time some task stalled on I/O (/proc/pressure/io some)",
     "the node's I/O stall time / repetition time; the reader's own reads stall too",
     "the node's I/O stall time / fio's run time; fio's own reads stall too"},
    {Metric::kCpuPressurePct, "cpu_pressure_pct", kLower, kAwait, "%",
     "share of the time some task waited for a CPU (/proc/pressure/cpu some)",
     "the node's CPU wait time / repetition time; the reader's own workers wait too",
     "the node's CPU wait time / fio's run time; fio's own jobs wait too"},
    {Metric::kProbeBytesPerSecond, "probe_bytes_per_second", kHigher, kThroughput, "B/s",
     "the device's delivery of the workload's own pattern, probed right before the repetition",
     "fio's read bytes/s over a short buffered, cold run of the repetition's access pattern on "
     "its own dataset at its concurrency (fio_probe.h), taken just before it",
     ""},
    {Metric::kProbeEfficiencyPct, "probe_efficiency_pct", kHigher, kThroughput, "%",
     "bytes_per_second as a share of the probe's: the workload against the device's pattern",
     "100 x bytes_per_second / probe_bytes_per_second of the same repetition; at most about 100, "
     "as the probe bounds the pattern",
     ""},
    {Metric::kWarmSamplesPerSecond, "warm_samples_per_second", kHigher, kThroughput, "samples/s",
     "the loader's own speed on this node now: the repetition's samples read again from the page "
     "cache right after it (the warm control)",
     "samples / wall time of a warm read of the same dataset, same order and workers, right after "
     "the cold repetition (suite_run.h, warm control); no storage in it",
     ""},
    {Metric::kWarmEfficiencyPct, "warm_efficiency_pct", kHigher, kThroughput, "%",
     "samples_per_second as a share of the warm control's: what storage leaves of the loader's "
     "own speed",
     "100 x samples_per_second / warm_samples_per_second of the same repetition; a slower device "
     "lowers it, a slower node (CPU, memory) moves both and not it",
     ""},
}};

constexpr bool RowsFollowTheEnum() {
  for (size_t i = 0; i < kMetrics.size(); ++i) {
    if (static_cast<size_t>(kMetrics[i].id) != i) return false;
  }
  return true;
}
static_assert(RowsFollowTheEnum(), "kMetrics must have one row per Metric, in enum order");

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

const MetricInfo& InfoOf(Metric metric) { return kMetrics[static_cast<size_t>(metric)]; }

std::vector<std::string> DefaultGatedMetrics() {
  return {"samples_per_second", "bytes_per_second", "r_await_ms", "lat_p99_us",
          "probe_efficiency_pct", "warm_efficiency_pct"};
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
