// The reader over a shards dataset: whole shards per worker in a seeded shard order per epoch,
// streamed, samples delivered through the shuffle buffer; every sample once per epoch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "harness/base/errors.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/sample_store.h"
#include "workloads/dataset/shard_store.h"
#include "workloads/reader/reader.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

class ShardStreamingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("/dev/shm");
    spec_.samples = 1200;
    spec_.sizes = ParseSizeSpec("uniform:1KiB:6KiB");
    spec_.seed = 5;
    EnsureOptions options;
    options.progress = false;
    options.shard_bytes = 256 << 10;  // about 60 samples a shard: 20 shards
    EnsureDataset(*dir_ / "s", spec_, Layout::kShards, options);
    EnsureDataset(*dir_ / "f", spec_, Layout::kFiles, options);
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::unique_ptr<SampleStore> Shards() {
    return OpenDatasetStore(*dir_ / "s", OpenDataset(*dir_ / "s"), StoreAccess::kSequential);
  }

  // Each epoch's delivered indices, in delivery order.
  static std::map<int, std::vector<uint64_t>> Delivered(ReaderOptions options,
                                                        ReaderResult* result = nullptr) {
    std::mutex mutex;
    std::map<int, std::vector<uint64_t>> delivered;
    options.on_sample = [&](int epoch, uint64_t index) {
      std::lock_guard lock(mutex);
      delivered[epoch].push_back(index);
    };
    const auto store = Shards();
    const ReaderResult r = RunReader(*store, spec_, options);
    EXPECT_EQ(r.verify_error, std::nullopt);
    if (result != nullptr) *result = r;
    return delivered;
  }

  static inline TempDir* dir_ = nullptr;
  static inline DatasetSpec spec_;
};

TEST_F(ShardStreamingTest, EverySampleIsDeliveredExactlyOncePerEpoch) {
  for (const Order order : {Order::kRandom, Order::kSequential}) {
    ReaderOptions o;
    o.order = order;
    o.workers = 3;
    o.batch_size = 16;
    o.epochs = 2;
    o.shuffle_buffer = 100;
    ReaderResult r;
    const auto delivered = Delivered(o, &r);
    ASSERT_EQ(delivered.size(), 2u);
    for (const auto& [epoch, indices] : delivered) {
      std::vector<uint64_t> sorted = indices;
      std::sort(sorted.begin(), sorted.end());
      ASSERT_EQ(sorted.size(), spec_.samples) << "epoch " << epoch;
      for (uint64_t i = 0; i < spec_.samples; ++i) ASSERT_EQ(sorted[i], i) << "epoch " << epoch;
    }
    EXPECT_EQ(r.samples, 2 * spec_.samples);
    EXPECT_EQ(r.latency.count(), 2 * spec_.samples);
  }
}

// --rank-data shard on a shards dataset: the ranks cut each epoch's shard order; together they
// deliver every sample exactly once per epoch.
TEST_F(ShardStreamingTest, RankSlicesOfTheShardOrderDeliverEverySampleOncePerEpoch) {
  std::map<int, std::vector<uint64_t>> all;
  for (int rank = 0; rank < 3; ++rank) {
    ReaderOptions o;
    o.workers = 2;
    o.batch_size = 16;
    o.epochs = 2;
    o.shuffle_seed = 9;
    o.slice = {rank, 3};
    for (const auto& [epoch, indices] : Delivered(o)) {
      EXPECT_FALSE(indices.empty()) << "rank " << rank << " epoch " << epoch;
      EXPECT_LT(indices.size(), spec_.samples) << "rank " << rank << " read the whole epoch";
      all[epoch].insert(all[epoch].end(), indices.begin(), indices.end());
    }
  }
  ASSERT_EQ(all.size(), 2u);
  for (auto& [epoch, indices] : all) {
    std::sort(indices.begin(), indices.end());
    ASSERT_EQ(indices.size(), spec_.samples) << "epoch " << epoch;
    for (uint64_t i = 0; i < spec_.samples; ++i) ASSERT_EQ(indices[i], i) << "epoch " << epoch;
  }
}

