// The reader engine: epochs, ordering, batching, verification, layouts and AU.
#include "workloads/reader/reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "harness/base/errors.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/sample_store.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

DatasetSpec Spec(uint64_t samples, std::string_view size) {
  DatasetSpec spec;
  spec.samples = samples;
  spec.sizes = ParseSizeSpec(size);
  spec.seed = 3;
  spec.files_per_dir = 32;
  return spec;
}

EnsureOptions Quiet() {
  EnsureOptions options;
  options.progress = false;
  return options;
}

// A dataset on tmpfs (fast and independent of the disk), files layout.
struct FilesDataset {
  explicit FilesDataset(const DatasetSpec& s) : spec(s) {
    EnsureDataset(tmp / "d", spec, Layout::kFiles, Quiet());
    store = OpenFilesStore(tmp / "d", spec);
  }
  TempDir tmp{"/dev/shm"};
  DatasetSpec spec;
  std::unique_ptr<SampleStore> store;
};

TEST(EpochOrder, SequentialIsStorageOrder) {
  EXPECT_EQ(EpochOrder(5, Order::kSequential, 1, 0), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(EpochOrder(5, Order::kSequential, 1, 3), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
}

TEST(EpochOrder, RandomIsAPermutationDifferentEachEpochAndSeededDeterministically) {
  const auto e0 = EpochOrder(1000, Order::kRandom, 7, 0);
  const auto e1 = EpochOrder(1000, Order::kRandom, 7, 1);
  EXPECT_EQ(std::set<uint64_t>(e0.begin(), e0.end()).size(), 1000u);
  EXPECT_EQ(std::set<uint64_t>(e1.begin(), e1.end()).size(), 1000u);
  EXPECT_NE(e0, e1);
  EXPECT_NE(e0, EpochOrder(1000, Order::kSequential, 7, 0));
  EXPECT_EQ(e0, EpochOrder(1000, Order::kRandom, 7, 0));
  EXPECT_NE(e0, EpochOrder(1000, Order::kRandom, 8, 0));
}

TEST(Reader, ReadsEverySampleExactlyOncePerEpoch) {
  FilesDataset ds(Spec(203, "2KiB"));
  ReaderOptions options;
  options.workers = 4;
  options.batch_size = 10;
  options.epochs = 3;
  std::mutex mutex;
  std::map<std::pair<int, uint64_t>, int> seen;
  options.on_sample = [&](int epoch, uint64_t index) {
    std::lock_guard lock(mutex);
    ++seen[{epoch, index}];
  };
  const ReaderResult r = RunReader(*ds.store, ds.spec, options);
  EXPECT_EQ(r.verify_error, std::nullopt);
  EXPECT_EQ(r.samples, 3u * 203);
  EXPECT_EQ(r.bytes, 3u * 203 * 2048);
  EXPECT_EQ(r.batches, 3u * 21);  // 20 full batches and a short one per epoch
  ASSERT_EQ(seen.size(), 3u * 203);
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key.first << "/" << key.second;
}

// --rank-data shard: ranks that cut the same seeded epoch orders each read a part; together they
// read every sample exactly once per epoch, and each part is the size the cut promises.
TEST(Reader, RankSlicesCoverEverySampleExactlyOncePerEpoch) {
  FilesDataset ds(Spec(203, "2KiB"));
  constexpr int kRanks = 4;
  std::mutex mutex;
  std::map<std::pair<int, uint64_t>, int> seen;
  uint64_t samples = 0;
  for (int rank = 0; rank < kRanks; ++rank) {
    ReaderOptions options;
    options.workers = 3;
    options.batch_size = 10;
    options.epochs = 2;
    options.shuffle_seed = 11;  // the same on every rank
    options.slice = {rank, kRanks};
    std::map<int, uint64_t> per_epoch;
    options.on_sample = [&](int epoch, uint64_t index) {
      std::lock_guard lock(mutex);
      ++seen[{epoch, index}];
      ++per_epoch[epoch];
    };
    const ReaderResult r = RunReader(*ds.store, ds.spec, options);
    EXPECT_EQ(r.verify_error, std::nullopt);
    const uint64_t part = options.slice.End(203) - options.slice.Begin(203);
    EXPECT_GE(part, 50u);
    EXPECT_LE(part, 51u);
    EXPECT_EQ(per_epoch[0], part) << "rank " << rank;
    EXPECT_EQ(per_epoch[1], part) << "rank " << rank;
    samples += r.samples;
  }
  EXPECT_EQ(samples, 2u * 203);
  ASSERT_EQ(seen.size(), 2u * 203);
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key.first << "/" << key.second;
}

TEST(Reader, MoreRanksThanSamplesIsAUsageErrorNamingRankData) {
  FilesDataset ds(Spec(3, "2KiB"));
  ReaderOptions options;
  options.slice = {0, 4};  // 3 samples cut in 4: part 0 is empty
  try {
    RunReader(*ds.store, ds.spec, options);
    FAIL() << "an empty part was read";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--rank-data shard: 4 ranks share 3 samples"));
  }
}

// Epochs run one at a time (a cold repetition) read the orders one run of every epoch reads, and
// their combined result is that run's: the same samples, bytes and content.
TEST(Reader, EpochsRunOneAtATimeCombineToOneRunOfEveryEpoch) {
  FilesDataset ds(Spec(50, "4KiB"));
  ReaderOptions options;
  options.epochs = 3;
  options.batch_size = 7;
  std::mutex mutex;
  std::vector<std::pair<int, uint64_t>> whole, parts;
  options.on_sample = [&](int epoch, uint64_t index) {
    std::lock_guard lock(mutex);
    whole.emplace_back(epoch, index);
  };
  const ReaderResult one = RunReader(*ds.store, ds.spec, options);
  std::vector<ReaderResult> epochs;
  options.on_sample = [&](int epoch, uint64_t index) {
    std::lock_guard lock(mutex);
    parts.emplace_back(epoch, index);
  };
  for (int e = 0; e < 3; ++e) {
    ReaderOptions single = options;
    single.epochs = 1;
    single.first_epoch = e;
    epochs.push_back(RunReader(*ds.store, ds.spec, single));
  }
  const ReaderResult combined = CombineRuns(epochs);
  EXPECT_EQ(parts, whole);  // one worker: the same epochs in the same orders
  EXPECT_EQ(combined.samples, one.samples);
  EXPECT_EQ(combined.bytes, one.bytes);
  EXPECT_EQ(combined.batches, one.batches);
  EXPECT_EQ(combined.content_digest, one.content_digest);
  EXPECT_EQ(combined.latency.count(), 150u);
  EXPECT_DOUBLE_EQ(combined.wall_sec,
                   epochs[0].wall_sec + epochs[1].wall_sec + epochs[2].wall_sec);
  EXPECT_DOUBLE_EQ(combined.samples_per_sec, 150 / combined.wall_sec);
  EXPECT_EQ(combined.lat_max_us,
            std::max({epochs[0].lat_max_us, epochs[1].lat_max_us, epochs[2].lat_max_us}));
}

TEST(Reader, RandomOrderDiffersBetweenEpochs) {
  FilesDataset ds(Spec(100, "1KiB"));
  ReaderOptions options;
  options.workers = 1;
  options.epochs = 2;
  std::vector<std::vector<uint64_t>> order(2);
  options.on_sample = [&](int epoch, uint64_t index) { order[epoch].push_back(index); };
  RunReader(*ds.store, ds.spec, options);
  EXPECT_EQ(order[0], EpochOrder(100, Order::kRandom, options.shuffle_seed, 0));
  EXPECT_EQ(order[1], EpochOrder(100, Order::kRandom, options.shuffle_seed, 1));
  EXPECT_NE(order[0], order[1]);
}

TEST(Reader, SequentialOrderReadsInStorageOrder) {
  FilesDataset ds(Spec(50, "1KiB"));
  ReaderOptions options;
  options.order = Order::kSequential;
  std::vector<uint64_t> order;
  options.on_sample = [&](int, uint64_t index) { order.push_back(index); };
  RunReader(*ds.store, ds.spec, options);
  EXPECT_EQ(order, EpochOrder(50, Order::kSequential, 0, 0));
}

TEST(Reader, FilesAndLmdbDeliverIdenticalSamples) {
  TempDir tmp("/dev/shm");
  const DatasetSpec spec = Spec(300, "uniform:100B:40KiB");
  EnsureDataset(tmp / "files", spec, Layout::kFiles, Quiet());
  EnsureDataset(tmp / "lmdb", spec, Layout::kLmdb, Quiet());
  for (const Order order : {Order::kRandom, Order::kSequential}) {
    ReaderOptions options;
    options.order = order;
    options.workers = 3;
    options.batch_size = 7;
    const auto files = OpenFilesStore(tmp / "files", spec);
    const auto lmdb =
        OpenLmdbStore(tmp / "lmdb", spec,
                      order == Order::kRandom ? LmdbAccess::kRandom : LmdbAccess::kSequential);
    const ReaderResult a = RunReader(*files, spec, options);
    const ReaderResult b = RunReader(*lmdb, spec, options);
    EXPECT_EQ(a.verify_error, std::nullopt);
    EXPECT_EQ(b.verify_error, std::nullopt);
    EXPECT_EQ(a.samples, 300u);
    EXPECT_EQ(a.bytes, TotalBytes(spec));
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.content_digest, b.content_digest);
    EXPECT_NE(a.content_digest, 0u);
  }
}

TEST(Reader, VerifyReportsTheBadSampleByIndexAndPath) {
  FilesDataset ds(Spec(40, "4KiB"));
  const fs::path victim = SampleFilePath(ds.tmp / "d", ds.spec, 21);
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3000);
    f.put('\x42');
  }
  ReaderOptions options;
  options.workers = 2;
  const ReaderResult r = RunReader(*ds.store, ds.spec, options);
  ASSERT_TRUE(r.verify_error.has_value());
  EXPECT_THAT(*r.verify_error, HasSubstr("sample 21 (" + victim.string() + ")"));
  EXPECT_THAT(*r.verify_error, HasSubstr("checksum"));
  // Without verification the same run completes.
  options.verify = false;
  EXPECT_EQ(RunReader(*ds.store, ds.spec, options).samples, 40u);
}

