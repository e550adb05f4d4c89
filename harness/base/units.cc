#include "harness/base/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
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

  // Exact decimal arithmetic (no double): "1.5MiB" is 15 × 2^20 ÷ 10, and a value that is not a
  // whole number of bytes ("1.0000001KiB", "0.3B") or past 2^64 - 1 is refused, not rounded.
  const size_t dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  if ((whole.empty() && fraction.empty()) || fraction.find('.') != std::string_view::npos) {
    Reject(text, what, "bad number");
  }
  if (fraction.size() > 18) Reject(text, what, "more than 18 decimals");
  using Wide = unsigned __int128;
  constexpr Wide kMax = static_cast<Wide>(UINT64_MAX);
  auto digits = [&](std::string_view part) {
    Wide value = 0;
    for (const char c : part) {
      value = value * 10 + static_cast<Wide>(c - '0');
      if (value > kMax) Reject(text, what, "too large");
    }
    return value;
  };
  Wide scale = 1;
  for (size_t i = 0; i < fraction.size(); ++i) scale *= 10;
  // value = (whole × scale + fraction) ÷ scale; bytes = value × factor.
  const Wide numerator = (digits(whole) * scale + digits(fraction)) * suffix->factor;
  if (numerator % scale != 0) Reject(text, what, "not a whole number of bytes");
  const Wide bytes = numerator / scale;
  if (bytes > kMax) Reject(text, what, "too large");
  return static_cast<uint64_t>(bytes);
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
