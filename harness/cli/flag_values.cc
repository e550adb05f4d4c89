#include "harness/cli/flag_values.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

#include "harness/base/errors.h"

namespace feedbench {

double ParseNumber(std::string_view text, std::string_view flag, std::string_view expected) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw UsageError(fmt::format("{} '{}': expected {}", flag, text, expected));
  }
  return value;
}

std::size_t ParseCount(std::string_view text, std::string_view flag, std::string_view expected) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < 1) {
    throw UsageError(fmt::format("{} '{}': expected {}", flag, text, expected));
  }
  return static_cast<std::size_t>(value);
}

double ParsePercent(std::string_view text, std::string_view flag) {
  std::string_view t = text;
  if (!t.empty() && t.back() == '%') t.remove_suffix(1);
  return ParseNumber(t, flag, "a percentage strictly between 0 and 100, e.g. 5 or 5%") / 100;
}

}  // namespace feedbench
