// One repetition with cache control and proof: cold is cold, warm is warm, tmpfs has no device.
#include "workloads/reader/workload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/base/errors.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::LoopExt4;
using testing::TempDir;

DatasetSpec Spec(uint64_t samples, std::string_view size) {
  DatasetSpec spec;
  spec.samples = samples;
  spec.sizes = ParseSizeSpec(size);
  spec.files_per_dir = 100;
  return spec;
}

EnsureOptions Quiet() {
  EnsureOptions options;
  options.progress = false;
  return options;
}

WorkloadOptions Options(CacheMode cache, Order order = Order::kRandom) {
  WorkloadOptions options;
  options.cache = cache;
  options.reader.order = order;
  options.reader.workers = 2;
  options.sample_interval = std::chrono::milliseconds(100);
  return options;
}

TEST(CacheContamination, OnlyAColdDiskRunBelowHalfIsContaminated) {
  EXPECT_TRUE(IsCacheContaminated(CacheMode::kCold, Layout::kFiles, 0.49));
  EXPECT_TRUE(IsCacheContaminated(CacheMode::kCold, Layout::kLmdb, 0.0));
  EXPECT_FALSE(IsCacheContaminated(CacheMode::kCold, Layout::kFiles, 0.5));
  EXPECT_FALSE(IsCacheContaminated(CacheMode::kCold, Layout::kFiles, 1.3));
  EXPECT_FALSE(IsCacheContaminated(CacheMode::kWarm, Layout::kFiles, 0.0));
  EXPECT_FALSE(IsCacheContaminated(CacheMode::kCold, Layout::kTmpfs, 0.0));
  EXPECT_FALSE(IsCacheContaminated(CacheMode::kCold, Layout::kFiles, std::nullopt));
}

TEST(CacheMode, ParsesColdAndWarm) {
  EXPECT_EQ(ParseCacheMode("cold"), CacheMode::kCold);
  EXPECT_EQ(ParseCacheMode("warm"), CacheMode::kWarm);
  EXPECT_THROW(ParseCacheMode("lukewarm"), UsageError);
}

TEST(PreparedDataset, TmpfsStagesOnceReportsNoDeviceAndRemovesTheStaging) {
  TempDir disk("/var/tmp"), shm("/dev/shm");
  const DatasetSpec spec = Spec(40, "8KiB");
  EnsureDataset(disk / "d", spec, Layout::kFiles, Quiet());
  StagingOptions staging;
  staging.tmpfs_dir = shm.path();
  fs::path root;
  {
    PreparedDataset prepared(disk / "d", Layout::kTmpfs, staging);
    root = prepared.read_root();
    EXPECT_EQ(root.parent_path(), shm.path());
    for (int rep = 0; rep < 2; ++rep) {
      const WorkloadResult r = prepared.RunOnce(Options(CacheMode::kCold));
      EXPECT_EQ(r.cache_method, "tmpfs");
      EXPECT_EQ(r.device, std::nullopt);
      EXPECT_EQ(r.device_read_ratio, std::nullopt);
      EXPECT_FALSE(r.cache_contaminated);
      EXPECT_EQ(r.reader.samples, 40u);
      EXPECT_EQ(r.reader.verify_error, std::nullopt);
      EXPECT_EQ(prepared.read_root(), root);  // staged once, kept across repetitions
    }
  }
  EXPECT_FALSE(fs::exists(root));
}

TEST(PreparedDataset, LayoutMustMatchTheDataset) {
  TempDir disk("/var/tmp"), shm("/dev/shm");
  EnsureDataset(disk / "lmdb", Spec(5, "4KiB"), Layout::kLmdb, Quiet());
  StagingOptions staging;
  staging.tmpfs_dir = shm.path();
  EXPECT_THROW(PreparedDataset(disk / "lmdb", Layout::kFiles), UsageError);
  EXPECT_THROW(PreparedDataset(disk / "lmdb", Layout::kTmpfs, staging), UsageError);
  EXPECT_THROW(PreparedDataset(disk / "nothing", Layout::kFiles), UsageError);
}

TEST(PreparedDataset, InvalidReaderOptionsAreUsageErrors) {
  TempDir disk("/var/tmp");
  EnsureDataset(disk / "d", Spec(5, "4KiB"), Layout::kFiles, Quiet());
  PreparedDataset prepared(disk / "d", Layout::kFiles);
  WorkloadOptions options = Options(CacheMode::kWarm);
  options.reader.workers = 0;
  EXPECT_THROW(prepared.RunOnce(options), UsageError);
}

TEST(PreparedDataset, ADeviceOverrideThatDiskstatsLacksIsAUsageError) {
  TempDir disk("/var/tmp");
  EnsureDataset(disk / "d", Spec(5, "4KiB"), Layout::kFiles, Quiet());
  PreparedDataset prepared(disk / "d", Layout::kFiles);
  WorkloadOptions options = Options(CacheMode::kWarm);
  options.device_override = "nosuchdisk9";
  EXPECT_THROW(prepared.RunOnce(options), UsageError);
}

