// Small text helpers shared by the parsers of kernel files, fio output and job files.
//
// Pure functions over string_views; no allocation, no locale, safe from any thread. A returned view
// points into the argument, so it is valid only while the argument's storage is.
#pragma once

#include <string_view>

namespace feedbench {

// ASCII whitespace, the characters std::isspace accepts in the "C" locale.
inline constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";
// Blanks and line ends only: what sysfs attributes, /proc lines and command output are padded with.
inline constexpr std::string_view kLineWhitespace = " \t\r\n";

// `text` without leading and trailing characters from `whitespace`; empty when nothing else is
// left.
std::string_view Trim(std::string_view text, std::string_view whitespace = kAsciiWhitespace);

}  // namespace feedbench
