#include "harness/base/time_format.h"

#include <fmt/format.h>

#include <ctime>

namespace feedbench {
namespace {

std::tm UtcTm(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

std::string UtcIsoMillis(std::chrono::system_clock::time_point t) {
  const std::tm tm = UtcTm(t);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()) % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count());
}

std::string UtcCompact(std::chrono::system_clock::time_point t) {
  const std::tm tm = UtcTm(t);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace feedbench
