// The sample shuffle buffer of a streaming loader (WebDataset's shuffle(n)): samples come in
// storage order from a shard stream and leave in a random order from a buffer of `capacity`
// samples. A sample added to a full buffer pushes out one of the buffered ones (or itself) chosen at
// random; at the end of the stream Drain empties the buffer in a random order.
//
// It changes the order in which samples are delivered, not the order in which they are read: the
// storage still sees each shard read from start to end. A sample can leave at most `capacity`
// places earlier than the position it was read at, and any number later.
// This buffer holds each sample's index and size, not its bytes (the reader checked and digested
// them when read); a loader holding the bytes needs capacity x sample size of memory per worker.
// Deterministic for a seed; not thread-safe (one per worker).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace feedbench {

// splitmix64's output function: the random bits of the reader's shuffles (epoch orders, shard
// orders, shuffle buffers) come from it.
uint64_t Mix64(uint64_t z);

struct BufferedSample {
  uint64_t index = 0;
  uint64_t bytes = 0;
  bool operator==(const BufferedSample&) const = default;
};

class ShuffleBuffer {
 public:
  // REQUIRES: capacity >= 1.
  ShuffleBuffer(size_t capacity, uint64_t seed);

  // Adds `sample`; once the buffer holds more than its capacity, returns one sample chosen at
  // random among those buffered (the new one included) and removes it.
  std::optional<BufferedSample> Add(const BufferedSample& sample);
  // Removes and returns a buffered sample chosen at random; nullopt when empty.
  std::optional<BufferedSample> Drain();

  size_t size() const { return samples_.size(); }

 private:
  BufferedSample TakeRandom();

  size_t capacity_;
  uint64_t state_;
  std::vector<BufferedSample> samples_;
};

}  // namespace feedbench
