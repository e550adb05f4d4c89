// Efficiency: how much of the device's raw ceiling a data-loading workload gets.
//
// Each data-loading workload is set against the fio profile that measures the ceiling of the same
// access pattern: `files` random against `smallfile` (fio reading the very same files, one at a
// time), `lmdb` sequential, `shards` (streamed whole in either order) and `records` sequential
// against `seq-read` (large sequential reads). efficiency = median
// bytes/s of the workload ÷ median bytes/s of the ceiling workload in the same results. Near 1:
// the device is the limit; far below: the layout or the loader is. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/results.h"
#include "harness/suite/suite.h"

namespace feedbench {

struct Efficiency {
  std::string workload;  // the data-loading workload
  std::string ceiling;   // the fio workload it is measured against
  std::string profile;   // that workload's fio profile ("smallfile", "seq-read")
  double workload_bytes_per_sec = 0;
  double ceiling_bytes_per_sec = 0;
  double ratio = 0;  // workload ÷ ceiling
};

// The fio profile whose ceiling a data-loading workload is compared with, or "" when none applies
// (tmpfs has no device; files sequential, lmdb random and records random have no matching
// profile: the probe beside each repetition is their ceiling).
std::string CeilingProfileFor(Layout layout, Order order);

// `workloads` are the suite workloads that ran (their kind, layout, order and profile).
// Workloads without a ceiling among them, or without bytes/s in `summaries`, are left out.
std::vector<Efficiency> ComputeEfficiencies(const std::vector<SuiteWorkload>& workloads,
                                            const std::vector<WorkloadSummary>& summaries);

nlohmann::json ToJson(const std::vector<Efficiency>& efficiencies);

// The efficiencies a results file keeps (context.feedbench.efficiency, as ToJson wrote them); an
// absent or null value is none. Throws UsageError naming `source` and the key when an entry is
// not as ToJson writes it.
std::vector<Efficiency> EfficienciesFromJson(const nlohmann::json& efficiency,
                                             std::string_view source);

}  // namespace feedbench
