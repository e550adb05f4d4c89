#include "workloads/reader/reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "harness/base/errors.h"
#include "harness/measure/latency_histogram.h"
#include "harness/os/interrupt.h"
#include "workloads/dataset/shard_store.h"
#include "workloads/reader/shuffle_buffer.h"

namespace feedbench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// What a worker hands the consumer: the batch's size, not its bytes (the data stays in the
// worker's buffer; an accelerator copy is not what is measured).
struct Batch {
  uint64_t samples = 0;
  uint64_t bytes = 0;
};

// A bounded FIFO of batches: Push blocks while full, Pop while empty; Close wakes everybody and
// makes both return false.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  bool Push(const Batch& batch) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(batch);
    not_empty_.notify_one();
    return true;
  }
  bool Pop(Batch& batch) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return false;
    batch = items_.front();
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Batch> items_;
  bool closed_ = false;
};

// Epoch orders made on first use and dropped two epochs later, so memory stays at about two
// permutations however many epochs run. Like a loader's sampler, the shuffle of a new epoch is
// done by the first worker that reaches it. Thread-safe.
class EpochOrders {
 public:
  // Each epoch's order over `samples` items, cut to `slice` (every rank shuffles the same way).
  EpochOrders(uint64_t samples, Order order, uint64_t seed, RankSlice slice)
      : samples_(samples), order_(order), seed_(seed), slice_(slice) {}

  // The items of each epoch's (cut) order.
  uint64_t size() const { return slice_.End(samples_) - slice_.Begin(samples_); }

  std::shared_ptr<const std::vector<uint64_t>> Get(int epoch) {
    std::lock_guard lock(mutex_);
    auto it = orders_.find(epoch);
    if (it == orders_.end()) {
      it = orders_
               .emplace(epoch, std::make_shared<const std::vector<uint64_t>>(
                                   Cut(EpochOrder(samples_, order_, seed_, epoch))))
               .first;
      // A worker still in an older epoch holds its own reference.
      while (!orders_.empty() && orders_.begin()->first < epoch - 1) orders_.erase(orders_.begin());
    }
    return it->second;
  }

 private:
  std::vector<uint64_t> Cut(std::vector<uint64_t> order) const {
    if (slice_.count == 1) return order;
    return {order.begin() + static_cast<std::ptrdiff_t>(slice_.Begin(samples_)),
            order.begin() + static_cast<std::ptrdiff_t>(slice_.End(samples_))};
  }

  const uint64_t samples_;
  const Order order_;
  const uint64_t seed_;
  const RankSlice slice_;
  std::mutex mutex_;
  std::map<int, std::shared_ptr<const std::vector<uint64_t>>> orders_;
};

}  // namespace

uint64_t RankSlice::Begin(uint64_t items) const {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(items) * index / count);
}

uint64_t RankSlice::End(uint64_t items) const {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(items) * (index + 1) / count);
}

std::string_view OrderName(Order order) {
  return order == Order::kRandom ? "random" : "sequential";
}

Order ParseOrder(std::string_view text, std::string_view what) {
  if (text == "random") return Order::kRandom;
  if (text == "sequential") return Order::kSequential;
  throw UsageError(
      fmt::format("{}: unknown order '{}'; expected random or sequential", what, text));
}

void ValidateReaderOptions(const ReaderOptions& o, std::string_view where) {
  auto bad = [&](std::string_view key, auto value, std::string_view expected) {
    throw UsageError(
        fmt::format("{}: key '{}': {} is out of range; expected {}", where, key, value, expected));
  };
  if (o.workers < 1 || o.workers > 1024) bad("workers", o.workers, "1..1024");
  if (o.batch_size < 1) bad("batch_size", o.batch_size, "at least 1");
  if (o.prefetch < 1) bad("prefetch", o.prefetch, "at least 1");
  if (o.epochs < 1) bad("epochs", o.epochs, "at least 1");
  if (o.first_epoch < 0) bad("first_epoch", o.first_epoch, "at least 0");
  if (o.shuffle_buffer < 1) bad("shuffle_buffer", o.shuffle_buffer, "at least 1 sample");
  if (o.consumers < 1 || o.consumers > 4096) bad("consumers", o.consumers, "1..4096");
  if (o.slice.count < 1) bad("slice.count", o.slice.count, "at least 1");
  if (o.slice.index < 0 || o.slice.index >= o.slice.count) {
    bad("slice.index", o.slice.index, fmt::format("0..{}", o.slice.count - 1));
  }
  if (!(o.compute_ms_per_batch >= 0) || o.compute_ms_per_batch > 3.6e6) {
    bad("compute_ms_per_batch", o.compute_ms_per_batch, "0..3600000");
  }
}

