// Parsing the values of command-line flags that CLI11 takes as text, so that a bad value is
// refused with the flag, the value and what was expected (UsageError, exit 2) rather than
// CLI11's generic message. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace feedbench {

// A finite or infinite number in full ("0.5"); anything else (empty, trailing text) throws
// UsageError "<flag> '<text>': expected <expected>".
double ParseNumber(std::string_view text, std::string_view flag, std::string_view expected);

// A whole number ≥ 1 ("5"); anything else throws as ParseNumber does.
std::size_t ParseCount(std::string_view text, std::string_view flag, std::string_view expected);

// "5" or "5%" → 0.05; the range is the caller's to check.
double ParsePercent(std::string_view text, std::string_view flag);

}  // namespace feedbench
