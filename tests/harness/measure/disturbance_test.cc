// The disturbed rule on hand-made figures.
#include "harness/measure/disturbance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace feedbench {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr double kMiB = 1 << 20;

Figures Foreign(double device_mib, double foreign_mib) {
  Figures f;
  f.Set(Metric::kDeviceReadBytes, device_mib * kMiB);
  f.Set(Metric::kForeignReadBytes, foreign_mib * kMiB);
  f.Set(Metric::kForeignReadPct, device_mib == 0 ? 0 : foreign_mib / device_mib * 100);
  return f;
}

TEST(Disturbance, ForeignReadsAboveTheLimitDisturbAndTheReasonSaysHowMuch) {
  // 120 of 520 MiB foreign: 23%, above 10%.
  const auto reason = DisturbanceOf(Foreign(520, 120));
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason,
            "disturbed: foreign device reads 23% of the device's bytes (limit 10%): 120.0 MiB of "
            "520.0 MiB");
}

TEST(Disturbance, ForeignReadsAtOrBelowTheLimitDoNot) {
  EXPECT_FALSE(DisturbanceOf(Foreign(500, 50)).has_value());  // exactly 10%
  EXPECT_FALSE(DisturbanceOf(Foreign(500, 20)).has_value());
}

TEST(Disturbance, AFewForeignMebibytesBesideAWarmRunDoNot) {
  // A warm repetition reads almost nothing from the device: 2 MiB of a daemon's is 100% foreign,
  // but below the 16 MiB floor.
  EXPECT_FALSE(DisturbanceOf(Foreign(2, 2)).has_value());
  EXPECT_TRUE(DisturbanceOf(Foreign(20, 20)).has_value());
}

TEST(Disturbance, StealAboveTheLimitDisturbs) {
  Figures f = Foreign(500, 0);
  f.Set(Metric::kCpuStealPct, 5.0);
  EXPECT_FALSE(DisturbanceOf(f).has_value());
  f.Set(Metric::kCpuStealPct, 7.31);
  EXPECT_EQ(DisturbanceOf(f), "disturbed: CPU steal 7.3% of CPU time (limit 5%)");
}

TEST(Disturbance, OtherProcessesCpuTimeAboveTheLimitDisturbs) {
  Figures f = Foreign(500, 0);
  f.Set(Metric::kForeignCpuPct, 25.0);
  f.Set(Metric::kForeignCpuSec, 0.5);
  EXPECT_FALSE(DisturbanceOf(f).has_value());
  f.Set(Metric::kForeignCpuPct, 71.4);
  f.Set(Metric::kForeignCpuSec, 1.428);
  EXPECT_EQ(DisturbanceOf(f),
            "disturbed: other processes ran 71% of the CPU time (limit 25%): 1.43 CPU-s");
}

TEST(Disturbance, AShortWindowsFewForeignTicksDoNot) {
  // 60 ms on 2 CPUs is 12 ticks: three ticks of a kernel thread are 25%, and mean nothing.
  Figures f = Foreign(500, 0);
  f.Set(Metric::kForeignCpuPct, 50.0);
  f.Set(Metric::kForeignCpuSec, 0.06);
  EXPECT_FALSE(DisturbanceOf(f).has_value());
  f.Set(Metric::kForeignCpuSec, 0.25);
  EXPECT_TRUE(DisturbanceOf(f).has_value());
}

TEST(Disturbance, BothReasonsAreNamed) {
  Figures f = Foreign(100, 60);
  f.Set(Metric::kCpuStealPct, 12);
  const auto reason = DisturbanceOf(f);
  ASSERT_TRUE(reason.has_value());
  EXPECT_THAT(*reason, StartsWith("disturbed: foreign device reads 60%"));
  EXPECT_THAT(*reason, HasSubstr("; CPU steal 12.0%"));
}

TEST(Disturbance, PressureAndAbsentFiguresAreNotJudged) {
  Figures f;
  f.Set(Metric::kIoPressurePct, 95);
  f.Set(Metric::kCpuPressurePct, 80);
  EXPECT_FALSE(DisturbanceOf(f).has_value());
  DisturbanceLimits no_foreign_cpu;
  no_foreign_cpu.foreign_cpu_pct_limit = 0;
  EXPECT_FALSE(DisturbanceOf(f, no_foreign_cpu).has_value());  // absent, not judged as 0
}

TEST(Disturbance, LimitsAreParameters) {
  DisturbanceLimits strict;
  strict.foreign_read_pct_limit = 1;
  strict.foreign_read_min_bytes = 0;
  EXPECT_TRUE(DisturbanceOf(Foreign(500, 10), strict).has_value());
}

TEST(MarkIfDisturbed, MarksAValidRepetitionOnly) {
  RepetitionMeasurement m;
  m.figures = Foreign(520, 120);
  MarkIfDisturbed(m);
  EXPECT_EQ(m.state, RepetitionState::kDisturbed);
  EXPECT_THAT(m.reason, StartsWith("disturbed: foreign device reads 23%"));
  EXPECT_FALSE(m.valid());

  RepetitionMeasurement contaminated;
  contaminated.figures = Foreign(520, 120);
  contaminated.state = RepetitionState::kCacheContaminated;
  contaminated.reason = "cache_contaminated: ...";
  MarkIfDisturbed(contaminated);
  EXPECT_EQ(contaminated.state, RepetitionState::kCacheContaminated);
  EXPECT_EQ(contaminated.reason, "cache_contaminated: ...");

  RepetitionMeasurement quiet;
  quiet.figures = Foreign(520, 1);
  MarkIfDisturbed(quiet);
  EXPECT_TRUE(quiet.valid());
  EXPECT_TRUE(quiet.reason.empty());
}

}  // namespace
}  // namespace feedbench
