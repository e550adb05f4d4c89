// Parsing /proc/pressure/{io,cpu}: pressure stall information.
#include "harness/os/pressure.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

// /proc/pressure/io on this VM (kernel 6.18).
constexpr std::string_view kIo =
    "some avg10=0.03 avg60=1.83 avg300=2.52 total=258380564\n"
    "full avg10=0.01 avg60=1.06 avg300=1.37 total=161026571\n";

TEST(Pressure, ParsesSomeAndFull) {
  const auto p = ParsePressure(kIo);
  ASSERT_TRUE(p.has_value());
  EXPECT_DOUBLE_EQ(p->some.avg10_pct, 0.03);
  EXPECT_EQ(p->some.total_us, 258380564u);
  ASSERT_TRUE(p->full.has_value());
  EXPECT_DOUBLE_EQ(p->full->avg10_pct, 0.01);
  EXPECT_EQ(p->full->total_us, 161026571u);
}

TEST(Pressure, CpuBefore513HasOnlySome) {
  const auto p = ParsePressure("some avg10=83.48 avg60=38.20 avg300=13.65 total=544774107\n");
  ASSERT_TRUE(p.has_value());
  EXPECT_DOUBLE_EQ(p->some.avg10_pct, 83.48);
  EXPECT_FALSE(p->full.has_value());
}

TEST(Pressure, AMalformedSomeLineIsNothing) {
  EXPECT_FALSE(ParsePressure("some avg10=0.03 avg60=1.83 avg300=2.52\n").has_value());
  EXPECT_FALSE(ParsePressure("some avg10=x total=5\n").has_value());
  EXPECT_FALSE(ParsePressure("full avg10=0.00 total=5\n").has_value());
  EXPECT_FALSE(ParsePressure("").has_value());
}

TEST(Pressure, AKernelWithoutPsiHasNoFiles) {
  testing::TempDir dir;
  EXPECT_FALSE(ReadPressure("io", dir.path()).has_value());
  std::ofstream(dir / "io") << kIo;
  ASSERT_TRUE(ReadPressure("io", dir.path()).has_value());
  EXPECT_EQ(ReadPressure("io", dir.path())->some.total_us, 258380564u);
}

}  // namespace
}  // namespace feedbench
