// A pool of threads over the chunks of a range, for dataset generation and verification: each
// thread claims the next `chunk` items of [0, count) until none are left. The first exception any
// thread throws stops the others at their next chunk and is rethrown to the caller; each chunk
// starts with a safe point for an interruption (ThrowIfInterrupted, harness/os/interrupt.h).
// ParallelChunks blocks until every thread has ended; `body` must be thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/os/interrupt.h"

namespace feedbench {

// Remembers the first error raised by any worker thread; later ones are dropped. Thread-safe.
class FirstError {
 public:
  void Set(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = std::move(error);
    failed_.store(true, std::memory_order_relaxed);
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  void RethrowIfAny() {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
  std::atomic<bool> failed_{false};
};

// Runs body(begin, end) over chunks of `chunk` items of [0, count) on `threads` threads.
template <typename Body>
void ParallelChunks(uint64_t count, uint64_t chunk, int threads, Body body) {
  std::atomic<uint64_t> next{0};
  FirstError error;
  {
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        try {
          while (!error.failed()) {
            ThrowIfInterrupted();
            const uint64_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
            if (begin >= count) return;
            body(begin, std::min(count, begin + chunk));
          }
        } catch (...) {
          error.Set(std::current_exception());
        }
      });
    }
  }
  error.RethrowIfAny();
}

}  // namespace feedbench
