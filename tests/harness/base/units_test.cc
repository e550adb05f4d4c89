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

TEST(ParseBytes, IsExactWithoutFloatingPoint) {
  // Past 2^53 a double cannot hold every integer: these are exact.
  EXPECT_EQ(ParseBytes("9007199254740993B", "--size"), 9007199254740993ULL);
  EXPECT_EQ(ParseBytes("18446744073709551615B", "--size"), UINT64_MAX);
  EXPECT_EQ(ParseBytes("0.25KiB", "--size"), 256u);
  EXPECT_EQ(ParseBytes(".5KiB", "--size"), 512u);
  EXPECT_EQ(ParseBytes("2.KiB", "--size"), 2048u);
  EXPECT_EQ(ParseBytes("0.001kB", "--size"), 1u);
  EXPECT_EQ(ParseBytes("1.000000000000000000GiB", "--size"), 1u << 30);
  // Not a whole number of bytes, even by a millionth; past 2^64 - 1; malformed numbers.
  for (const char* bad : {"1.0000001KiB", "0.0001kB", "18446744073709551616B", "16777216TiB",
                          "1..5KiB", ".KiB", "1.5.0MiB", "0.0000000000000000001B"}) {
    EXPECT_THROW(ParseBytes(bad, "--size"), UsageError) << bad;
  }
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
