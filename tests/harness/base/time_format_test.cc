#include "harness/base/time_format.h"

#include <gtest/gtest.h>

namespace feedbench {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

TEST(UtcIsoMillis, WritesUtcWithMilliseconds) {
  EXPECT_EQ(UtcIsoMillis(system_clock::time_point(1700000000123ms)), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(UtcIsoMillis(system_clock::time_point(0ms)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(UtcIsoMillis(system_clock::time_point(1709251199999ms)), "2024-02-29T23:59:59.999Z");
  // Truncated, not rounded, also before the epoch.
  EXPECT_EQ(UtcIsoMillis(system_clock::time_point(-1ms)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(UtcIsoMillis(system_clock::time_point(1999999us)), "1970-01-01T00:00:01.999Z");
}

TEST(UtcCompact, WritesTheFileNameForm) {
  EXPECT_EQ(UtcCompact(system_clock::time_point(1700000000123ms)), "20231114T221320Z");
  EXPECT_EQ(UtcCompact(system_clock::time_point(-1ms)), "19691231T235959Z");
}

}  // namespace
}  // namespace feedbench
