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
// seed * 1000003 + k: new per repetition, reproducible. Not thread-safe (one RunOnce at a time, as
// PreparedDataset).
#pragma once

#include <cstdint>

#include "harness/measure/measurement.h"
#include "workloads/reader/workload.h"

namespace feedbench {

// The measurement of one reader repetition (pure).
RepetitionMeasurement ToMeasurement(const WorkloadResult& result);

class ReaderWorkload : public Workload {
 public:
  // `dataset` must outlive this workload.
  ReaderWorkload(PreparedDataset& dataset, WorkloadOptions options, uint64_t seed)
      : dataset_(dataset), options_(std::move(options)), seed_(seed) {}

  RepetitionMeasurement RunOnce(int repetition) override;

 private:
  PreparedDataset& dataset_;
  WorkloadOptions options_;
  uint64_t seed_;
};

}  // namespace feedbench
