// The reader engine: what a training data loader does to storage, and how well it feeds compute.
//
// An epoch is a permutation of sample indices: kRandom is a seeded shuffle, different each epoch
// (seed mixed with the epoch number); kSequential is storage order. `workers` threads claim
// batches of `batch_size` consecutive positions of the epoch order (a batch never spans two
// epochs; the last one of an epoch may be short), read each sample whole through their own
// SampleStore::Cursor, timing each read as one latency (open+read+close for files), and push the
// batch into a bounded queue of `prefetch` batches. Consumers (one by default; `consumers`
// emulated accelerators) take batches and, when compute_ms_per_batch > 0, emulate the
// accelerator's step by sleeping (no CPU burnt).
//
// A store read shard by shard (SampleStore::shard_source, the shards layout) is read as WebDataset
// reads it instead: an epoch is an order of shards (kRandom: a seeded shuffle per epoch, as
// EpochOrder over the shard count; kSequential: storage order); each worker claims whole shards
// in turn and streams each from start to end (ShardStream), every member timed as one latency (the
// first includes opening the shard). In kRandom order each worker passes its samples through its
// own ShuffleBuffer of `shuffle_buffer` samples (shuffle_buffer.h), which changes the order they
// are delivered in, not the order they are read in; kSequential delivers them as read. Workers
// batch what they deliver (a worker's last batch of an epoch may be short) and on_sample is called
// at delivery.
//
// Wall time runs from the start of the workers to the end of the last batch's compute step.
// AU (accelerator utilisation, as MLPerf Storage defines it) = compute time / wall time, where
// compute time = batches x compute_ms_per_batch; with several consumers (emulated accelerators,
// `consumers`), each takes the next batch from the shared queue, and AU is the mean of theirs. Latency percentiles come from a log-linear
// histogram (fixed memory, < 1% relative error). RunReader blocks; it is thread-safe as long as
// each call has its own store or the store is shared (stores are thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "harness/measure/latency_histogram.h"
#include "workloads/dataset/dataset.h"
#include "workloads/dataset/sample_store.h"

namespace feedbench {

enum class Order { kRandom, kSequential };

// "random", "sequential"
std::string_view OrderName(Order order);
// Throws UsageError naming `what`.
Order ParseOrder(std::string_view text, std::string_view what = "--order");

// This process's share of each epoch when several processes (MPI ranks) read one dataset together
// (`--rank-data shard`): the epoch's order, the same on every rank (same seed), is cut into
// `count` contiguous parts and part `index` is read, so that each sample is read by exactly one
// rank per epoch. A store read shard by shard cuts the epoch's shard order the same way. The
// default, part 0 of 1, is the whole epoch.
struct RankSlice {
  int index = 0;  // 0 <= index < count
  int count = 1;  // >= 1

  // Positions [Begin(n), End(n)) of an epoch order of n items are this part's.
  uint64_t Begin(uint64_t items) const;
  uint64_t End(uint64_t items) const;
};

struct ReaderOptions {
  Order order = Order::kRandom;
  int workers = 1;                  // >= 1
  int batch_size = 32;              // >= 1
  int prefetch = 2;                 // queue capacity in batches, >= 1
  double compute_ms_per_batch = 0;  // >= 0
  int epochs = 1;                   // >= 1
  // The number (0-based) of the first epoch run: epoch k's shuffle and on_sample's epoch are
  // first_epoch + k, so that a run of one epoch at a time reads the same orders as one run.
  int first_epoch = 0;  // >= 0
  bool verify = true;               // CheckSample on every sample
  uint64_t shuffle_seed = 1;
  // Shard streams in random order: the samples each worker's shuffle buffer holds, >= 1.
  int shuffle_buffer = 1000;
  // Emulated accelerators, >= 1: each takes the next batch from the shared queue and steps
  // compute_ms_per_batch, as data-parallel trainers each draw from their loader.
  int consumers = 1;
  // Stop once the consumers took this many batches (a bounded number of training steps); 0: every
  // batch of the epochs. Figures then cover the batches taken.
  uint64_t max_batches = 0;
  // The part of each epoch this process reads (sharded across ranks); the whole epoch by default.
  RankSlice slice;
  // Test hook: called by a worker for every sample it read (epoch 0-based). Must be thread-safe.
  std::function<void(int epoch, uint64_t index)> on_sample;
};

// Throws UsageError naming `where` and the field for out-of-range options.
void ValidateReaderOptions(const ReaderOptions& options, std::string_view where);

struct ReaderResult {
  uint64_t samples = 0;  // samples read (all epochs)
  uint64_t bytes = 0;    // bytes read (all epochs)
  uint64_t batches = 0;
  double wall_sec = 0;
  double samples_per_sec = 0, bytes_per_sec = 0;
  double lat_p50_us = 0, lat_p95_us = 0, lat_p99_us = 0, lat_max_us = 0, lat_mean_us = 0;
  double consumer_wait_sec = 0;  // time the consumers waited for a batch, summed over them
  double compute_sec = 0;        // batches x compute_ms_per_batch, summed over the consumers
  int consumers = 1;             // emulated accelerators
  // AU (MLPerf Storage's accelerator utilisation) = 100 x compute_sec / (consumers x wall_sec):
  // the mean over the accelerators of each one's compute time over the wall time.
  double au_pct = 0;
  LatencyHistogram latency;      // every sample's read, from which the lat_ figures come
  // Sum of SampleDigest over every sample read (all epochs); stands for the content when verify.
  uint64_t content_digest = 0;
  // First bad sample when verify is on: "sample 17 (<path or key>): <what>". The run stops early.
  std::optional<std::string> verify_error;
};

// The order of epoch `epoch` (0-based) over `samples` samples. Pure.
std::vector<uint64_t> EpochOrder(uint64_t samples, Order order, uint64_t shuffle_seed, int epoch);

// Runs made one after another (epochs run one at a time) as one result (pure): samples, bytes,
// batches, wall, compute and consumer-wait seconds and content digests add up, latency histograms
// merge, and the rates, percentiles and AU are computed again from the sums; the verification
// error is the first run's that has one. An empty list gives an empty result.
ReaderResult CombineRuns(const std::vector<ReaderResult>& runs);

// Reads `spec.samples` samples from `store` for options.epochs epochs. A read error (RunError)
// stops the workers and is rethrown; a verification failure stops the run and is returned in
// verify_error (figures then cover what was read).
ReaderResult RunReader(SampleStore& store, const DatasetSpec& spec, const ReaderOptions& options);

}  // namespace feedbench
