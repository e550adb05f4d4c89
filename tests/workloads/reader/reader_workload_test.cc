#include "workloads/reader/reader_workload.h"

#include <gtest/gtest.h>

namespace feedbench {
namespace {

WorkloadResult ColdByEviction(double ratio) {
  WorkloadResult r;
  r.reader.samples = 100;
  r.reader.bytes = 1000000;
  r.cache_method = "fadvise_dontneed";
  r.device = "vda";
  WindowSummary summary;
  summary.device = "vda";
  summary.read_bytes = static_cast<uint64_t>(ratio * 1e6);
  r.device_summary = summary;
  r.device_read_ratio = ratio;
  r.cache_contaminated = IsCacheContaminated(CacheMode::kCold, Layout::kFiles, ratio);
  return r;
}

TEST(ReaderMeasurement, AContaminatedRepetitionNamesTheFilesThatCouldNotBeEvicted) {
  WorkloadResult r = ColdByEviction(0.1);
  r.eviction_problem = "eviction failed for 1 of 40 files: /d/a: fdatasync: Input/output error";
  const RepetitionMeasurement m = ToMeasurement(r);
  EXPECT_EQ(m.state, RepetitionState::kCacheContaminated);
  EXPECT_EQ(m.reason.rfind("cache_contaminated: device read ratio 0.100 < 0.5", 0), 0u) << m.reason;
  EXPECT_NE(m.reason.find("/d/a: fdatasync: Input/output error"), std::string::npos) << m.reason;
}

TEST(ReaderMeasurement, AColdRepetitionTheDeviceDeliveredIsValid) {
  const RepetitionMeasurement m = ToMeasurement(ColdByEviction(1.02));
  EXPECT_EQ(m.state, RepetitionState::kValid);
  EXPECT_TRUE(m.reason.empty());
  EXPECT_EQ(m.figures.Get(Metric::kDeviceReadRatio), 1.02);
  EXPECT_EQ(m.label, "fadvise_dontneed vda");
}

TEST(ReaderMeasurement, AnEpochBelowHalfContaminatesTheRepetitionAndIsNamed) {
  WorkloadResult r = ColdByEviction(0.8);  // the repetition as a whole is above 0.5
  r.epoch_device_read_ratios = {1.0, 1.0, 0.4};
  r.contaminated_epoch = 2;
  r.cache_contaminated = true;
  const RepetitionMeasurement m = ToMeasurement(r);
  EXPECT_EQ(m.state, RepetitionState::kCacheContaminated);
  EXPECT_EQ(m.reason.rfind("cache_contaminated: epoch 3 of 3 has a device read ratio 0.400 < 0.5", 0), 0u)
      << m.reason;
  EXPECT_EQ(m.figures.Get(Metric::kEpochReadRatioMin), 0.4);
  EXPECT_EQ(m.label, "fadvise_dontneed vda, epoch read ratios 1.000 1.000 0.400");
}

TEST(ReaderMeasurement, AVerificationFailureWinsOverContamination) {
  WorkloadResult r = ColdByEviction(0.1);
  r.reader.verify_error = "sample 17: checksum mismatch";
  const RepetitionMeasurement m = ToMeasurement(r);
  EXPECT_EQ(m.state, RepetitionState::kVerificationFailed);
  EXPECT_EQ(m.reason, "verify: sample 17: checksum mismatch");
}

// ---- The warm control ----

WorkloadResult Warm(double samples_per_sec, double device_ratio) {
  WorkloadResult r;
  r.reader.samples = 100;
  r.reader.bytes = 1000000;
  r.reader.samples_per_sec = samples_per_sec;
  r.cache_method = "warm";
  r.device = "vda";
  r.device_read_ratio = device_ratio;
  return r;
}

RepetitionMeasurement ColdAt(double samples_per_sec) {
  WorkloadResult cold = ColdByEviction(1.0);
  cold.reader.samples_per_sec = samples_per_sec;
  return ToMeasurement(cold);
}

TEST(WarmControl, AddsTheWarmRateAndTheColdShareOfIt) {
  RepetitionMeasurement m = ColdAt(1200);
  AddWarmControl(Warm(9600, 0.001), m);
  EXPECT_EQ(m.figures.Get(Metric::kWarmSamplesPerSecond), 9600);
  EXPECT_DOUBLE_EQ(*m.figures.Get(Metric::kWarmEfficiencyPct), 12.5);  // 100 x 1200 / 9600
  EXPECT_EQ(m.label, "fadvise_dontneed vda");
  EXPECT_EQ(m.state, RepetitionState::kValid);
}

TEST(WarmControl, AWarmReadThatReadTheDeviceIsNoControl) {
  // 6% of its bytes came from the device: the page cache did not hold the dataset.
  RepetitionMeasurement m = ColdAt(1200);
  AddWarmControl(Warm(5000, 0.06), m);
  EXPECT_FALSE(m.figures.Get(Metric::kWarmSamplesPerSecond));
  EXPECT_FALSE(m.figures.Get(Metric::kWarmEfficiencyPct));
  EXPECT_EQ(m.label,
            "fadvise_dontneed vda; no warm control: it read 6.0% of its bytes from the device "
            "(more than 5%): the page cache did not hold the dataset");
  EXPECT_EQ(m.state, RepetitionState::kValid);  // the cold repetition itself stands
}

TEST(WarmControl, AWarmReadThatFailedVerificationOrReadNothingIsNoControl) {
  RepetitionMeasurement failed = ColdAt(1200);
  WorkloadResult bad = Warm(9600, 0);
  bad.reader.verify_error = "sample 3: checksum mismatch";
  AddWarmControl(bad, failed);
  EXPECT_FALSE(failed.figures.Get(Metric::kWarmEfficiencyPct));
  EXPECT_NE(failed.label.find("no warm control: its read failed verification: sample 3"),
            std::string::npos)
      << failed.label;

  RepetitionMeasurement empty = ColdAt(1200);
  AddWarmControl(Warm(0, 0), empty);
  EXPECT_FALSE(empty.figures.Get(Metric::kWarmEfficiencyPct));
  EXPECT_NE(empty.label.find("no warm control: it read nothing"), std::string::npos);
}

TEST(WarmControl, AtExactlyTheLimitItStillCounts) {
  RepetitionMeasurement m = ColdAt(1000);
  AddWarmControl(Warm(8000, kWarmControlMaxDeviceShare), m);
  EXPECT_DOUBLE_EQ(*m.figures.Get(Metric::kWarmEfficiencyPct), 12.5);
}

}  // namespace
}  // namespace feedbench
