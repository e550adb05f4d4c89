#include "workloads/reader/shuffle_buffer.h"

#include <utility>

namespace feedbench {

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

ShuffleBuffer::ShuffleBuffer(size_t capacity, uint64_t seed)
    : capacity_(capacity < 1 ? 1 : capacity), state_(Mix64(seed ^ 0x5348554642554646ULL)) {
  samples_.reserve(capacity_ + 1);
}

BufferedSample ShuffleBuffer::TakeRandom() {
  state_ += 0x9E3779B97F4A7C15ULL;
  // Lemire's multiply-shift maps 64 random bits onto [0, size).
  const auto j = static_cast<size_t>(
      (static_cast<unsigned __int128>(Mix64(state_)) * samples_.size()) >> 64);
  std::swap(samples_[j], samples_.back());
  const BufferedSample taken = samples_.back();
  samples_.pop_back();
  return taken;
}

std::optional<BufferedSample> ShuffleBuffer::Add(const BufferedSample& sample) {
  samples_.push_back(sample);
  if (samples_.size() <= capacity_) return std::nullopt;
  return TakeRandom();
}

std::optional<BufferedSample> ShuffleBuffer::Drain() {
  if (samples_.empty()) return std::nullopt;
  return TakeRandom();
}

}  // namespace feedbench
