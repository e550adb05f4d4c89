#include "harness/os/pressure.h"

#include <charconv>
#include <string>

#include "harness/os/sysfs.h"

namespace feedbench {
namespace {

// The text after "key=" up to the next blank, in `line`.
std::optional<std::string_view> Value(std::string_view line, std::string_view key) {
  size_t at = 0;
  while ((at = line.find(key, at)) != std::string_view::npos) {
    const bool starts_word = at == 0 || line[at - 1] == ' ' || line[at - 1] == '\t';
    const size_t after = at + key.size();
    if (starts_word && after < line.size() && line[after] == '=') {
      const size_t end = line.find_first_of(" \t", after + 1);
      return line.substr(after + 1, end == std::string_view::npos ? end : end - after - 1);
    }
    at = after;
  }
  return std::nullopt;
}

std::optional<PressureLine> ParseLine(std::string_view line) {
  const auto avg10 = Value(line, "avg10");
  const auto total = Value(line, "total");
  if (!avg10 || !total) return std::nullopt;
  PressureLine out;
  // std::from_chars for double is in libstdc++ 11+; the field is a plain "12.34".
  const auto [p1, e1] =
      std::from_chars(avg10->data(), avg10->data() + avg10->size(), out.avg10_pct);
  if (e1 != std::errc() || p1 != avg10->data() + avg10->size()) return std::nullopt;
  const auto [p2, e2] = std::from_chars(total->data(), total->data() + total->size(), out.total_us);
  if (e2 != std::errc() || p2 != total->data() + total->size()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<Pressure> ParsePressure(std::string_view text) {
  std::optional<PressureLine> some, full;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.substr(0, 5) == "some ") {
      some = ParseLine(line.substr(5));
      if (!some) return std::nullopt;
    } else if (line.substr(0, 5) == "full ") {
      full = ParseLine(line.substr(5));
    }
  }
  if (!some) return std::nullopt;
  return Pressure{.some = *some, .full = full};
}

std::optional<Pressure> ReadPressure(std::string_view resource,
                                     const std::filesystem::path& pressure_dir) {
  const auto text = ReadSysfsAttribute(pressure_dir / std::string(resource));
  if (!text) return std::nullopt;
  return ParsePressure(*text);
}

}  // namespace feedbench
