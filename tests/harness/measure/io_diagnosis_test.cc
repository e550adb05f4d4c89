#include "harness/measure/io_diagnosis.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

using ::testing::HasSubstr;

// One interval of a device reading `r_per_sec` reads of `rareq_kb` kB each, waiting `r_await_ms`.
SampleRow Interval(double offset_sec, double r_per_sec, double rareq_kb, double r_await_ms,
                   double aqu_sz, double util_pct) {
  SampleRow row;
  row.offset_sec = offset_sec;
  row.device = "vda";
  row.figures.r_per_sec = r_per_sec;
  row.figures.rareq_kb = rareq_kb;
  row.figures.rkb_per_sec = r_per_sec * rareq_kb;
  row.figures.r_await_ms = r_await_ms;
  row.figures.aqu_sz = aqu_sz;
  row.figures.util_pct = util_pct;
  return row;
}

const SignReading& Sign(const DeviceDiagnosis& d, SignKind kind) {
  for (const SignReading& r : d.signs) {
    if (r.sign == kind) return r;
  }
  throw std::logic_error("no such sign");
}

DeviceTraits VirtualDisk() { return TraitsFromDevice("vda", /*rotational=*/true); }

TEST(DiagnosisThresholds, DefaultsAreTheFieldGuidesTable) {
  const auto v = ThresholdValues(DiagnosisThresholds{});
  EXPECT_EQ(v.at("util_healthy_pct"), 70);
  EXPECT_EQ(v.at("util_saturated_pct"), 85);
  EXPECT_EQ(v.at("await_healthy_ms"), 10);
  EXPECT_EQ(v.at("await_queueing_ms"), 20);
  EXPECT_EQ(v.at("aqu_deep"), 4);
  EXPECT_EQ(v.size(), 9u);
}

TEST(DiagnosisThresholds, AFileOverridesTheKeysItNamesAndKeepsTheRest) {
  const auto t = ParseThresholds(R"({"await_queueing_ms": 30, "sustained_share": 0.25})", "t.json");
  EXPECT_EQ(t.await_queueing_ms, 30);
  EXPECT_EQ(t.sustained_share, 0.25);
  EXPECT_EQ(t.util_saturated_pct, 85);
}