TEST(Reader, VerifyCatchesATruncatedFile) {
  FilesDataset ds(Spec(10, "4KiB"));
  fs::resize_file(SampleFilePath(ds.tmp / "d", ds.spec, 6), 100);
  const ReaderResult r = RunReader(*ds.store, ds.spec, ReaderOptions{});
  EXPECT_THAT(r.verify_error.value_or(""), HasSubstr("sample 6 ("));
  EXPECT_THAT(r.verify_error.value_or(""), HasSubstr("length 100 bytes"));
}

TEST(Reader, AMissingSampleIsARunErrorNamingIt) {
  FilesDataset ds(Spec(10, "4KiB"));
  fs::remove(SampleFilePath(ds.tmp / "d", ds.spec, 4));
  ReaderOptions options;
  options.workers = 2;
  try {
    RunReader(*ds.store, ds.spec, options);
    FAIL() << "no RunError";
  } catch (const RunError& e) {
    EXPECT_THAT(e.what(), HasSubstr("sample 4 ("));
    EXPECT_THAT(e.what(), HasSubstr("No such file"));
  }
}

TEST(Reader, AuIsNearFullWithLargeComputeOnATinyTmpfsDataset) {
  FilesDataset ds(Spec(64, "4KiB"));
  ReaderOptions options;
  options.workers = 2;
  options.batch_size = 8;
  options.prefetch = 4;
  options.compute_ms_per_batch = 40;
  const ReaderResult r = RunReader(*ds.store, ds.spec, options);
  EXPECT_EQ(r.batches, 8u);
  EXPECT_DOUBLE_EQ(r.compute_sec, 8 * 0.040);
  EXPECT_GT(r.au_pct, 80.0);
  EXPECT_LE(r.au_pct, 100.0);
}

