// Wall-clock time as text: ISO 8601 UTC with milliseconds, and a compact form for file names.
// Pure and thread-safe (gmtime_r).
#pragma once

#include <chrono>
#include <string>

namespace feedbench {

// "2026-11-26T01:02:03.456Z"
std::string UtcIsoMillis(std::chrono::system_clock::time_point t);

// "20261126T010203Z", for file names.
std::string UtcCompact(std::chrono::system_clock::time_point t);

}  // namespace feedbench