std::vector<uint64_t> EpochOrder(uint64_t samples, Order order, uint64_t shuffle_seed, int epoch) {
  std::vector<uint64_t> indices(samples);
  for (uint64_t i = 0; i < samples; ++i) indices[i] = i;
  if (order == Order::kSequential) return indices;
  // Fisher-Yates with a splitmix64 stream seeded from (seed, epoch).
  uint64_t state = Mix64(shuffle_seed ^ Mix64(0x5348554646ULL + static_cast<uint64_t>(epoch)));
  for (uint64_t i = samples; i > 1; --i) {
    state += 0x9E3779B97F4A7C15ULL;
    // Lemire's multiply-shift maps 64 random bits onto [0, i) (bias below 2^-40 for i < 2^24).
    const uint64_t j =
        static_cast<uint64_t>((static_cast<unsigned __int128>(Mix64(state)) * i) >> 64);
    std::swap(indices[i - 1], indices[j]);
  }
  return indices;
}

namespace {

// Which positions of which epoch order a batch number covers. Batches never span two epochs.
struct BatchPlan {
  uint64_t samples = 0;  // per epoch
  uint64_t batch_size = 0;
  uint64_t batches_per_epoch = 0;
  uint64_t total_batches = 0;  // all epochs

  BatchPlan(uint64_t samples_per_epoch, const ReaderOptions& o)
      : samples(samples_per_epoch),
        batch_size(static_cast<uint64_t>(o.batch_size)),
        batches_per_epoch((samples + batch_size - 1) / batch_size),
        total_batches(batches_per_epoch * static_cast<uint64_t>(o.epochs)) {}

  int Epoch(uint64_t batch) const { return static_cast<int>(batch / batches_per_epoch); }
  uint64_t Begin(uint64_t batch) const { return (batch % batches_per_epoch) * batch_size; }
  uint64_t End(uint64_t batch) const { return std::min(samples, Begin(batch) + batch_size); }
};

// What one worker measured; each worker owns one, merged after the run.
struct WorkerStats {
  LatencyHistogram latency;
  uint64_t digest = 0;
};

// What the workers share: the batch counter, the queue to the consumer, and how the run stops
// early (a read error, or the first bad sample by index). Thread-safe.
class SharedRun {
 public:
  explicit SharedRun(size_t prefetch) : queue_(prefetch) {}

  BatchQueue& queue() { return queue_; }
  // The next of `total` work items (batches, or reading shards, the shards of the epochs) nobody
  // has claimed; nullopt when none is left or the run stopped. A SIGINT or SIGTERM
  // (harness/os/interrupt.h) stops every worker and the consumer; RunReader then throws
  // Interrupted rather than summarising a cut-short run.
  std::optional<uint64_t> ClaimItem(uint64_t total) {
    if (Stopped()) return std::nullopt;
    if (PendingInterrupt() != 0) {
      Stop();
      return std::nullopt;
    }
    const uint64_t item = next_batch_.fetch_add(1, std::memory_order_relaxed);
    if (item >= total) return std::nullopt;
    return item;
  }
  bool Stopped() const { return stop_.load(std::memory_order_relaxed); }

  // Stops every worker and the consumer.
  void Stop() {
    stop_.store(true);
    queue_.Close();
  }
  // Keeps the first read error (rethrown by RunReader) and stops the run.
  void FailRead(std::exception_ptr error) {
    {
      std::lock_guard lock(mutex_);
      if (!read_error_) read_error_ = std::move(error);
    }
    Stop();
  }
  // Keeps the bad sample of lowest index seen and stops the run.
  void FailVerify(uint64_t index, std::string message) {
    {
      std::lock_guard lock(mutex_);
      if (!verify_error_ || index < verify_error_index_) {
        verify_error_index_ = index;
        verify_error_ = std::move(message);
      }
    }
    Stop();
  }
  // REQUIRES: every worker has ended.
  std::exception_ptr read_error() const { return read_error_; }
  const std::optional<std::string>& verify_error() const { return verify_error_; }

