#include "harness/report/console_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace feedbench {
namespace {

std::string Figure(const WorkloadSummary& s, const std::string& counter, double scale,
                   int precision) {
  const auto it = s.median.find(counter);
  if (it == s.median.end()) return "n/a";
  return fmt::format("{:.{}f}", it->second * scale, precision);
}

}  // namespace

std::string RenderRunTable(const std::vector<WorkloadSummary>& summaries,
                           const std::vector<Efficiency>& efficiencies) {
  size_t name_width = 8;
  for (const auto& s : summaries) name_width = std::max(name_width, s.name.size());
  constexpr std::string_view kRow =
      "{:<{}}  {:>10}  {:>9}  {:>10}  {:>6}  {:>9}  {:>6}  {:>8}  {:>5}{}\n";
  std::string out =
      fmt::format(kRow, "workload", name_width, "samples/s", "MiB/s", "r_await ms", "%util",
                  "dev-ratio", "AU %", "cv", "valid", efficiencies.empty() ? "" : "  of ceiling");
  for (const auto& s : summaries) {
    const auto cv = s.cv.find("samples_per_second");
    const std::string spread = (cv == s.cv.end() || s.valid_repetitions < 2)
                                   ? "n/a"
                                   : fmt::format("±{:.1f}%", cv->second * 100);
    std::string of_ceiling;
    if (!efficiencies.empty()) {
      const auto e = std::find_if(efficiencies.begin(), efficiencies.end(),
                                  [&](const Efficiency& x) { return x.workload == s.name; });
      of_ceiling = e == efficiencies.end()
                       ? fmt::format("  {:>10}", "n/a")
                       : fmt::format("  {:>5.1f}% of {}", e->ratio * 100, e->ceiling);
    }
    out += fmt::format(kRow, s.name, name_width, Figure(s, "samples_per_second", 1, 0),
                       Figure(s, "bytes_per_second", 1.0 / (1 << 20), 1),
                       Figure(s, "r_await_ms", 1, 2), Figure(s, "util_pct", 1, 1),
                       Figure(s, "device_read_ratio", 1, 2), Figure(s, "au_pct", 1, 1), spread,
                       fmt::format("{}/{}", s.valid_repetitions, s.repetitions), of_ceiling);
  }
  for (const auto& s : summaries) {
    for (const auto& e : s.errors) out += fmt::format("  {}: {}\n", s.name, e);
  }
  return out;
}

std::string RenderFioTable(const std::vector<WorkloadSummary>& summaries) {
  size_t name_width = 8;
  for (const auto& s : summaries) name_width = std::max(name_width, s.name.size());
  constexpr std::string_view kRow =
      "{:<{}}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>10}  {:>6}  {:>9}  {:>6}  {:>8}  {:>5}\n";
  std::string out = fmt::format(kRow, "workload", name_width, "MiB/s", "IOPS", "p50 us", "p99 us",
                                "r/s", "r_await ms", "%util", "fio r/s", "fio %u", "cv", "valid");
  for (const auto& s : summaries) {
    const auto cv = s.cv.find("bytes_per_second");
    const std::string spread = (cv == s.cv.end() || s.valid_repetitions < 2)
                                   ? "n/a"
                                   : fmt::format("±{:.1f}%", cv->second * 100);
    out += fmt::format(
        kRow, s.name, name_width, Figure(s, "bytes_per_second", 1.0 / (1 << 20), 1),
        Figure(s, "iops", 1, 0), Figure(s, "lat_p50_us", 1, 1), Figure(s, "clat_p99_us", 1, 1),
        Figure(s, "r_per_second", 1, 0), Figure(s, "r_await_ms", 1, 3), Figure(s, "util_pct", 1, 1),
        Figure(s, "fio_disk_r_per_second", 1, 0), Figure(s, "fio_disk_util_pct", 1, 1), spread,
        fmt::format("{}/{}", s.valid_repetitions, s.repetitions));
  }
  for (const auto& s : summaries) {
    for (const auto& e : s.errors) out += fmt::format("  {}: {}\n", s.name, e);
  }
  return out;
}

std::string RenderRunTables(const std::vector<WorkloadSummary>& summaries,
                            const std::vector<Efficiency>& efficiencies) {
  std::vector<WorkloadSummary> readers, fios;
  for (const auto& s : summaries) (s.median.contains("iops") ? fios : readers).push_back(s);
  std::string out;
  if (!readers.empty()) out += RenderRunTable(readers, efficiencies);
  if (!fios.empty()) {
    out += fmt::format("{}raw ceiling (fio):\n", out.empty() ? "" : "\n");
    out += RenderFioTable(fios);
  }
  return out;
}

std::string FailureLine(const ResultsFile& results) {
  std::string line;
  for (const WorkloadResults& w : results.workloads) {
    int failed = 0;
    const Repetition* first = nullptr;
    for (const Repetition& rep : w.repetitions) {
      if (rep.state != RepetitionState::kFailed &&
          rep.state != RepetitionState::kVerificationFailed) {
        continue;
      }
      ++failed;
      if (first == nullptr) first = &rep;
    }
    if (first == nullptr) continue;
    // One line: a multi-line reason (a tool's stderr quoted in it) is joined with " / ".
    std::string reason = first->error_message;
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    for (std::size_t at = reason.find('\n'); at != std::string::npos; at = reason.find('\n', at)) {
      reason.replace(at, 1, " / ");
    }
    line += fmt::format("{}{}: {} of {} repetitions ({})", line.empty() ? "failed: " : "; ",
                        w.name, failed, w.repetitions.size(), reason);
  }
  return line;
}

}  // namespace feedbench
