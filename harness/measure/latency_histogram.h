// A latency histogram with fixed memory and bounded relative error, in the manner of HdrHistogram.
//
// Values are nanoseconds from 0 to about 2^40 ns (18 minutes; larger values are clamped into the
// last bucket, and max() stays exact). Buckets are log-linear: below 2^kSubBits every value has its
// own bucket; above, each power of two is split into 2^(kSubBits-1) equal buckets, so a reported
// percentile is within 1/2^(kSubBits-1) (< 1%) of the true value. Record is O(1) and allocation
// free. One histogram per thread, Merge afterwards: not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace feedbench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 8;  // 128 buckets per power of two
  static constexpr int kMaxExponent = 40;

  void Record(uint64_t value_ns);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t max_ns() const { return max_ns_; }
  uint64_t min_ns() const { return count_ == 0 ? 0 : min_ns_; }
  double mean_ns() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_ns_) / count_; }
  // The value at or below which `percentile` percent of values lie (0 <= percentile <= 100):
  // the midpoint of the bucket holding that rank, kept within [min_ns(), max_ns()]; the exact
  // max_ns() for the last rank. 0 when empty.
  uint64_t PercentileNs(double percentile) const;

  // The histogram as plain parts, to travel between processes (MPI ranks) and be merged there:
  // FromParts(ToParts()) is the same histogram, bucket for bucket. Only non-empty buckets.
  struct Parts {
    std::vector<std::pair<int, uint64_t>> buckets;  // (bucket index, count), ascending index
    uint64_t sum_ns = 0;
    uint64_t min_ns = 0;  // 0 when empty
    uint64_t max_ns = 0;
  };
  Parts ToParts() const;
  // Throws std::invalid_argument for a bucket index outside [0, kBuckets).
  static LatencyHistogram FromParts(const Parts& parts);

  // Exposed for tests: the bucket of a value and the [low, high] range a bucket covers.
  static int BucketIndex(uint64_t value_ns);
  static uint64_t BucketLowNs(int index);
  static uint64_t BucketHighNs(int index);
  static constexpr int kBuckets =
      (1 << kSubBits) + (kMaxExponent - kSubBits + 1) * (1 << (kSubBits - 1));

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ns_ = 0;  // wraps only after 584 years of summed latency
  uint64_t max_ns_ = 0;
  uint64_t min_ns_ = UINT64_MAX;
};

}  // namespace feedbench
