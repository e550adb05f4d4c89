// Terminal rendering of a baseline's history (`feedbench baseline show`): its identity and
// fingerprint, the list of accepted runs, and per workload a table with one row per run giving,
// for each chosen counter, the run's median and its within-run robust spread, and a last row with
// the run-to-run spread of those medians — the two noise figures the gate's threshold uses.
// Pure and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "harness/gate/baseline.h"

namespace feedbench {

// `metrics`: the counters to show, in order; those a workload lacks are shown as "-".
std::string RenderBaselineHistory(const Baseline& baseline,
                                  const std::vector<std::string>& metrics);

}  // namespace feedbench
