// The shuffle buffer of shard streams: what goes in comes out once, in another order.
#include "workloads/reader/shuffle_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace feedbench {
namespace {

std::vector<uint64_t> Through(size_t capacity, uint64_t seed, uint64_t samples) {
  ShuffleBuffer buffer(capacity, seed);
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < samples; ++i) {
    if (const auto s = buffer.Add({i, i * 10})) {
      EXPECT_EQ(s->bytes, s->index * 10);
      out.push_back(s->index);
    }
    EXPECT_LE(buffer.size(), capacity);
  }
  while (const auto s = buffer.Drain()) out.push_back(s->index);
  return out;
}

TEST(ShuffleBuffer, DeliversEverySampleOnceInAnotherOrder) {
  const std::vector<uint64_t> out = Through(100, 1, 5000);
  ASSERT_EQ(out.size(), 5000u);
  std::vector<uint64_t> sorted = out;
  std::sort(sorted.begin(), sorted.end());
  for (uint64_t i = 0; i < 5000; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(out, sorted);
}

TEST(ShuffleBuffer, NoSampleLeavesEarlierThanCapacityPlacesBeforeItsArrival) {
  const size_t capacity = 50;
  const std::vector<uint64_t> out = Through(capacity, 3, 3000);
  for (size_t pos = 0; pos < out.size(); ++pos) {
    // Sample i arrives as the (i+1)-th; at most `capacity` samples wait, so it leaves at i - capacity
    // at the earliest.
    EXPECT_GE(pos + capacity, out[pos]) << "position " << pos;
  }
}

TEST(ShuffleBuffer, SameSeedSameOrderOtherSeedOtherOrder) {
  EXPECT_EQ(Through(64, 9, 1000), Through(64, 9, 1000));
  EXPECT_NE(Through(64, 9, 1000), Through(64, 10, 1000));
}

}  // namespace
}  // namespace feedbench
