#include "harness/results/efficiency.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/base/errors.h"

namespace feedbench {

std::string CeilingProfileFor(Layout layout, Order order) {
  if (layout == Layout::kFiles && order == Order::kRandom) return "smallfile";
  if (layout == Layout::kLmdb && order == Order::kSequential) return "seq-read";
  // Shards are streamed whole in either order; records in order are one stream of data files.
  if (layout == Layout::kShards) return "seq-read";
  if (layout == Layout::kRecords && order == Order::kSequential) return "seq-read";
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

std::vector<Efficiency> EfficienciesFromJson(const nlohmann::json& efficiency,
                                             std::string_view source) {
  std::vector<Efficiency> out;
  if (efficiency.is_null()) return out;
  try {
    for (const nlohmann::json& e : efficiency) {
      out.push_back({.workload = e.at("workload").get<std::string>(),
                     .ceiling = e.at("ceiling").get<std::string>(),
                     .profile = e.at("profile").get<std::string>(),
                     .workload_bytes_per_sec = e.at("workload_bytes_per_second").get<double>(),
                     .ceiling_bytes_per_sec = e.at("ceiling_bytes_per_second").get<double>(),
                     .ratio = e.at("efficiency").get<double>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("{}: context.feedbench.efficiency: {}; expected entries "
                                 "{{workload, ceiling, profile, workload_bytes_per_second, "
                                 "ceiling_bytes_per_second, efficiency}}",
                                 source, e.what()));
  }
  return out;
}

}  // namespace feedbench
