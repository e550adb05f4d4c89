// The latency histogram: bucket layout, percentile accuracy, merging.
#include "harness/measure/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace feedbench {
namespace {

TEST(LatencyHistogram, BucketsAreContiguousAndExactBelowTheLinearLimit) {
  for (int i = 0; i + 1 < LatencyHistogram::kBuckets; ++i) {
    ASSERT_EQ(LatencyHistogram::BucketHighNs(i) + 1, LatencyHistogram::BucketLowNs(i + 1)) << i;
  }
  for (uint64_t v = 0; v < 256; ++v) {
    EXPECT_EQ(LatencyHistogram::BucketLowNs(LatencyHistogram::BucketIndex(v)), v);
  }
}

TEST(LatencyHistogram, EveryValueFallsInItsBucketWithUnderOnePercentWidth) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = rng() >> (rng() % 64);
    const int b = LatencyHistogram::BucketIndex(v);
    ASSERT_GE(b, 0);
    ASSERT_LT(b, LatencyHistogram::kBuckets);
    if (v < (2ULL << LatencyHistogram::kMaxExponent)) {
      ASSERT_LE(LatencyHistogram::BucketLowNs(b), v);
      ASSERT_GE(LatencyHistogram::BucketHighNs(b), v);
      const double width = static_cast<double>(LatencyHistogram::BucketHighNs(b) -
                                               LatencyHistogram::BucketLowNs(b) + 1);
      if (v < 256) {
        ASSERT_EQ(width, 1.0);
      } else {
        ASSERT_LE(width / static_cast<double>(v), 0.01);
      }
    } else {
      ASSERT_EQ(b, LatencyHistogram::kBuckets - 1);
    }
  }
}

TEST(LatencyHistogram, PercentilesMatchExactOnesWithinOnePercent) {
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> dist(std::log(150000.0), 0.8);  // ~150 us
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 95.0, 99.0, 99.9}) {
    const auto exact =
        static_cast<double>(values[static_cast<size_t>(std::ceil(p / 100 * values.size())) - 1]);
    EXPECT_NEAR(static_cast<double>(h.PercentileNs(p)), exact, 0.01 * exact) << p;
  }
  EXPECT_EQ(h.max_ns(), values.back());
  EXPECT_EQ(h.min_ns(), values.front());
  EXPECT_EQ(h.PercentileNs(100), values.back());
  EXPECT_EQ(h.count(), 200000u);
}

TEST(LatencyHistogram, HandCountedSmallCase) {
  LatencyHistogram h;
  for (uint64_t v : {10, 20, 30, 40, 1000}) h.Record(v);
  EXPECT_EQ(h.PercentileNs(50), 30u);    // rank ceil(2.5) = 3
  EXPECT_EQ(h.PercentileNs(80), 40u);    // rank 4
  EXPECT_EQ(h.PercentileNs(81), 1000u);  // rank 5, capped at the exact max
  EXPECT_DOUBLE_EQ(h.mean_ns(), 220.0);
}

TEST(LatencyHistogram, EmptyIsZeroAndMergeAddsCounts) {
  LatencyHistogram a, b;
  EXPECT_EQ(a.PercentileNs(99), 0u);
  EXPECT_EQ(a.min_ns(), 0u);
  a.Record(100);
  b.Record(5000);
  b.Record(7);
  a.Merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.max_ns(), 5000u);
  EXPECT_EQ(a.min_ns(), 7u);
  EXPECT_EQ(a.PercentileNs(50), 100u);
}

TEST(LatencyHistogram, HugeValuesAreClampedButMaxStaysExact) {
  LatencyHistogram h;
  h.Record(UINT64_MAX);
  EXPECT_EQ(h.max_ns(), UINT64_MAX);
  EXPECT_EQ(h.PercentileNs(50), UINT64_MAX);
}

}  // namespace
}  // namespace feedbench

namespace feedbench {
namespace {

TEST(LatencyHistogramParts, FromPartsOfToPartsIsTheSameHistogram) {
  LatencyHistogram h;
  for (uint64_t v : {0ULL, 7ULL, 255ULL, 256ULL, 1000ULL, 123456ULL, 99999999ULL, 1ULL << 45}) {
    h.Record(v);
  }
  const LatencyHistogram back = LatencyHistogram::FromParts(h.ToParts());
  EXPECT_EQ(back.count(), h.count());
  EXPECT_EQ(back.min_ns(), h.min_ns());
  EXPECT_EQ(back.max_ns(), h.max_ns());
  EXPECT_EQ(back.mean_ns(), h.mean_ns());
  for (double p = 0; p <= 100; p += 2.5) EXPECT_EQ(back.PercentileNs(p), h.PercentileNs(p)) << p;
  EXPECT_EQ(h.ToParts().buckets.size(), 8u);  // only the buckets that hold a value
}

TEST(LatencyHistogramParts, EmptyStaysEmptyAndABadBucketIsRefused) {
  const LatencyHistogram empty = LatencyHistogram::FromParts(LatencyHistogram().ToParts());
  EXPECT_EQ(empty.count(), 0u);
  EXPECT_EQ(empty.min_ns(), 0u);
  LatencyHistogram::Parts bad;
  bad.buckets = {{LatencyHistogram::kBuckets, 1}};
  EXPECT_THROW(LatencyHistogram::FromParts(bad), std::invalid_argument);
}

}  // namespace
}  // namespace feedbench