 private:
  BatchQueue queue_;
  std::atomic<uint64_t> next_batch_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::exception_ptr read_error_;
  std::optional<std::string> verify_error_;
  uint64_t verify_error_index_ = UINT64_MAX;
};

// What is wrong with a sample just read, if anything: its content, or its size against the spec.
std::optional<std::string> SampleProblem(const std::vector<std::byte>& buffer, uint64_t index,
                                         uint64_t expected_bytes) {
  std::optional<std::string> problem = CheckSample(buffer, index);
  if (!problem && buffer.size() != expected_bytes) {
    problem = fmt::format("{} bytes, the spec says {}", buffer.size(), expected_bytes);
  }
  return problem;
}

// Accounts for one sample a worker read in `read_time`: its latency, its check (when verifying) and
// its digest. False when it failed verification (the run is then stopped).
bool AccountSample(const SampleStore& store, const ReaderOptions& options, uint64_t expected_bytes,
                   SharedRun& run, WorkerStats& stats, uint64_t index,
                   const std::vector<std::byte>& buffer, Clock::duration read_time) {
  stats.latency.Record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(read_time).count()));
  if (options.verify) {
    if (auto problem = SampleProblem(buffer, index, expected_bytes)) {
      run.FailVerify(index,
                     fmt::format("sample {} ({}): {}", index, store.Describe(index), *problem));
      return false;
    }
  }
  stats.digest += SampleDigest(buffer, index);
  return true;
}

// The workers' loop: claims batches, reads each sample whole through the thread's own cursor (each
// read timed as one latency), and hands the batch to the consumer, until the batches run out or
// the run stops. Holds no state of its own, so one object serves every worker thread.
class Worker {
 public:
  Worker(SampleStore& store, const ReaderOptions& options, const BatchPlan& plan,
         EpochOrders& orders, const std::vector<uint64_t>& expected_bytes, SharedRun& run)
      : store_(store),
        options_(options),
        plan_(plan),
        orders_(orders),
        expected_bytes_(expected_bytes),
        run_(run) {}

  void Run(SampleStore::Cursor& cursor, WorkerStats& stats) {
    std::vector<std::byte> buffer;
    try {
      while (const std::optional<uint64_t> b = run_.ClaimItem(plan_.total_batches)) {
        const std::optional<Batch> batch = ReadBatch(*b, cursor, stats, buffer);
        if (!batch || !run_.queue().Push(*batch)) return;
      }
    } catch (...) {
      run_.FailRead(std::current_exception());
    }
  }

 private:
  // nullopt when a sample failed verification (the run is then stopped).
  std::optional<Batch> ReadBatch(uint64_t b, SampleStore::Cursor& cursor, WorkerStats& stats,
                                 std::vector<std::byte>& buffer) {
    const int epoch = options_.first_epoch + plan_.Epoch(b);
    const std::shared_ptr<const std::vector<uint64_t>> order = orders_.Get(epoch);
    Batch batch;
    for (uint64_t pos = plan_.Begin(b); pos < plan_.End(b); ++pos) {
      const uint64_t index = (*order)[pos];
      const auto t0 = Clock::now();
      cursor.Read(index, expected_bytes_[index], buffer);
      if (!AccountSample(store_, options_, expected_bytes_[index], run_, stats, index, buffer,
                         Clock::now() - t0)) {
        return std::nullopt;
      }
      if (options_.on_sample) options_.on_sample(epoch, index);
      ++batch.samples;
      batch.bytes += buffer.size();
    }
    return batch;
  }

  SampleStore& store_;
  const ReaderOptions& options_;
  const BatchPlan& plan_;
  EpochOrders& orders_;
  const std::vector<uint64_t>& expected_bytes_;
  SharedRun& run_;
};