TEST_F(ShardStreamingTest, ContentDigestEqualsTheFilesLayouts) {
  ReaderOptions o;
  o.workers = 2;
  const auto shards = Shards();
  const ReaderResult from_shards = RunReader(*shards, spec_, o);
  const auto files = OpenFilesStore(*dir_ / "f", spec_);
  const ReaderResult from_files = RunReader(*files, spec_, o);
  EXPECT_EQ(from_shards.content_digest, from_files.content_digest);
  EXPECT_EQ(from_shards.bytes, from_files.bytes);
}

// The order shards were streamed in, seen from one worker's deliveries: with a buffer of one
// sample, a delivered sample is one of the last two read, so shards first appear in stream order.
std::vector<uint64_t> ShardsByFirstAppearance(const std::vector<uint64_t>& indices,
                                              const ShardSource& shards) {
  std::vector<uint64_t> order;
  for (const uint64_t index : indices) {
    uint64_t shard = 0;
    while (shards.EndSample(shard) <= index) ++shard;
    if (std::find(order.begin(), order.end(), shard) == order.end()) order.push_back(shard);
  }
  return order;
}

TEST_F(ShardStreamingTest, ShardOrderIsTheSeededPermutationOfEachEpoch) {
  ReaderOptions o;
  o.order = Order::kRandom;
  o.workers = 1;
  o.epochs = 2;
  o.shuffle_buffer = 1;
  o.shuffle_seed = 42;
  const auto delivered = Delivered(o);
  const auto store = Shards();
  const ShardSource& shards = *store->shard_source();
  ASSERT_GE(shards.shards(), 10u);
  for (int epoch = 0; epoch < 2; ++epoch) {
    EXPECT_EQ(ShardsByFirstAppearance(delivered.at(epoch), shards),
              EpochOrder(shards.shards(), Order::kRandom, 42, epoch))
        << "epoch " << epoch;
  }
  EXPECT_NE(EpochOrder(shards.shards(), Order::kRandom, 42, 0),
            EpochOrder(shards.shards(), Order::kRandom, 42, 1));
}

TEST_F(ShardStreamingTest, ShuffleBufferChangesDeliveryOrderNotTheSamples) {
  ReaderOptions o;
  o.order = Order::kRandom;
  o.workers = 1;
  o.shuffle_buffer = 200;
  const std::vector<uint64_t> delivered = Delivered(o).at(0);
  const auto store = Shards();
  const ShardSource& shards = *store->shard_source();
  // What streaming alone reads, in the epoch's shard order.
  std::vector<uint64_t> read_order;
  for (const uint64_t shard : EpochOrder(shards.shards(), Order::kRandom, o.shuffle_seed, 0)) {
    for (uint64_t i = shards.FirstSample(shard); i < shards.EndSample(shard); ++i) {
      read_order.push_back(i);
    }
  }
  EXPECT_NE(delivered, read_order);
  EXPECT_EQ(std::multiset<uint64_t>(delivered.begin(), delivered.end()),
            std::multiset<uint64_t>(read_order.begin(), read_order.end()));
}

TEST_F(ShardStreamingTest, SequentialDeliversStorageOrder) {
  ReaderOptions o;
  o.order = Order::kSequential;
  o.workers = 1;
  const std::vector<uint64_t> delivered = Delivered(o).at(0);
  ASSERT_EQ(delivered.size(), spec_.samples);
  for (uint64_t i = 0; i < spec_.samples; ++i) ASSERT_EQ(delivered[i], i);
}

TEST_F(ShardStreamingTest, ShuffleBufferBelowOneIsRefused) {
  ReaderOptions o;
  o.shuffle_buffer = 0;
  const auto store = Shards();
  EXPECT_THROW(RunReader(*store, spec_, o), UsageError);
}

}  // namespace
}  // namespace feedbench
