// The measurement of one repetition, as every workload kind returns it, and the interface a
// workload kind implements.
//
// A Figures value holds the figures of one repetition, each named by a Metric and stored in the
// metric's own unit (the unit is part of the name: _us, _ms, _sec, _bytes, _per_second, _pct). A
// figure a workload did not measure is absent, never 0 or NaN. What each Metric means, its unit
// and which way is better, per workload kind, is the metric registry (harness/results/metrics.h);
// this header only names them, so that the layers below the results model stay free of strings.
//
// A repetition's state is set where it is measured: valid, cache-contaminated (a cold repetition
// that read from the page cache), verification failed, failed (an I/O or run error), or disturbed
// (other work on the node beyond the limits of disturbance.h), with the reason in words. Only
// valid repetitions are judged by the gate and enter aggregates.
//
// Workload is the interface of a workload kind (as fio's ioengine_ops or a benchmark's worker):
// the reader (workloads/reader) and fio (workloads/fio) implement it; the suite coordinator only
// calls RunOnce. Plain data and an abstract class; a Workload is used from one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/latency_histogram.h"
#include "harness/measure/sampler.h"

namespace feedbench {

enum class Metric {
  // What the workload delivered.
  kSamplesPerSecond,
  kBytesPerSecond,
  kSamples,
  kBytes,
  kIops,
  kItemsPerSecond,  // Google Benchmark's own throughput counter, in files from other tools
  kLatP50Us,
  kLatP95Us,
  kLatP99Us,
  kLatMaxUs,
  kConsumerWaitSec,
  kAuPct,
  // fio's own latency and CPU figures.
  kClatMeanUs,
  kClatP50Us,
  kClatP99Us,
  kClatP99_9Us,
  kUsrCpuPct,
  kSysCpuPct,
  // The device, sampled from /proc/diskstats over the repetition (iostat -x definitions).
  kDeviceReadBytes,
  kDeviceReadRatio,
  kEpochReadRatioMin,  // the lowest epoch's device read ratio of a cold repetition
  kRAwaitMs,
  kRPerSecond,
  kRareqKb,
  kAquSz,
  kUtilPct,
  // The device as fio's own disk_util saw it.
  kFioDiskRPerSecond,
  kFioDiskRAwaitMs,
  kFioDiskAquSz,
  kFioDiskUtilPct,
  // What else used the node during the repetition (node_activity.h, disturbance.h).
  kOwnReadBytes,      // storage reads this process (and its reaped children) caused
  kForeignReadBytes,  // the sampled device's read bytes minus own_read_bytes
  kForeignReadPct,    // foreign_read_bytes / the device's read bytes
  kCpuStealPct,       // CPU time stolen by the hypervisor / all CPU time
  kForeignCpuPct,     // CPU time other processes ran / all CPU time
  kForeignCpuSec,     // CPU time other processes ran, seconds (summed over CPUs)
  kIoPressurePct,     // share of the window some task stalled on I/O (PSI io some)
  kCpuPressurePct,    // share of the window some task waited for a CPU (PSI cpu some)
  // The probe taken right before the repetition (workloads/fio/fio_probe.h): the device's
  // delivery of the workload's own pattern, and the repetition's share of it.
  kProbeBytesPerSecond,
  kProbeEfficiencyPct,  // bytes_per_second / probe_bytes_per_second x 100
  kWarmSamplesPerSecond,  // the same repetition read again from the page cache right after it
  kWarmEfficiencyPct,     // samples_per_second / warm_samples_per_second x 100
  kCount              // not a metric: the number of metrics
};
inline constexpr size_t kMetricCount = static_cast<size_t>(Metric::kCount);

// The figures of one repetition. Thread-compatible value type.
class Figures {
 public:
  void Set(Metric metric, double value) { values_[Index(metric)] = value; }
  std::optional<double> Get(Metric metric) const { return values_[Index(metric)]; }
  bool Has(Metric metric) const { return values_[Index(metric)].has_value(); }

 private:
  static size_t Index(Metric metric) { return static_cast<size_t>(metric); }
  std::array<std::optional<double>, kMetricCount> values_{};
};

enum class RepetitionState {
  kValid,
  kCacheContaminated,   // cold, but the device delivered too little of what was read
  kVerificationFailed,  // a sample's checksum or header did not match
  kFailed,              // an I/O, run or environment error
  kDisturbed,           // measured correctly, but other work on the node went beyond the limits
                        // of disturbance.h (foreign device reads or CPU time, CPU steal); rerun,
                        // not judged
};

// "valid", "cache_contaminated", "verification_failed", "failed", "disturbed": the state's name
// in reports.
constexpr std::string_view RepetitionStateName(RepetitionState state) {
  switch (state) {
    case RepetitionState::kValid:
      return "valid";
    case RepetitionState::kCacheContaminated:
      return "cache_contaminated";
    case RepetitionState::kVerificationFailed:
      return "verification_failed";
    case RepetitionState::kFailed:
      return "failed";
    case RepetitionState::kDisturbed:
      return "disturbed";
  }
  return "failed";
}

// How an external tool (fio) ran a repetition, for the results' context.
struct ToolRun {
  bool direct = true;              // O_DIRECT (false: buffered, see notes)
  std::vector<std::string> notes;  // plain sentences
  std::string job_file;            // the job file it ran
  std::string output_file;         // its own output, kept
};

struct RepetitionMeasurement {
  double wall_sec = 0;  // the workload's own wall time for this repetition
  Figures figures;
  RepetitionState state = RepetitionState::kValid;
  std::string reason;  // why the state is not kValid, in words; empty when valid
  std::string label;   // a few words on how it ran: "drop_caches vda", "fio direct vda"
  std::vector<SampleRow> timeline;  // the sampled diskstats rows of this repetition
  std::optional<ToolRun> tool_run;  // set by workloads that run an external tool
  // The probe taken before this repetition failed: why (the repetition ran, without probe
  // figures). Empty when it ran or the repetition had none.
  std::string probe_problem;
  // The interleaved round it ran in, from 1 (set by the coordinator, harness/suite/suite_run.h;
  // a disturbed repetition and its rerun share their round); 0 when not run in rounds.
  int round = 0;
  // Every sample's read latency, when the workload keeps a histogram (the reader): what the lat_
  // figures come from, kept so that ranks of one job merge exactly (harness/suite/rank_merge.h).
  std::optional<LatencyHistogram> latency;

  bool valid() const { return state == RepetitionState::kValid; }
};

class Workload {
 public:
  virtual ~Workload() = default;
  // One repetition; `repetition` counts from 0 (a workload may derive a shuffle seed from it).
  // A failure of the repetition itself (verification, an I/O error) is returned as its state;
  // throws UsageError for bad options and EnvironmentError when the node cannot run it at all.
  virtual RepetitionMeasurement RunOnce(int repetition) = 0;
};

}  // namespace feedbench
