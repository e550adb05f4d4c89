// Wall-clock time as text, the one UTC formatter of feedbench: ISO 8601 UTC with milliseconds (the
// sampler's rows, the results' times) and a compact form for file names. Times are truncated to
// the millisecond (or second) towards the past, also before the epoch. Pure, thread-safe and
// lock-free (calendar arithmetic, no gmtime_r): cheap enough for every sampled row.
#pragma once

#include <chrono>
#include <string>

namespace feedbench {

// "2026-11-26T01:02:03.456Z"
std::string UtcIsoMillis(std::chrono::system_clock::time_point t);

// "20261126T010203Z", for file names.
std::string UtcCompact(std::chrono::system_clock::time_point t);

}  // namespace feedbench
