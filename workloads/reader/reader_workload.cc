#include "workloads/reader/reader_workload.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "harness/measure/disturbance.h"

namespace feedbench {

RepetitionMeasurement ToMeasurement(const WorkloadResult& r) {
  RepetitionMeasurement m;
  const ReaderResult& rd = r.reader;
  m.wall_sec = rd.wall_sec;
  Figures& f = m.figures;
  f.Set(Metric::kSamplesPerSecond, rd.samples_per_sec);
  f.Set(Metric::kBytesPerSecond, rd.bytes_per_sec);
  f.Set(Metric::kSamples, static_cast<double>(rd.samples));
  f.Set(Metric::kBytes, static_cast<double>(rd.bytes));
  f.Set(Metric::kLatP50Us, rd.lat_p50_us);
  f.Set(Metric::kLatP95Us, rd.lat_p95_us);
  f.Set(Metric::kLatP99Us, rd.lat_p99_us);
  f.Set(Metric::kLatMaxUs, rd.lat_max_us);
  f.Set(Metric::kConsumerWaitSec, rd.consumer_wait_sec);
  f.Set(Metric::kAuPct, rd.au_pct);
  if (r.device_summary) {
    const WindowSummary& s = *r.device_summary;
    f.Set(Metric::kDeviceReadBytes, static_cast<double>(s.read_bytes));
    f.Set(Metric::kRAwaitMs, s.figures.r_await_ms);
    f.Set(Metric::kRPerSecond, s.figures.r_per_sec);
    f.Set(Metric::kRareqKb, s.figures.rareq_kb);
    f.Set(Metric::kAquSz, s.figures.aqu_sz);
    f.Set(Metric::kUtilPct, s.figures.util_pct);
  }
  if (r.device_read_ratio) f.Set(Metric::kDeviceReadRatio, *r.device_read_ratio);
  if (!r.epoch_device_read_ratios.empty()) {
    f.Set(Metric::kEpochReadRatioMin, *std::min_element(r.epoch_device_read_ratios.begin(),
                                                        r.epoch_device_read_ratios.end()));
  }
  AddNodeActivityFigures(
      r.activity,
      r.device_summary ? std::optional<uint64_t>(r.device_summary->read_bytes) : std::nullopt, f);
  m.label = r.cache_method + (r.device ? " " + *r.device : std::string(" no-device"));
  if (r.epoch_device_read_ratios.size() > 1) {
    m.label += fmt::format(", epoch read ratios {:.3f}", fmt::join(r.epoch_device_read_ratios, " "));
  }
  if (rd.verify_error) {
    m.state = RepetitionState::kVerificationFailed;
    m.reason = "verify: " + *rd.verify_error;
  } else if (r.cache_contaminated && r.contaminated_epoch && r.epoch_device_read_ratios.size() > 1) {
    const auto epoch = static_cast<size_t>(*r.contaminated_epoch);
    m.state = RepetitionState::kCacheContaminated;
    m.reason = fmt::format(
        "cache_contaminated: epoch {} of {} has a device read ratio {:.3f} < {} after {} (epoch "
        "read ratios {:.3f})",
        epoch + 1, r.epoch_device_read_ratios.size(), r.epoch_device_read_ratios[epoch],
        kContaminatedBelowRatio, r.cache_method, fmt::join(r.epoch_device_read_ratios, " "));
    if (!r.eviction_problem.empty()) m.reason += "; " + r.eviction_problem;
  } else if (r.cache_contaminated) {
    m.state = RepetitionState::kCacheContaminated;
    m.reason = fmt::format(
        "cache_contaminated: device read ratio {:.3f} < {} after {} (the device delivered {} of "
        "{} bytes read)",
        r.device_read_ratio.value_or(0), kContaminatedBelowRatio, r.cache_method,
        r.device_summary ? r.device_summary->read_bytes : 0, rd.bytes);
    if (!r.eviction_problem.empty()) m.reason += "; " + r.eviction_problem;
  }
  MarkIfDisturbed(m);
  m.timeline = r.timeline;
  m.latency = rd.latency;
  return m;
}

void AddWarmControl(const WorkloadResult& warm, RepetitionMeasurement& m) {
  std::string why;
  if (warm.reader.verify_error) {
    why = "its read failed verification: " + *warm.reader.verify_error;
  } else if (warm.reader.samples == 0 || !(warm.reader.samples_per_sec > 0)) {
    why = "it read nothing";
  } else if (warm.device_read_ratio && *warm.device_read_ratio > kWarmControlMaxDeviceShare) {
    why = fmt::format(
        "it read {:.1f}% of its bytes from the device (more than {:g}%): the page cache did not "
        "hold the dataset",
        100 * *warm.device_read_ratio, 100 * kWarmControlMaxDeviceShare);
  }
  if (!why.empty()) {
    m.label += "; no warm control: " + why;
    return;
  }
  m.figures.Set(Metric::kWarmSamplesPerSecond, warm.reader.samples_per_sec);
  if (const auto cold = m.figures.Get(Metric::kSamplesPerSecond)) {
    m.figures.Set(Metric::kWarmEfficiencyPct, 100.0 * *cold / warm.reader.samples_per_sec);
  }
}

RepetitionMeasurement ReaderWorkload::RunOnce(int repetition) {
  WorkloadOptions o = options_;
  o.reader.shuffle_seed = seed_ * 1000003ULL + static_cast<uint64_t>(repetition);
  RepetitionMeasurement m = ToMeasurement(dataset_.RunOnce(o));
  if (warm_control_ && o.cache == CacheMode::kCold &&
      m.state != RepetitionState::kVerificationFailed) {
    WorkloadOptions warm = o;
    warm.cache = CacheMode::kWarm;
    warm.before_read = nullptr;
    warm.after_read = nullptr;
    AddWarmControl(dataset_.RunOnce(warm), m);
  }
  return m;
}

}  // namespace feedbench
