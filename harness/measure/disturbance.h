// The disturbed rule: a repetition during which other work on the node went beyond documented
// limits is disturbed — measured correctly, but not a measurement of this workload alone.
//
// It reads the figures node_activity.h sets: foreign device reads (the sampled device's read
// bytes that this process did not cause), foreign CPU time (the node's CPU time other processes
// ran) and CPU steal. A repetition is disturbed when
//   foreign_read_pct > foreign_read_pct_limit and foreign_read_bytes >= foreign_read_min_bytes
//     (the floor keeps a warm repetition, whose device reads are near zero, from being disturbed by
//     a daemon's few KiB), or
//   foreign_cpu_pct > foreign_cpu_pct_limit and foreign_cpu_sec >= foreign_cpu_min_sec (other
//     work on the CPUs the workload's threads, its page-cache misses' completions and its
//     decoding share: on a 2-vCPU VM, two nice'd builds beside a cold files reader took 69-77%
//     of the CPU time and halved its samples/s, against 0-9% on a quiet node; the floor keeps a
//     window of a few ticks, where one kernel thread's tick is 10%, from being judged), or
//   cpu_steal_pct > cpu_steal_pct_limit.
// I/O and CPU pressure are recorded, not judged: the workload's own reads and threads stall the
// node too (a cold reader is in I/O stall most of its window on this VM), so they cannot tell
// foreign work from the workload's own; foreign CPU time can. The limits come from measurements on a 2-vCPU VM,
// bench/gate_figures/*-disturbance.log and bench/README.md. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/measure/measurement.h"

namespace feedbench {

struct DisturbanceLimits {
  double foreign_read_pct_limit = 10;             // % of the device's read bytes
  uint64_t foreign_read_min_bytes = 16ULL << 20;  // below this, foreign reads never disturb
  double foreign_cpu_pct_limit = 25;              // % of all CPU time: half a core of two
  double foreign_cpu_min_sec = 0.25;              // CPU-seconds; below this, never disturbs
  double cpu_steal_pct_limit = 5;                 // % of all CPU time
};

// Why `figures` make a repetition disturbed — "disturbed: foreign device reads 23% of the
// device's bytes (limit 10%): 120 MiB of 520 MiB; other processes ran 71% of the CPU time (limit
// 25%): 1.43 CPU-s; ..." — or nullopt when they do not. Absent
// figures are not judged.
std::optional<std::string> DisturbanceOf(const Figures& figures,
                                         const DisturbanceLimits& limits = {});

// Marks a valid `measurement` kDisturbed with DisturbanceOf's reason; a repetition already not
// valid (failed, contaminated) keeps its state.
void MarkIfDisturbed(RepetitionMeasurement& measurement, const DisturbanceLimits& limits = {});

}  // namespace feedbench
