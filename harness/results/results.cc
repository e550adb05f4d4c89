#include "harness/results/results.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <set>

#include "harness/base/atomic_file.h"
#include "harness/base/statistics.h"
#include "harness/base/time_format.h"

namespace feedbench {
namespace fs = std::filesystem;

double CoefficientOfVariation(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  return mean == 0 ? 0 : stats::SampleStandardDeviation(values) / mean;
}

std::vector<WorkloadSummary> SummarizeResults(const ResultsFile& results) {
  std::vector<WorkloadSummary> out;
  for (const WorkloadResults& w : results.workloads) {
    WorkloadSummary s;
    s.name = w.name;
    std::set<std::string> counters;
    for (const Repetition& rep : w.repetitions) {
      ++s.repetitions;
      if (rep.state != RepetitionState::kValid) {
        s.errors.push_back(rep.error_message);
        continue;
      }
      ++s.valid_repetitions;
      for (const auto& [name, value] : rep.counters) counters.insert(name);
    }
    for (const std::string& counter : counters) {
      const std::vector<double> values = w.Values(counter);
      if (values.empty()) continue;
      s.median[counter] = stats::Median(values);
      const auto [lowest, highest] = std::minmax_element(values.begin(), values.end());
      s.min[counter] = *lowest;
      s.max[counter] = *highest;
      s.cv[counter] = CoefficientOfVariation(values);
    }
    out.push_back(std::move(s));
  }
  return out;
}

fs::path DefaultResultsPath(const fs::path& dir, const std::string& suite, const std::string& host,
                            const std::string& utc_compact) {
  return dir / fmt::format("{}-{}-{}.json", suite, host, utc_compact);
}

std::string ShortHostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "host";
  const std::string host = buf;
  return host.substr(0, host.find('.'));
}

uint64_t ResultsRoomBytes(int planned_repetitions) {
  constexpr uint64_t kMiB = 1024 * 1024;
  return kMiB + static_cast<uint64_t>(std::max(planned_repetitions, 0)) * kMiB;
}

fs::path ResolveResultsPath(const std::string& out_flag, const std::string& suite,
                            uint64_t room_bytes) {
  fs::path out = out_flag;
  if (out.empty()) {
    out = DefaultResultsPath("results", suite, ShortHostname(),
                             UtcCompact(std::chrono::system_clock::now()));
  }
  CheckWritableDestination(out, "--out", room_bytes);
  return out;
}

fs::path TimelinePathFor(const fs::path& results_path) {
  fs::path p = results_path;
  p.replace_extension(".timeline.json");
  return p;
}

}  // namespace feedbench