// The workers of a shard-streaming run (see the header): each claims the next shard of the epochs'
// shard orders, streams it, and delivers its samples through its shuffle buffer into batches.
// Holds no state of its own, so one object serves every worker thread.
class ShardWorker {
 public:
  ShardWorker(const SampleStore& store, const ShardSource& shards, const ReaderOptions& options,
              EpochOrders& orders, const std::vector<uint64_t>& expected_bytes, SharedRun& run)
      : store_(store),
        shards_(shards),
        options_(options),
        orders_(orders),
        expected_bytes_(expected_bytes),
        run_(run),
        total_items_(orders.size() * static_cast<uint64_t>(options.epochs)) {}

  void Run(int worker, WorkerStats& stats) {
    Delivery delivery;
    std::vector<std::byte> buffer;
    try {
      while (const std::optional<uint64_t> item = run_.ClaimItem(total_items_)) {
        const int epoch = options_.first_epoch + static_cast<int>(*item / orders_.size());
        if (!delivery.buffer || epoch != delivery.epoch) {
          if (delivery.buffer && !Flush(delivery)) return;
          delivery.epoch = epoch;
          delivery.buffer = std::make_unique<ShuffleBuffer>(
              static_cast<size_t>(options_.shuffle_buffer),
              options_.shuffle_seed ^ (static_cast<uint64_t>(epoch) << 32) ^
                  static_cast<uint64_t>(worker));
        }
        const uint64_t shard = (*orders_.Get(epoch))[*item % orders_.size()];
        if (!StreamShard(shard, delivery, stats, buffer)) return;
      }
      // Stopped early, the epoch's rest is not delivered; otherwise this worker's last epoch ends.
      if (delivery.buffer && !run_.Stopped()) Flush(delivery);
    } catch (...) {
      run_.FailRead(std::current_exception());
    }
  }

 private:
  // A worker's samples on their way to the consumer: the shuffle buffer and the open batch.
  struct Delivery {
    int epoch = 0;
    std::unique_ptr<ShuffleBuffer> buffer;
    Batch batch;
  };

  // Reads shard `shard` through; false when the run stopped (a bad sample, a closed queue).
  bool StreamShard(uint64_t shard, Delivery& delivery, WorkerStats& stats,
                   std::vector<std::byte>& buffer) {
    auto t0 = Clock::now();
    const std::unique_ptr<ShardStream> stream = shards_.OpenStream(shard);
    while (true) {
      const std::optional<uint64_t> index = stream->Next(buffer);
      if (!index) return true;
      if (!AccountSample(store_, options_, expected_bytes_[*index], run_, stats, *index, buffer,
                         Clock::now() - t0)) {
        return false;
      }
      const BufferedSample sample{*index, buffer.size()};
      if (options_.order == Order::kSequential) {
        if (!Deliver(sample, delivery)) return false;
      } else if (const std::optional<BufferedSample> out = delivery.buffer->Add(sample)) {
        if (!Deliver(*out, delivery)) return false;
      }
      if (PendingInterrupt() != 0 || run_.Stopped()) return false;
      t0 = Clock::now();
    }
  }

  bool Deliver(const BufferedSample& sample, Delivery& delivery) {
    if (options_.on_sample) options_.on_sample(delivery.epoch, sample.index);
    ++delivery.batch.samples;
    delivery.batch.bytes += sample.bytes;
    if (delivery.batch.samples < static_cast<uint64_t>(options_.batch_size)) return true;
    const Batch full = std::exchange(delivery.batch, Batch{});
    return run_.queue().Push(full);
  }

  // The end of a worker's epoch: the shuffle buffer drained, the last (short) batch handed over.
  bool Flush(Delivery& delivery) {
    while (const std::optional<BufferedSample> out = delivery.buffer->Drain()) {
      if (!Deliver(*out, delivery)) return false;
    }
    if (delivery.batch.samples == 0) return true;
    return run_.queue().Push(std::exchange(delivery.batch, Batch{}));
  }

  const SampleStore& store_;
  const ShardSource& shards_;
  const ReaderOptions& options_;
  EpochOrders& orders_;
  const std::vector<uint64_t>& expected_bytes_;
  SharedRun& run_;
  const uint64_t total_items_;
};

// What the consumer (the accelerator's side) took from the queue.
struct Consumed {
  uint64_t batches = 0, samples = 0, bytes = 0;
  Clock::duration wait{0};  // time spent waiting for a batch
};