TEST(Reader, SeveralAcceleratorsShareTheBatchesAndAuIsTheirMean) {
  FilesDataset ds(Spec(64, "4KiB"));
  ReaderOptions options;
  options.workers = 2;
  options.batch_size = 8;
  options.prefetch = 4;
  options.compute_ms_per_batch = 40;
  options.consumers = 4;
  std::atomic<int> delivered{0};
  options.on_sample = [&](int, uint64_t) { ++delivered; };
  const ReaderResult r = RunReader(*ds.store, ds.spec, options);
  EXPECT_EQ(r.consumers, 4);
  EXPECT_EQ(r.batches, 8u);  // every batch taken once, by one of the four
  EXPECT_EQ(r.samples, 64u);
  EXPECT_EQ(delivered.load(), 64);
  EXPECT_DOUBLE_EQ(r.compute_sec, 8 * 0.040);  // summed over the accelerators
  // Four accelerators share 8 steps of 40 ms: the wall time is at least 2 steps, and AU is the
  // mean accelerator's compute over the wall time.
  EXPECT_GE(r.wall_sec, 2 * 0.040);
  EXPECT_DOUBLE_EQ(r.au_pct, 100.0 * r.compute_sec / (4 * r.wall_sec));
  EXPECT_LE(r.au_pct, 100.0);
}

