// Sizes and durations with explicit units.
//
// Parsing accepts IEC (KiB, MiB, GiB, TiB) and SI (kB, MB, GB, TB) suffixes and plain "B"; a bare
// number or an unknown suffix is an error, since "64K" or "64M" is ambiguous. Formatting uses IEC.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace feedbench {

// Parses "96KiB", "1.5MiB", "100kB", "4096B" into bytes. Throws UsageError naming `what` (a flag or
// key) and the accepted units when the text is not a size.
uint64_t ParseBytes(std::string_view text, std::string_view what);

// "1.5 MiB", "64.0 KiB", "512 B", "93.1 PiB": binary units up to EiB, for display.
std::string FormatBytesIec(double bytes);

// "12.3 MiB/s"
std::string FormatRateIec(double bytes_per_sec);

// A compact size spelling that ParseBytes reads back: "64KiB", "1536KiB", "100B".
std::string FormatBytesExact(uint64_t bytes);

// A fraction as a percentage with one decimal: 0.123 → "12.3%", with `sign` "+12.3%" / "-4.0%";
// ±infinity → "+inf%" / "-inf%"; NaN → "-" (nothing to show).
std::string FormatPercent(double fraction, bool sign = false);

}  // namespace feedbench
