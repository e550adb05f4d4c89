#include "harness/console_table.h"

#include <fmt/format.h>

namespace feedbench {
namespace {

std::string Figure(const WorkloadSummary& s, const std::string& counter, double scale,
                   int precision) {
  const auto it = s.median.find(counter);
  if (it == s.median.end()) return "n/a";
  return fmt::format("{:.{}f}", it->second * scale, precision);
}

}  // namespace

std::string RenderRunTable(const std::vector<WorkloadSummary>& summaries) {
  size_t name_width = 8;
  for (const auto& s : summaries) name_width = std::max(name_width, s.name.size());
  std::string out = fmt::format("{:<{}}  {:>10}  {:>9}  {:>10}  {:>6}  {:>9}  {:>6}  {:>8}  {:>5}\n",
                                "workload", name_width, "samples/s", "MiB/s", "r_await ms", "%util",
                                "dev-ratio", "AU %", "cv", "valid");
  for (const auto& s : summaries) {
    const auto cv = s.cv.find("samples_per_second");
    const std::string spread =
        (cv == s.cv.end() || s.valid_repetitions < 2) ? "n/a" : fmt::format("±{:.1f}%", cv->second * 100);
    out += fmt::format("{:<{}}  {:>10}  {:>9}  {:>10}  {:>6}  {:>9}  {:>6}  {:>8}  {:>5}\n", s.name,
                       name_width, Figure(s, "samples_per_second", 1, 0),
                       Figure(s, "bytes_per_second", 1.0 / (1 << 20), 1),
                       Figure(s, "r_await_ms", 1, 2), Figure(s, "util_pct", 1, 1),
                       Figure(s, "device_read_ratio", 1, 2), Figure(s, "au_pct", 1, 1), spread,
                       fmt::format("{}/{}", s.valid_repetitions, s.repetitions));
  }
  for (const auto& s : summaries) {
    for (const auto& e : s.errors) out += fmt::format("  {}: {}\n", s.name, e);
  }
  return out;
}

}  // namespace feedbench
