// The data-loading reader as a Workload (harness/measure/measurement.h): one repetition of a
// PreparedDataset (workload.h) with fixed options, turned into the typed measurement.
//
// Figures: samples_per_second, bytes_per_second, samples, bytes, lat_p50/p95/p99/max_us (one
// sample's open+read+close as a loader pays it), consumer_wait_sec and au_pct; with a device,
// device_read_bytes, r_await_ms, r_per_second, rareq_kb, aqu_sz and util_pct over the repetition,
// and device_read_ratio; cold, epoch_read_ratio_min (with more than one epoch, each epoch's ratio
// in the label); what else used the node (node_activity.h: own_read_bytes, foreign_read_bytes,
// foreign_read_pct with a device; foreign_cpu_pct, cpu_steal_pct, io_pressure_pct,
// cpu_pressure_pct where the kernel has them). State: verification failed, cache-contaminated
// (IsCacheContaminated), disturbed (disturbance.h), or valid. The shuffle seed of repetition k is
// seed * 1000003 + k: new per repetition, reproducible.
//
// The warm control (warm_control, cold repetitions only): right after the cold repetition, the
// same samples in the same order with the same workers are read again from the page cache
// (PreparedDataset's warm read: a warm-up pass, then the timed one), giving
// warm_samples_per_second, the loader's own speed on this node at that moment with no storage in
// it, and warm_efficiency_pct = 100 x samples_per_second / warm_samples_per_second. A slower
// device lowers the ratio; a node whose CPUs or memory slowed for a while (a busy host under a
// VM: the drift the gate has to live with, bench/README.md) slows both reads and leaves it. When
// the warm read still read more than kWarmControlMaxDeviceShare of its bytes from the device
// (the page cache could not hold the dataset), it is no control: its figures are left out and the
// label says why. Not timed in the repetition (wall_sec, samples_per_second are the cold read's).
//
// Not thread-safe (one RunOnce at a time, as PreparedDataset).
#pragma once

#include <cstdint>

#include "harness/measure/measurement.h"
#include "workloads/reader/workload.h"

namespace feedbench {

// A warm control that read more than this share of its bytes from the device is left out.
inline constexpr double kWarmControlMaxDeviceShare = 0.05;

// The measurement of one reader repetition (pure).
RepetitionMeasurement ToMeasurement(const WorkloadResult& result);

class ReaderWorkload : public Workload {
 public:
  // `dataset` must outlive this workload.
  ReaderWorkload(PreparedDataset& dataset, WorkloadOptions options, uint64_t seed,
                 bool warm_control = false)
      : dataset_(dataset), options_(std::move(options)), seed_(seed), warm_control_(warm_control) {}

  RepetitionMeasurement RunOnce(int repetition) override;

 private:
  PreparedDataset& dataset_;
  WorkloadOptions options_;
  uint64_t seed_;
  bool warm_control_;
};

// Adds the warm control's figures (warm_samples_per_second, warm_efficiency_pct) of a warm read
// `warm` to the cold repetition `m`, or says in m.label why they are left out (the warm read read
// from the device, failed verification, or read nothing). Pure.
void AddWarmControl(const WorkloadResult& warm, RepetitionMeasurement& m);

}  // namespace feedbench