TEST(DiagnosisThresholds, BadFilesAreUsageErrorsNamingTheFileAndKey) {
  auto message = [](std::string_view text) {
    try {
      ParseThresholds(text, "t.json");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message("{not json"), HasSubstr("--thresholds t.json: not JSON"));
  EXPECT_THAT(message("[1, 2]"), HasSubstr("expected a JSON object"));
  EXPECT_THAT(message(R"({"await_ms": 5})"), HasSubstr("unknown sign threshold 'await_ms'"));
  EXPECT_THAT(message(R"({"await_ms": 5})"), HasSubstr("await_queueing_ms"));  // lists the known
  EXPECT_THAT(message(R"({"util_saturated_pct": 150})"), HasSubstr("util_saturated_pct is 150"));
  EXPECT_THAT(message(R"({"aqu_deep": "four"})"), HasSubstr("aqu_deep is \"four\""));
  EXPECT_THAT(message(R"({"aqu_deep": 0})"), HasSubstr("expected a number above 0"));
  EXPECT_THAT(message(R"({"sustained_share": 1.5})"), HasSubstr("at most 1"));
  EXPECT_THAT(message(R"({"await_healthy_ms": 40})"),
              HasSubstr("await_healthy_ms 40 is above await_queueing_ms 20"));
  EXPECT_THAT(message(R"({"util_healthy_pct": 90})"),
              HasSubstr("util_healthy_pct 90 is above util_saturated_pct 85"));
}

TEST(DeviceTraits, OnlyARotationalScsiDiskIsJudgedByUtil) {
  EXPECT_FALSE(TraitsFromDevice("sda", true).serves_in_parallel);
  EXPECT_TRUE(TraitsFromDevice("sda", false).serves_in_parallel);  // a SATA SSD
  EXPECT_TRUE(TraitsFromDevice("vda", true).serves_in_parallel);   // virtio says rotational
  EXPECT_TRUE(TraitsFromDevice("nvme0n1", false).serves_in_parallel);
  EXPECT_TRUE(TraitsFromDevice("loop3", true).serves_in_parallel);
  EXPECT_THAT(TraitsFromDevice("vda", true).kind_text, HasSubstr("virtual disk vda"));
  EXPECT_THAT(TraitsFromDevice("nvme0n1", false).kind_text, HasSubstr("NVMe"));
}

TEST(SignTally, CountsEachSignOverTheIntervalsWhereItCanHold) {
  const DiagnosisThresholds t;
  const DeviceTraits traits = VirtualDisk();
  SignTally tally;
  tally.Add(Interval(0, 0, 0, 0, 0, 0), t, traits);  // the edge row at Start: no time, left out
  // 10 intervals: 6 queueing (r_await 30 ms > 20), 2 idle (no reads), 2 reading quickly.
  for (int i = 1; i <= 6; ++i) tally.Add(Interval(i, 2000, 16, 30, 6, 99), t, traits);
  tally.Add(Interval(7, 0, 0, 0, 0, 0), t, traits);
  tally.Add(Interval(8, 0, 0, 0, 0, 0), t, traits);
  tally.Add(Interval(9, 100, 512, 2, 0.5, 20), t, traits);
  tally.Add(Interval(10, 100, 512, 2, 0.5, 20), t, traits);
  tally.Add(Interval(10, 100, 512, 90, 9, 100), t, traits);  // same offset again: left out
  EXPECT_EQ(tally.intervals, 10u);
  EXPECT_EQ(tally.reading_intervals, 8u);
  EXPECT_EQ(tally.held[SignKind::kQueueing], 6u);
  EXPECT_EQ(tally.held[SignKind::kDeepQueue], 6u);
  EXPECT_EQ(tally.held[SignKind::kSaturated], 6u);
  EXPECT_EQ(tally.held[SignKind::kManySmallReads], 6u);  // 16 kB < 32 at 2000 r/s > 500
  EXPECT_EQ(tally.held.count(SignKind::kFarBelowCeiling), 0u);  // no ceiling: never holds
}

TEST(Diagnose, SmallRandomReadsQueueingAreSustainedAndPointToPacking) {
  const DiagnosisThresholds t;
  const DeviceTraits traits = VirtualDisk();
  SignTally tally;
  for (int i = 1; i <= 6; ++i) tally.Add(Interval(i, 2000, 16, 30, 6, 99), t, traits);
  tally.Add(Interval(7, 0, 0, 0, 0, 0), t, traits);
  tally.Add(Interval(8, 0, 0, 0, 0, 0), t, traits);
  tally.Add(Interval(9, 100, 512, 2, 0.5, 20), t, traits);
  tally.Add(Interval(10, 100, 512, 2, 0.5, 20), t, traits);
  IostatFigures window;
  window.r_per_sec = 1220;
  window.rareq_kb = 21.7;
  window.r_await_ms = 29.6;
  window.aqu_sz = 3.7;
  window.util_pct = 63.4;
  const DeviceDiagnosis d = Diagnose("vda", window, tally, t, traits);
  ASSERT_EQ(d.signs.size(), 5u);

  const SignReading& queueing = Sign(d, SignKind::kQueueing);
  EXPECT_EQ(queueing.verdict, SignVerdict::kSustained);  // 6 of 8 reading intervals ≥ 50%
  EXPECT_EQ(queueing.held, 6u);
  EXPECT_EQ(queueing.eligible, 8u);
  EXPECT_DOUBLE_EQ(queueing.Share(), 0.75);
  EXPECT_DOUBLE_EQ(*queueing.window_value, 29.6);
  EXPECT_THAT(queueing.threshold_text, HasSubstr("above 20 ms (healthy below 10 ms)"));

  const SignReading& deep = Sign(d, SignKind::kDeepQueue);
  EXPECT_EQ(deep.verdict, SignVerdict::kSustained);  // 6 of all 10 intervals
  EXPECT_EQ(deep.eligible, 10u);

  const SignReading& util = Sign(d, SignKind::kSaturated);
  EXPECT_EQ(util.verdict, SignVerdict::kNotJudged);
  EXPECT_THAT(util.reason, HasSubstr("virtual disk vda"));
  EXPECT_THAT(util.reason, HasSubstr("judged by await and aqu-sz"));

  EXPECT_EQ(Sign(d, SignKind::kFarBelowCeiling).verdict, SignVerdict::kNotJudged);
  EXPECT_THAT(Sign(d, SignKind::kFarBelowCeiling).reason, HasSubstr("--ceiling"));
  EXPECT_EQ(Sign(d, SignKind::kManySmallReads).verdict, SignVerdict::kSustained);

  EXPECT_THAT(d.advice, HasSubstr("small random reads queueing on vda"));
  EXPECT_THAT(d.advice, HasSubstr("pack the samples"));
  EXPECT_THAT(d.advice, HasSubstr("feedbench run --suite layouts"));
}

TEST(Diagnose, ASignInFewerThanHalfTheIntervalsIsAtTimesAndNoneIsNo) {
  const DiagnosisThresholds t;
  const DeviceTraits traits = TraitsFromDevice("sda", /*rotational=*/true);
  SignTally tally;
  tally.Add(Interval(1, 100, 512, 25, 1, 90), t, traits);  // queueing and saturated once
  for (int i = 2; i <= 4; ++i) tally.Add(Interval(i, 100, 512, 5, 1, 40), t, traits);
  const DeviceDiagnosis d = Diagnose("sda", IostatFigures{}, tally, t, traits);
  EXPECT_EQ(Sign(d, SignKind::kQueueing).verdict, SignVerdict::kAtTimes);
  EXPECT_EQ(Sign(d, SignKind::kSaturated).verdict, SignVerdict::kAtTimes);  // judged on sda
  EXPECT_EQ(Sign(d, SignKind::kDeepQueue).verdict, SignVerdict::kNo);
  EXPECT_EQ(Sign(d, SignKind::kManySmallReads).verdict, SignVerdict::kNo);
  // A lower sustained share makes the same one interval in four sustained.
  DiagnosisThresholds quarter;
  quarter.sustained_share = 0.25;
  EXPECT_EQ(Sign(Diagnose("sda", IostatFigures{}, tally, quarter, traits), SignKind::kQueueing)
                .verdict,
            SignVerdict::kSustained);
}

TEST(Diagnose, FarBelowAKnownCeilingWithShortQueuesPointsAtTheLoader) {
  const DiagnosisThresholds t;
  DeviceTraits traits = VirtualDisk();
  traits.read_ceiling_bytes_per_sec = 1e9;  // 1 GB/s
  traits.ceiling_source = "seq-read in fio.json";
  SignTally tally;
  // 100 reads/s × 1024 kB = 104,857,600 bytes/s: 10.5% of the ceiling, short queues.
  for (int i = 1; i <= 4; ++i) tally.Add(Interval(i, 100, 1024, 3, 0.4, 30), t, traits);
  IostatFigures window;
  window.r_per_sec = 100;
  window.rkb_per_sec = 102400;
  window.rareq_kb = 1024;
  const DeviceDiagnosis d = Diagnose("vda", window, tally, t, traits);
  const SignReading& ceiling = Sign(d, SignKind::kFarBelowCeiling);
  EXPECT_EQ(ceiling.verdict, SignVerdict::kSustained);
  EXPECT_EQ(ceiling.held, 4u);
  EXPECT_NEAR(*ceiling.window_value, 100 * 102400 * 1024.0 / 1e9, 1e-9);
  EXPECT_THAT(ceiling.threshold_text, HasSubstr("1000 MB/s, seq-read in fio.json"));
  EXPECT_THAT(d.advice, HasSubstr("vda is not the bottleneck"));
  EXPECT_THAT(d.advice, HasSubstr("10% of its read ceiling"));
}

TEST(Diagnose, AnIdleWindowJudgesNoReadSignAndAdvisesNothingItCannotSee) {
  const DiagnosisThresholds t;
  const DeviceTraits traits = VirtualDisk();
  SignTally tally;
  for (int i = 1; i <= 3; ++i) tally.Add(Interval(i, 0, 0, 0, 0, 0), t, traits);
  const DeviceDiagnosis d = Diagnose("vda", IostatFigures{}, tally, t, traits);
  EXPECT_EQ(Sign(d, SignKind::kQueueing).verdict, SignVerdict::kNotJudged);
  EXPECT_EQ(Sign(d, SignKind::kQueueing).reason, "no interval had reads");
  EXPECT_EQ(Sign(d, SignKind::kDeepQueue).verdict, SignVerdict::kNo);
  EXPECT_THAT(d.advice, HasSubstr("no sign of limiting the job"));
  // No interval at all: nothing judged, no advice.
  EXPECT_EQ(Diagnose("vda", IostatFigures{}, SignTally{}, t, traits).advice, "");
}

}  // namespace
}  // namespace feedbench
