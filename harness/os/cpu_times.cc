#include "harness/os/cpu_times.h"

#include <array>
#include <charconv>

#include "harness/os/sysfs.h"

namespace feedbench {

std::optional<CpuTimes> ParseCpuTimes(std::string_view text) {
  // The aggregate line is "cpu" followed by blanks; "cpu0" and the rest are per CPU.
  size_t start = 0;
  std::string_view line;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view candidate = text.substr(start, end - start);
    start = end + 1;
    if (candidate.size() > 3 && candidate.substr(0, 3) == "cpu" &&
        (candidate[3] == ' ' || candidate[3] == '\t')) {
      line = candidate.substr(3);
      break;
    }
  }
  if (line.empty()) return std::nullopt;
  std::array<uint64_t, 8> values{};
  size_t count = 0;
  const char* p = line.data();
  const char* const last = line.data() + line.size();
  while (count < values.size()) {
    while (p < last && (*p == ' ' || *p == '\t')) ++p;
    if (p == last) break;
    const auto [next, ec] = std::from_chars(p, last, values[count]);
    if (ec != std::errc()) return std::nullopt;
    p = next;
    ++count;
  }
  if (count < 4) return std::nullopt;
  return CpuTimes{.user_ticks = values[0],
                  .nice_ticks = values[1],
                  .system_ticks = values[2],
                  .idle_ticks = values[3],
                  .iowait_ticks = values[4],
                  .irq_ticks = values[5],
                  .softirq_ticks = values[6],
                  .steal_ticks = values[7]};
}

std::optional<CpuTimes> ReadCpuTimes(const std::filesystem::path& path) {
  const auto text = ReadSysfsAttribute(path);
  if (!text) return std::nullopt;
  return ParseCpuTimes(*text);
}

std::optional<ProcessCpuTicks> ParseProcessCpuTicks(std::string_view text) {
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After ')': field 3 (state) is the first; utime..cstime are fields 14..17.
  const char* p = text.data() + close + 1;
  const char* const last = text.data() + text.size();
  std::array<uint64_t, 4> ticks{};
  for (int field = 3; field <= 17; ++field) {
    while (p < last && *p == ' ') ++p;
    if (p == last) return std::nullopt;
    const char* const start = p;
    while (p < last && *p != ' ' && *p != '\n') ++p;
    if (field < 14) continue;
    const auto [end, ec] = std::from_chars(start, p, ticks[field - 14]);
    if (ec != std::errc() || end != p) return std::nullopt;
  }
  return ProcessCpuTicks{.self_ticks = ticks[0] + ticks[1], .children_ticks = ticks[2] + ticks[3]};
}

std::optional<ProcessCpuTicks> ReadProcessCpuTicks(const std::filesystem::path& path) {
  const auto text = ReadSysfsAttribute(path);
  if (!text) return std::nullopt;
  return ParseProcessCpuTicks(*text);
}

}  // namespace feedbench