// Takes batches until `total_batches` were claimed (by this consumer and the others sharing
// `claimed`) or the queue closed, emulating each compute step by sleeping compute_ms_per_batch (no
// CPU burnt).
Consumed Consume(BatchQueue& queue, uint64_t total_batches, double compute_ms_per_batch,
                 std::atomic<uint64_t>& claimed) {
  Consumed c;
  const auto compute = std::chrono::duration<double, std::milli>(compute_ms_per_batch);
  while (claimed.fetch_add(1) < total_batches) {
    const auto t0 = Clock::now();
    Batch batch;
    const bool got = queue.Pop(batch);
    c.wait += Clock::now() - t0;
    if (!got) break;
    ++c.batches;
    c.samples += batch.samples;
    c.bytes += batch.bytes;
    if (compute_ms_per_batch > 0) {
      std::this_thread::sleep_for(compute);
    }
  }
  return c;
}

// The derived figures (rates, percentiles, AU) from the counts, seconds and histogram.
void Derive(ReaderResult& r) {
  r.samples_per_sec = r.wall_sec > 0 ? static_cast<double>(r.samples) / r.wall_sec : 0;
  r.bytes_per_sec = r.wall_sec > 0 ? static_cast<double>(r.bytes) / r.wall_sec : 0;
  r.lat_p50_us = static_cast<double>(r.latency.PercentileNs(50)) / 1e3;
  r.lat_p95_us = static_cast<double>(r.latency.PercentileNs(95)) / 1e3;
  r.lat_p99_us = static_cast<double>(r.latency.PercentileNs(99)) / 1e3;
  r.lat_max_us = static_cast<double>(r.latency.max_ns()) / 1e3;
  r.lat_mean_us = r.latency.mean_ns() / 1e3;
  r.au_pct = r.wall_sec > 0 ? 100.0 * r.compute_sec / (std::max(r.consumers, 1) * r.wall_sec) : 0;
}

// The figures of the header from what each consumer took and what the workers measured.
ReaderResult Summarize(const std::vector<Consumed>& consumed,
                       const std::vector<std::unique_ptr<WorkerStats>>& stats, double wall_sec,
                       const ReaderOptions& o) {
  ReaderResult r;
  for (const auto& s : stats) {
    r.latency.Merge(s->latency);
    r.content_digest += s->digest;
  }
  r.wall_sec = wall_sec;
  r.consumers = static_cast<int>(consumed.size());
  for (const Consumed& c : consumed) {
    r.samples += c.samples;
    r.bytes += c.bytes;
    r.batches += c.batches;
    r.consumer_wait_sec += Seconds(c.wait);
    r.compute_sec += static_cast<double>(c.batches) * o.compute_ms_per_batch / 1e3;
  }
  Derive(r);
  return r;
}

}  // namespace

ReaderResult CombineRuns(const std::vector<ReaderResult>& runs) {
  ReaderResult r;
  for (const ReaderResult& run : runs) {
    r.samples += run.samples;
    r.bytes += run.bytes;
    r.batches += run.batches;
    r.wall_sec += run.wall_sec;
    r.consumer_wait_sec += run.consumer_wait_sec;
    r.compute_sec += run.compute_sec;
    r.consumers = run.consumers;
    r.content_digest += run.content_digest;
    r.latency.Merge(run.latency);
    if (!r.verify_error) r.verify_error = run.verify_error;
  }
  Derive(r);
  return r;
}

