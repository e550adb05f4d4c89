#include "harness/results/efficiency.h"

#include <algorithm>

namespace feedbench {

std::string CeilingProfileFor(const std::string& layout, const std::string& order) {
  if (layout == "files" && order == "random") return "smallfile";
  if (layout == "lmdb" && order == "sequential") return "seq-read";
  return "";
}

std::vector<Efficiency> ComputeEfficiencies(const nlohmann::json& workloads,
                                            const std::vector<WorkloadSummary>& summaries) {
  auto median_bps = [&](const std::string& name) -> double {
    const auto it = std::find_if(summaries.begin(), summaries.end(),
                                 [&](const WorkloadSummary& s) { return s.name == name; });
    if (it == summaries.end()) return 0;
    const auto m = it->median.find("bytes_per_second");
    return m == it->median.end() ? 0 : m->second;
  };
  std::vector<Efficiency> out;
  for (const auto& w : workloads) {
    if (w.value("kind", "reader") != "reader") continue;
    const std::string profile = CeilingProfileFor(w.value("layout", ""), w.value("order", ""));
    if (profile.empty()) continue;
    for (const auto& c : workloads) {
      if (c.value("kind", "") != "fio" || c.value("profile", "") != profile) continue;
      Efficiency e;
      e.workload = w.value("name", "");
      e.ceiling = c.value("name", "");
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
