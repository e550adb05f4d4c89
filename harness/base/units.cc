#include "harness/base/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

struct Suffix {
  std::string_view name;
  uint64_t factor;
};

constexpr std::array<Suffix, 9> kSuffixes{{
    {"TiB", 1ULL << 40},
    {"GiB", 1ULL << 30},
    {"MiB", 1ULL << 20},
    {"KiB", 1ULL << 10},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
    {"GB", 1000ULL * 1000 * 1000},
    {"MB", 1000ULL * 1000},
    {"kB", 1000ULL},
    {"B", 1ULL},
}};

[[noreturn]] void Reject(std::string_view text, std::string_view what, std::string_view why) {
  throw UsageError(fmt::format(
      "{}: '{}' is not a size ({}); expected a number with a unit: B, KiB, MiB, GiB, TiB "
      "(binary) or kB, MB, GB, TB (decimal), e.g. 96KiB or 1.5MiB",
      what, text, why));
}

}  // namespace

uint64_t ParseBytes(std::string_view text, std::string_view what) {
  if (text.empty()) Reject(text, what, "empty");
  size_t digits_end = 0;
  while (digits_end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits_end])) || text[digits_end] == '.')) {
    ++digits_end;
  }
  const std::string_view number = text.substr(0, digits_end);
  std::string_view unit = text.substr(digits_end);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (number.empty()) Reject(text, what, "no number");
  if (unit.empty()) Reject(text, what, "no unit");
  const Suffix* suffix = nullptr;
  for (const auto& s : kSuffixes) {
    if (unit == s.name) suffix = &s;
  }
  if (suffix == nullptr) Reject(text, what, fmt::format("unknown unit '{}'", unit));

  double value = 0;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || ptr != number.data() + number.size()) Reject(text, what, "bad number");
  const double bytes = value * static_cast<double>(suffix->factor);
  if (!std::isfinite(bytes) || bytes > 1.8e19) Reject(text, what, "too large");
  const double rounded = std::round(bytes);
  if (std::fabs(rounded - bytes) > 1e-6 * std::max(1.0, bytes)) {
    Reject(text, what, "not a whole number of bytes");
  }
  return static_cast<uint64_t>(rounded);
}

std::string FormatBytesIec(double bytes) {
  static constexpr std::array<std::string_view, 7> kUnits{"B",   "KiB", "MiB", "GiB",
                                                          "TiB", "PiB", "EiB"};
  size_t unit = 0;
  double value = bytes;
  while (std::fabs(value) >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  if (unit == 0) return fmt::format("{:.0f} B", value);
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string FormatRateIec(double bytes_per_sec) { return FormatBytesIec(bytes_per_sec) + "/s"; }

std::string FormatPercent(double fraction, bool sign) {
  if (std::isnan(fraction)) return "-";
  if (std::isinf(fraction)) return fraction > 0 ? "+inf%" : "-inf%";
  return sign ? fmt::format("{:+.1f}%", fraction * 100) : fmt::format("{:.1f}%", fraction * 100);
}

std::string FormatBytesExact(uint64_t bytes) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 4> kUnits{
      {{"TiB", 1ULL << 40}, {"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10}}};
  for (const auto& [name, factor] : kUnits) {
    if (bytes != 0 && bytes % factor == 0) return fmt::format("{}{}", bytes / factor, name);
  }
  return fmt::format("{}B", bytes);
}

}  // namespace feedbench