TEST(Reader, MaxBatchesStopsAfterThatManySteps) {
  FilesDataset ds(Spec(200, "4KiB"));
  ReaderOptions options;
  options.workers = 2;
  options.batch_size = 10;
  options.consumers = 3;
  options.max_batches = 7;
  const ReaderResult r = RunReader(*ds.store, ds.spec, options);
  EXPECT_EQ(r.batches, 7u);
  EXPECT_EQ(r.samples, 70u);
  EXPECT_EQ(r.bytes, 70u * 4096);
}

TEST(Reader, AuIsLowWithZeroCompute) {
  FilesDataset ds(Spec(64, "4KiB"));
  const ReaderResult r = RunReader(*ds.store, ds.spec, ReaderOptions{});
  EXPECT_LT(r.au_pct, 20.0);
  EXPECT_GT(r.wall_sec, 0.0);
}

TEST(Reader, AuIsLowWhenStorageIsSlowerThanCompute) {
  // One worker, and every batch of reads takes much longer than its compute step: the
  // accelerator mostly waits.
  FilesDataset ds(Spec(8, "4KiB"));
  ReaderOptions options;
  options.batch_size = 1;
  options.compute_ms_per_batch = 1;
  options.on_sample = [](int, uint64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  };
  const ReaderResult r = RunReader(*ds.store, ds.spec, options);
  EXPECT_LT(r.au_pct, 20.0);
  EXPECT_GT(r.consumer_wait_sec, 0.5 * r.wall_sec);
}

TEST(Reader, LatencyPercentilesAreOrderedAndThroughputConsistent) {
  FilesDataset ds(Spec(200, "8KiB"));
  const ReaderResult r = RunReader(*ds.store, ds.spec, ReaderOptions{});
  EXPECT_GT(r.lat_p50_us, 0.0);
  EXPECT_LE(r.lat_p50_us, r.lat_p95_us);
  EXPECT_LE(r.lat_p95_us, r.lat_p99_us);
  EXPECT_LE(r.lat_p99_us, r.lat_max_us);
  EXPECT_NEAR(r.samples_per_sec, 200 / r.wall_sec, 1e-6 * r.samples_per_sec);
  EXPECT_NEAR(r.bytes_per_sec, 200 * 8192 / r.wall_sec, 1e-6 * r.bytes_per_sec);
}

TEST(ReaderOptions, OutOfRangeValuesAreUsageErrorsNamingTheKey) {
  FilesDataset ds(Spec(4, "1KiB"));
  for (auto mutate : std::vector<std::function<void(ReaderOptions&)>>{
           [](ReaderOptions& o) { o.workers = 0; }, [](ReaderOptions& o) { o.batch_size = 0; },
           [](ReaderOptions& o) { o.prefetch = 0; }, [](ReaderOptions& o) { o.epochs = 0; },
           [](ReaderOptions& o) { o.compute_ms_per_batch = -1; },
           [](ReaderOptions& o) { o.consumers = 0; }}) {
    ReaderOptions options;
    mutate(options);
    EXPECT_THROW(RunReader(*ds.store, ds.spec, options), UsageError);
  }
  EXPECT_THROW(ParseOrder("shuffled"), UsageError);
  EXPECT_EQ(ParseOrder("sequential"), Order::kSequential);
}

}  // namespace
}  // namespace feedbench
