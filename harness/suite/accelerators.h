// Accelerators fed: how many emulated accelerators a layout keeps busy. An accelerator's demand is
// a batch of samples every compute step (MLPerf Storage's emulation: each accelerator steps
// compute_ms_per_batch per batch and must wait for its data no more than 10% of the time, AU ≥
// 90%). The shipped profiles are MLPerf Storage's workloads as the DLIO benchmark's workload
// configurations give them (dlio_benchmark configs/workload/<model>_<accelerator>.yaml: reader
// batch_size and read_threads, train computation_time, the dataset's mean record length).
//
// FindAcceleratorsFed searches the largest count that keeps AU at or above the target, from
// measurements it asks for: it brackets (1, 2, 4, ... until AU falls below the target or the
// limit) and then bisects between the last count that kept it and the first that did not. It
// assumes AU does not rise with more accelerators (one shared store: more demand, same capacity);
// a node's noise can break that near the boundary, and the answer is then one of the two counts
// around it. Pure and thread-safe (the measuring function is the caller's).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

struct AcceleratorProfile {
  std::string_view name;        // "resnet50-h100"
  int batch_size = 1;           // samples per step
  double compute_ms_per_batch = 0;
  uint64_t sample_bytes = 0;    // the workload's mean sample size (for the demand in bytes/s)
  int read_threads = 1;         // loader threads per accelerator
  // Samples per second one accelerator consumes when never waiting.
  double SamplesPerSecond() const { return batch_size * 1000.0 / compute_ms_per_batch; }
};

// Every shipped profile, by name.
std::span<const AcceleratorProfile> ShippedAccelerators();

// Throws UsageError naming --accelerator and listing the shipped names when unknown.
const AcceleratorProfile& FindAccelerator(std::string_view name);

// A demand given as numbers (--demand SAMPLES_PER_S --compute-ms-per-batch MS): batch =
// SAMPLES_PER_S × MS ÷ 1000 rounded to the nearest whole sample. Throws UsageError naming the
// flag for a demand or compute time ≤ 0 (or not finite), or a batch that rounds below one sample.
AcceleratorProfile DemandProfile(double samples_per_second, double compute_ms_per_batch);

inline constexpr double kFedAuTargetPct = 90;

struct FedProbe {
  int accelerators = 0;
  double au_pct = 0;               // mean AU of the accelerators
  double samples_per_second = 0;   // what the layout delivered to them
};

struct FedResult {
  int fed = 0;                     // the largest count measured at AU ≥ target; 0 when 1 missed
  std::optional<FedProbe> at;      // its measurement
  std::vector<FedProbe> probes;    // every measurement, in the order taken
  bool capped = false;             // `max_accelerators` still kept the target: the answer is ≥
};

// REQUIRES: max_accelerators ≥ 1. `measure(n)` runs n accelerators once.
FedResult FindAcceleratorsFed(const std::function<FedProbe(int)>& measure, int max_accelerators,
                              double au_target_pct = kFedAuTargetPct);

}  // namespace feedbench
