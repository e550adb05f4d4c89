#include "harness/results/efficiency.h"

#include <algorithm>

namespace feedbench {

std::string CeilingProfileFor(Layout layout, Order order) {
  if (layout == Layout::kFiles && order == Order::kRandom) return "smallfile";
  if (layout == Layout::kLmdb && order == Order::kSequential) return "seq-read";
  return "";
}

std::vector<Efficiency> ComputeEfficiencies(const std::vector<SuiteWorkload>& workloads,
                                            const std::vector<WorkloadSummary>& summaries) {
  auto median_bps = [&](const std::string& name) -> double {
    const auto it = std::find_if(summaries.begin(), summaries.end(),
                                 [&](const WorkloadSummary& s) { return s.name == name; });
    if (it == summaries.end()) return 0;
    const auto m = it->median.find("bytes_per_second");
    return m == it->median.end() ? 0 : m->second;
  };
  std::vector<Efficiency> out;
  for (const SuiteWorkload& w : workloads) {
    if (w.kind != WorkloadKind::kReader) continue;
    const std::string profile = CeilingProfileFor(w.layout, w.order);
    if (profile.empty()) continue;
    for (const SuiteWorkload& c : workloads) {
      if (c.kind != WorkloadKind::kFio || c.profile != profile) continue;
      Efficiency e;
      e.workload = w.name;
      e.ceiling = c.name;
      e.profile = profile;
      e.workload_bytes_per_sec = median_bps(e.workload);
      e.ceiling_bytes_per_sec = median_bps(e.ceiling);
      if (e.workload_bytes_per_sec <= 0 || e.ceiling_bytes_per_sec <= 0) continue;
      e.ratio = e.workload_bytes_per_sec / e.ceiling_bytes_per_sec;
      out.push_back(e);
      break;
    }
  }
  return out;
}

nlohmann::json ToJson(const std::vector<Efficiency>& efficiencies) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : efficiencies) {
    out.push_back({{"workload", e.workload},
                   {"ceiling", e.ceiling},
                   {"profile", e.profile},
                   {"workload_bytes_per_second", e.workload_bytes_per_sec},
                   {"ceiling_bytes_per_second", e.ceiling_bytes_per_sec},
                   {"efficiency", e.ratio}});
  }
  return out;
}

}  // namespace feedbench