// Root-only: a real ext4 on a loop device, so device reads are the workload's alone.
class OnLoopExt4 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = LoopExt4::Unavailable()) GTEST_SKIP() << *why;
    loop_ = std::make_unique<LoopExt4>(256);
  }
  fs::path Dir(const std::string& name) const { return loop_->mount_point() / name; }
  std::unique_ptr<LoopExt4> loop_;
};

TEST_F(OnLoopExt4, ColdFilesRunReadsEverythingFromTheDevice) {
  const DatasetSpec spec = Spec(400, "64KiB");
  EnsureDataset(Dir("d"), spec, Layout::kFiles, Quiet());
  PreparedDataset prepared(Dir("d"), Layout::kFiles);
  EXPECT_EQ(prepared.device(), loop_->name());
  const WorkloadResult r = prepared.RunOnce(Options(CacheMode::kCold));
  EXPECT_EQ(r.device, loop_->name());
  ASSERT_TRUE(r.device_read_ratio.has_value());
  EXPECT_GE(*r.device_read_ratio, 0.9) << "device read " << r.device_summary->read_bytes;
  EXPECT_FALSE(r.cache_contaminated);
  EXPECT_THAT(r.cache_method, ::testing::AnyOf("drop_caches", "fadvise_dontneed"));
  EXPECT_EQ(r.reader.bytes, TotalBytes(spec));
  EXPECT_EQ(r.reader.verify_error, std::nullopt);
  EXPECT_GT(r.device_summary->figures.r_per_sec, 0.0);
}

TEST_F(OnLoopExt4, ColdRunByEvictingTheFilesIsColdToo) {
  EnsureDataset(Dir("d"), Spec(400, "64KiB"), Layout::kFiles, Quiet());
  PreparedDataset prepared(Dir("d"), Layout::kFiles);
  WorkloadOptions options = Options(CacheMode::kCold);
  options.evict_only = true;
  prepared.RunOnce(Options(CacheMode::kWarm));  // everything cached first
  const WorkloadResult r = prepared.RunOnce(options);
  EXPECT_EQ(r.cache_method, "fadvise_dontneed");
  ASSERT_TRUE(r.device_read_ratio.has_value());
  EXPECT_GE(*r.device_read_ratio, 0.9);
}

// A warm run, retried a few times: another process on the machine may drop the whole page cache
// between the warm-up pass and the timed run (as every cold run does), which says nothing about
// this code. Warm must read nearly nothing at least once.
WorkloadResult WarmRun(PreparedDataset& prepared) {
  WorkloadResult best;
  for (int attempt = 0; attempt < 3; ++attempt) {
    WorkloadResult r = prepared.RunOnce(Options(CacheMode::kWarm));
    const bool good = r.device_read_ratio && *r.device_read_ratio < 0.05;
    if (attempt == 0 || good) best = std::move(r);
    if (good) break;
  }
  return best;
}

TEST_F(OnLoopExt4, WarmRunReadsNearlyNothingFromTheDevice) {
  EnsureDataset(Dir("d"), Spec(400, "64KiB"), Layout::kFiles, Quiet());
  PreparedDataset prepared(Dir("d"), Layout::kFiles);
  const WorkloadResult r = WarmRun(prepared);
  EXPECT_EQ(r.cache_method, "warm");
  ASSERT_TRUE(r.device_read_ratio.has_value());
  EXPECT_LT(*r.device_read_ratio, 0.05);
  EXPECT_FALSE(r.cache_contaminated);  // warm is never contaminated
}

TEST_F(OnLoopExt4, ColdLmdbRunAfterAPreviousRunInTheSameProcessIsStillCold) {
  const DatasetSpec spec = Spec(400, "64KiB");
  EnsureDataset(Dir("l"), spec, Layout::kLmdb, Quiet());
  PreparedDataset prepared(Dir("l"), Layout::kLmdb);
  for (const Order order : {Order::kRandom, Order::kSequential, Order::kRandom}) {
    for (const bool evict_only : {false, true}) {
      WorkloadOptions options = Options(CacheMode::kCold, order);
      options.evict_only = evict_only;
      const WorkloadResult r = prepared.RunOnce(options);
      ASSERT_TRUE(r.device_read_ratio.has_value());
      EXPECT_GE(*r.device_read_ratio, 0.9)
          << OrderName(order) << " " << r.cache_method << " read " << r.device_summary->read_bytes;
      EXPECT_EQ(r.reader.bytes, TotalBytes(spec));
      EXPECT_EQ(r.reader.verify_error, std::nullopt);
    }
  }
}

TEST_F(OnLoopExt4, AWarmRunIsNotMarkedAndAColdOneOnACachedDatasetWouldBe) {
  // The proof works both ways: with the cache left full, reading "cold" without a drop shows a
  // ratio near 0, which the rule marks.
  EnsureDataset(Dir("d"), Spec(400, "64KiB"), Layout::kFiles, Quiet());
  PreparedDataset prepared(Dir("d"), Layout::kFiles);
  const WorkloadResult warm = WarmRun(prepared);
  EXPECT_FALSE(warm.cache_contaminated);  // RunOnce applied the rule: warm is never marked
  EXPECT_TRUE(IsCacheContaminated(CacheMode::kCold, Layout::kFiles, warm.device_read_ratio));
}

}  // namespace
}  // namespace feedbench