namespace {

// A rank whose part of the epoch is empty: more ranks than items to share.
std::string NothingToReadMessage(RankSlice slice, uint64_t items, std::string_view what) {
  return fmt::format(
      "--rank-data shard: {} ranks share {} {} per epoch, so rank {} would read nothing; "
      "expected at most {} ranks (or --rank-data all)",
      slice.count, items, what, slice.index, items);
}

// Every sample's size from the spec, up front: computing them is not the storage's time.
std::vector<uint64_t> ExpectedBytes(const DatasetSpec& spec) {
  std::vector<uint64_t> bytes(spec.samples);
  for (uint64_t i = 0; i < spec.samples; ++i) bytes[i] = SampleBytes(spec, i);
  return bytes;
}

std::vector<std::unique_ptr<WorkerStats>> MakeStats(int workers) {
  std::vector<std::unique_ptr<WorkerStats>> stats;
  for (int w = 0; w < workers; ++w) stats.push_back(std::make_unique<WorkerStats>());
  return stats;
}

// Runs work(w) on o.workers threads while the consumer takes up to `total_batches` batches, and
// summarises the run (the clock runs from the workers' start to the consumer's end).
ReaderResult RunWorkers(SharedRun& run, const ReaderOptions& o, uint64_t total_batches,
                        const std::vector<std::unique_ptr<WorkerStats>>& stats,
                        const std::function<void(int)>& work) {
  std::vector<Consumed> consumed(static_cast<size_t>(o.consumers));
  std::atomic<uint64_t> claimed{0};
  if (o.max_batches > 0) total_batches = std::min(total_batches, o.max_batches);
  const auto start = Clock::now();
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < o.workers; ++w) workers.emplace_back([&, w] { work(w); });
    {
      // The other accelerators on threads of their own, the first on this one.
      std::vector<std::jthread> accelerators;
      for (size_t c = 1; c < consumed.size(); ++c) {
        accelerators.emplace_back([&, c] {
          consumed[c] = Consume(run.queue(), total_batches, o.compute_ms_per_batch, claimed);
        });
      }
      consumed[0] = Consume(run.queue(), total_batches, o.compute_ms_per_batch, claimed);
    }
    run.Stop();
  }
  const double wall_sec = Seconds(Clock::now() - start);
  ThrowIfInterrupted();
  if (run.read_error()) std::rethrow_exception(run.read_error());
  ReaderResult r = Summarize(consumed, stats, wall_sec, o);
  r.verify_error = run.verify_error();
  return r;
}

// RunReader over a store read shard by shard.
ReaderResult RunShardReader(const SampleStore& store, const ShardSource& shards,
                            const DatasetSpec& spec, const ReaderOptions& o) {
  EpochOrders orders(shards.shards(), o.order, o.shuffle_seed, o.slice);
  if (orders.size() == 0) {
    throw UsageError(NothingToReadMessage(o.slice, shards.shards(), "shards"));
  }
  orders.Get(o.first_epoch);
  const std::vector<uint64_t> expected_bytes = ExpectedBytes(spec);
  const std::vector<std::unique_ptr<WorkerStats>> stats = MakeStats(o.workers);
  SharedRun run(static_cast<size_t>(o.prefetch));
  ShardWorker worker(store, shards, o, orders, expected_bytes, run);
  std::atomic<int> running{o.workers};
  // Workers' last batches of an epoch may be short: the count is known only at the end, when
  // the last worker out closes the queue and the consumer takes what is left.
  return RunWorkers(run, o, UINT64_MAX, stats, [&](int w) {
    worker.Run(w, *stats[w]);
    if (running.fetch_sub(1) == 1) run.queue().Close();
  });
}

}  // namespace

ReaderResult RunReader(SampleStore& store, const DatasetSpec& spec, const ReaderOptions& o) {
  ValidateReaderOptions(o, "reader options");
  if (const ShardSource* shards = store.shard_source()) {
    return RunShardReader(store, *shards, spec, o);
  }
  EpochOrders orders(spec.samples, o.order, o.shuffle_seed, o.slice);
  if (orders.size() == 0) throw UsageError(NothingToReadMessage(o.slice, spec.samples, "samples"));
  const BatchPlan plan(orders.size(), o);
  orders.Get(o.first_epoch);  // the first epoch's order before the clock starts
  const std::vector<uint64_t> expected_bytes = ExpectedBytes(spec);
  const std::vector<std::unique_ptr<WorkerStats>> stats = MakeStats(o.workers);
  // Cursors are opened before the clock starts: opening an environment is not a sample read.
  std::vector<std::unique_ptr<SampleStore::Cursor>> cursors;
  for (int w = 0; w < o.workers; ++w) cursors.push_back(store.OpenCursor());
  SharedRun run(static_cast<size_t>(o.prefetch));
  Worker worker(store, o, plan, orders, expected_bytes, run);
  return RunWorkers(run, o, plan.total_batches, stats,
                    [&](int w) { worker.Run(*cursors[w], *stats[w]); });
}

}  // namespace feedbench
