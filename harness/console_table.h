// The terminal table of a run: one row per workload with the medians over valid repetitions and
// the spread across them. Renders WorkloadSummary (results.h); computes nothing of its own.
#pragma once

#include <string>
#include <vector>

#include "harness/results.h"

namespace feedbench {

// Columns: workload, samples/s, MiB/s, r_await ms, %util, dev-ratio, AU %, cv(samples/s), valid.
// Figures a workload does not have (no device behind tmpfs) print as "n/a".
std::string RenderRunTable(const std::vector<WorkloadSummary>& summaries);

}  // namespace feedbench
