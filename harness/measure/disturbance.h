// The disturbed rule: a repetition during which other work on the node went beyond documented
// limits is disturbed — measured correctly, but not a measurement of this workload alone.
//
// It reads the figures node_activity.h sets: foreign device reads (the sampled device's read
// bytes that this process did not cause) and CPU steal. A repetition is disturbed when
//   foreign_read_pct > foreign_read_pct_limit and foreign_read_bytes >= foreign_read_min_bytes
//     (the floor keeps a warm repetition, whose device reads are near zero, from being disturbed by
//     a daemon's few KiB), or
//   cpu_steal_pct > cpu_steal_pct_limit.
// I/O and CPU pressure are recorded, not judged: the workload's own reads and threads stall the
// node too (a cold reader is in I/O stall most of its window on this VM), so they cannot tell
// foreign work from the workload's own. The limits come from measurements on a 2-vCPU VM,
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
  double cpu_steal_pct_limit = 5;                 // % of all CPU time
};

// Why `figures` make a repetition disturbed — "disturbed: foreign device reads 23% of the
// device's bytes (limit 10%): 120 MiB of 520 MiB; ..." — or nullopt when they do not. Absent
// figures are not judged.
std::optional<std::string> DisturbanceOf(const Figures& figures,
                                         const DisturbanceLimits& limits = {});

// Marks a valid `measurement` kDisturbed with DisturbanceOf's reason; a repetition already not
// valid (failed, contaminated) keeps its state.
void MarkIfDisturbed(RepetitionMeasurement& measurement, const DisturbanceLimits& limits = {});

}  // namespace feedbench
