#include "harness/measure/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

namespace feedbench {
namespace {

constexpr uint64_t kLinearLimit = 1ULL << LatencyHistogram::kSubBits;  // exact below this
constexpr int kHalf = 1 << (LatencyHistogram::kSubBits - 1);           // buckets per octave

}  // namespace

int LatencyHistogram::BucketIndex(uint64_t value_ns) {
  if (value_ns < kLinearLimit) return static_cast<int>(value_ns);
  const int exponent = std::min(static_cast<int>(std::bit_width(value_ns)) - 1, kMaxExponent);
  if (exponent == kMaxExponent && value_ns >= (2ULL << kMaxExponent)) return kBuckets - 1;
  // Within [2^e, 2^(e+1)), kHalf equal buckets of width 2^(e - kSubBits + 1).
  const int shift = exponent - kSubBits + 1;
  const int sub = static_cast<int>((value_ns >> shift) - kHalf);
  return static_cast<int>(kLinearLimit) + (exponent - kSubBits) * kHalf + sub;
}

uint64_t LatencyHistogram::BucketLowNs(int index) {
  if (index < static_cast<int>(kLinearLimit)) return static_cast<uint64_t>(index);
  const int rel = index - static_cast<int>(kLinearLimit);
  const int exponent = kSubBits + rel / kHalf;
  const int sub = rel % kHalf;
  const int shift = exponent - kSubBits + 1;
  return (static_cast<uint64_t>(kHalf + sub)) << shift;
}

uint64_t LatencyHistogram::BucketHighNs(int index) {
  if (index < static_cast<int>(kLinearLimit)) return static_cast<uint64_t>(index);
  const int rel = index - static_cast<int>(kLinearLimit);
  const int exponent = kSubBits + rel / kHalf;
  const int shift = exponent - kSubBits + 1;
  return BucketLowNs(index) + (1ULL << shift) - 1;
}

void LatencyHistogram::Record(uint64_t value_ns) {
  ++counts_[BucketIndex(value_ns)];
  ++count_;
  sum_ns_ += value_ns;
  max_ns_ = std::max(max_ns_, value_ns);
  min_ns_ = std::min(min_ns_, value_ns);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
  max_ns_ = std::max(max_ns_, other.max_ns_);
  min_ns_ = std::min(min_ns_, other.min_ns_);
}

LatencyHistogram::Parts LatencyHistogram::ToParts() const {
  Parts parts;
  for (int i = 0; i < kBuckets; ++i) {
    if (counts_[i] != 0) parts.buckets.emplace_back(i, counts_[i]);
  }
  parts.sum_ns = sum_ns_;
  parts.min_ns = min_ns();
  parts.max_ns = max_ns_;
  return parts;
}

LatencyHistogram LatencyHistogram::FromParts(const Parts& parts) {
  LatencyHistogram h;
  for (const auto& [index, count] : parts.buckets) {
    if (index < 0 || index >= kBuckets) {
      throw std::invalid_argument("latency histogram: bucket " + std::to_string(index) +
                                  " outside 0.." + std::to_string(kBuckets - 1));
    }
    h.counts_[index] += count;
    h.count_ += count;
  }
  h.sum_ns_ = parts.sum_ns;
  h.max_ns_ = parts.max_ns;
  h.min_ns_ = h.count_ == 0 ? UINT64_MAX : parts.min_ns;
  return h;
}

uint64_t LatencyHistogram::PercentileNs(double percentile) const {
  if (count_ == 0) return 0;
  const double p = std::clamp(percentile, 0.0, 100.0);
  // Rank of the value (1-based): the smallest value with at least p% of values at or below it.
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  if (rank >= count_) return max_ns_;  // the largest value is known exactly
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t mid = BucketLowNs(i) + (BucketHighNs(i) - BucketLowNs(i)) / 2;
      return std::clamp(mid, min_ns(), max_ns_);
    }
  }
  return max_ns_;
}

}  // namespace feedbench
