#include "harness/base/units.h"

#include <gtest/gtest.h>

#include <limits>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

TEST(ParseBytes, AcceptsBinaryAndDecimalUnits) {
  EXPECT_EQ(ParseBytes("96KiB", "--size"), 96u * 1024);
  EXPECT_EQ(ParseBytes("1.5MiB", "--size"), 1536u * 1024);
  EXPECT_EQ(ParseBytes("100kB", "--size"), 100000u);
  EXPECT_EQ(ParseBytes("2GB", "--size"), 2000000000u);
  EXPECT_EQ(ParseBytes("4096B", "--size"), 4096u);
  EXPECT_EQ(ParseBytes("1GiB", "--size"), 1u << 30);
}

TEST(ParseBytes, RejectsMissingOrAmbiguousUnits) {
  EXPECT_THROW(ParseBytes("64", "--size"), UsageError);
  EXPECT_THROW(ParseBytes("64K", "--size"), UsageError);
  EXPECT_THROW(ParseBytes("64kiB", "--size"), UsageError);
  EXPECT_THROW(ParseBytes("", "--size"), UsageError);
  EXPECT_THROW(ParseBytes("KiB", "--size"), UsageError);
  EXPECT_THROW(ParseBytes("0.3B", "--size"), UsageError);
  EXPECT_THROW(ParseBytes("-1KiB", "--size"), UsageError);
}

TEST(ParseBytes, MessageNamesTheFlagAndTheUnits) {
  try {
    ParseBytes("64", "--size");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--size"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("KiB"), std::string::npos);
  }
}

TEST(FormatBytes, UsesIecUnitsAndRoundTrips) {
  EXPECT_EQ(FormatBytesIec(512), "512 B");
  EXPECT_EQ(FormatBytesIec(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytesIec(3.0 * (1 << 20)), "3.0 MiB");
  EXPECT_EQ(FormatBytesIec(99999999999.0 * (1 << 20)), "93.1 PiB");
  EXPECT_EQ(FormatBytesExact(65536), "64KiB");
  EXPECT_EQ(FormatBytesExact(1000), "1000B");
  EXPECT_EQ(ParseBytes(FormatBytesExact(1536 * 1024), "x"), 1536u * 1024);
}

}  // namespace
TEST(FormatPercent, OneDecimalSignedOnRequestAndNonFiniteSpelledOut) {
  EXPECT_EQ(FormatPercent(0.123), "12.3%");
  EXPECT_EQ(FormatPercent(0.123, true), "+12.3%");
  EXPECT_EQ(FormatPercent(-0.04, true), "-4.0%");
  EXPECT_EQ(FormatPercent(0), "0.0%");
  EXPECT_EQ(FormatPercent(std::numeric_limits<double>::infinity()), "+inf%");
  EXPECT_EQ(FormatPercent(-std::numeric_limits<double>::infinity(), true), "-inf%");
  EXPECT_EQ(FormatPercent(std::numeric_limits<double>::quiet_NaN()), "-");
}

}  // namespace feedbench
