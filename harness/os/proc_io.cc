#include "harness/os/proc_io.h"

#include <charconv>

#include "harness/base/text.h"
#include "harness/os/sysfs.h"

namespace feedbench {
namespace {

// The whole number after "key:" on the line that starts with `key`, if any.
std::optional<uint64_t> Field(std::string_view text, std::string_view key) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.substr(0, key.size()) != key || line.size() <= key.size() || line[key.size()] != ':') {
      continue;
    }
    const std::string_view value = Trim(line.substr(key.size() + 1), kLineWhitespace);
    uint64_t parsed = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
    return parsed;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessIoCounters> ParseProcessIo(std::string_view text) {
  const auto read = Field(text, "read_bytes");
  const auto write = Field(text, "write_bytes");
  if (!read || !write) return std::nullopt;
  return ProcessIoCounters{.read_bytes = *read, .write_bytes = *write};
}

std::optional<ProcessIoCounters> ReadProcessIo(const std::filesystem::path& path) {
  const auto text = ReadSysfsAttribute(path);
  if (!text) return std::nullopt;
  return ParseProcessIo(*text);
}

}  // namespace feedbench
