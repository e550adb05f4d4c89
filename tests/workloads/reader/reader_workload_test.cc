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

}  // namespace
}  // namespace feedbench
