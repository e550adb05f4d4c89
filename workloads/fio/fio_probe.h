// The probe: a short fio run of a reader workload's own access pattern on its own dataset, taken
// right before each repetition, so that every repetition has a ceiling measured seconds (not
// minutes) away from it on the same filesystem, files and device.
//
// What it reads, per layout (always buffered, through the page cache as the reader does, with
// each file's cached pages dropped when fio opens it: invalidate=1, so the probe reads the device):
//   files  opendir over the dataset's sample files; 4 x the workload's workers as jobs (at most
//          256: fio's own per-file path — its file bookkeeping, the invalidation — costs more
//          than a loader's, so at the same concurrency it came out below the loader: measured on
//          this project's VM, 4 jobs 1.34 GB/s against 1.5-1.7 for 4 workers, 16 jobs
//          1.55-1.64); each job with one file open at a time, read front to back at bs = the
//          largest power of two not above the smallest file (4 KiB..1 MiB), the next file at
//          random (random order) or in directory order (sequential): open + read + close per
//          file, as the reader pays. fio counts whole blocks only; the kernel reads each file
//          whole, so the probe's bytes/s are fio's ÷ the share counted.
//   lmdb   the environment's data.mdb, split among `workers` jobs (each over 1/jobs of it), read
//          pass after pass (fio drops the file's pages again at each reopen): random order,
//          rw=randread at bs = the mean sample size rounded up to 4 KiB (a record's overflow pages
//          are contiguous); sequential order, rw=read at 1 MiB, a stream (below).
//   shards the shard files, each job a disjoint list of whole shards (at most one job per shard,
//          as the reader has at most one worker per shard; `workers` jobs at most), read front to
//          back at 1 MiB (the reader's stream reads), the next shard at random (random order) or
//          in storage order, pass after pass. fio counts the tar headers, padding and end blocks
//          the reader does not: the probe's bytes/s are fio's x payload ÷ shard bytes. Jobs
//          name their shards relative to the shards directory, as many as fit in fio's 4096-byte
//          option value (a probe of seconds reads a few).
//   records the data files (not the index): at least as many files as workers, each job a
//          disjoint list of whole files; fewer, each file split among ceil(workers / files) jobs;
//          random order, rw=randread at the mean sample size rounded up to 4 KiB (one pread per
//          record, as the reader); sequential, rw=read at 1 MiB; pass after pass.
//   tmpfs  no probe: the layout reads memory, there is no device pattern to bound.
// What it bounds: the device's delivery of this access pattern, at or above the workload's
// concurrency, with nothing else to do (no checksum, no batching, no hand-off to a consumer). A
// reader repetition reading the same pattern cannot get more from the device, so
// probe_efficiency_pct = the repetition's bytes_per_second ÷ the probe's stays ≤ 100% up to the
// node's drift over the seconds between the two and the share the repetition read from the page
// cache (1 − device_read_ratio). Checked on a throttled loop device for every layout at random
// and for the streams in order (tests/workloads/fio/fio_probe_test.cc). A stream's probe counts
// the device's reads as well as fio's (ProbeJob::stream_device_share): counted by fio alone, the
// lmdb probe in order read 21.5 MiB/s under a 24 MiB/s throttle while the loader (whose mapping
// faults in ahead of it) got the throttle's full rate; with the device's reads, 23.8-24.0. It is a
// ceiling of the pattern, not of the device (seq-read and the qualify suite measure that).
//
// Files: the probe's job file, fio's JSON output and stderr in `work_dir`, overwritten by each
// probe of the same name. Blocking (seconds + fio's start); thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "workloads/dataset/dataset_dir.h"
#include "workloads/fio/fio_profiles.h"

namespace feedbench {

enum class ProbeOrder { kRandom, kSequential };

// The workload a probe stands beside.
struct ProbeTarget {
  Layout layout = Layout::kFiles;
  ProbeOrder order = ProbeOrder::kRandom;
  std::filesystem::path dataset_dir;  // the dataset's directory (holding data/ or lmdb/)
  int jobs = 1;                       // the workload's workers, 1..256
  uint64_t mean_sample_bytes = 0;     // lmdb, records random: the block size before rounding
  uint64_t payload_bytes = 0;         // shards: the samples' bytes in all (0: fio's bytes as read)
};

inline constexpr double kDefaultProbeSeconds = 1;
inline constexpr double kMinProbeSeconds = 0.5;
inline constexpr double kMaxProbeSeconds = 60;

struct ProbeOptions {
  double seconds = kDefaultProbeSeconds;  // fio's runtime, kMinProbeSeconds..kMaxProbeSeconds
  std::filesystem::path work_dir;         // must exist
  std::string name = "probe";             // file stem of the job file and outputs
  std::string fio_program = "fio";
  // The /proc/diskstats device under the dataset (see ProbeJob::stream_device_share); "": none.
  std::string device;
  std::string diskstats_path = "/proc/diskstats";
};

// Throws UsageError naming --probe-seconds when `seconds` is outside kMinProbeSeconds..
// kMaxProbeSeconds (NaN included).
void CheckProbeSeconds(double seconds);

// Why a target gets no probe ("the tmpfs layout reads memory: no device pattern to bound"), or
// nullopt when it gets one.
std::optional<std::string> ProbeNotApplicable(Layout layout);

// What a probe runs: fio's job file, the shared-memory pool it needs, and a few words for
// reports ("fio psync buffered, 4 jobs, whole files in random order, bs 128KiB, 2 s").
struct ProbeJob {
  FioJobFile job;
  uint64_t alloc_size_kib = 0;  // fio's --alloc-size; 0: fio's default
  std::string description;
  // The bytes fio counts per byte the reader would count for the same reads: files — fio counts
  // whole blocks only (SmallfileCoverage, below 1), while every file it opens is read whole (the
  // kernel's readahead takes the tail it leaves); shards — fio also counts the tar headers,
  // padding and end blocks (shard bytes ÷ payload, above 1); 1 for lmdb and records.
  double counted_share = 1;
  // A stream (shards, lmdb and records in order): the reader's bytes per byte the device reads
  // for it (payload ÷ shard bytes; 1 for records, and for lmdb, counted in data.mdb's bytes: see
  // LmdbProbe); 0 for the other probes. A buffered stream's
  // readahead runs up to twice the device's read_ahead_kb ahead of fio per job (on this
  // project's VM 5 MiB per job on a loop device, 16 MiB on vda); when the runtime ends, that is
  // read but not counted by fio: at 24 MiB/s, 2 jobs counted 12% less than the device delivered.
  // So a stream probe with ProbeOptions::device also counts the device's reads over fio's
  // runtime, in the reader's unit, and takes the larger of the two.
  double stream_device_share = 0;
};

// The probe's job for `target` (see the top of this file); scans the dataset's files for the
// files layout. Throws UsageError for a layout without a probe, jobs outside 1..256, seconds
// outside 0.5..60, a files dataset without files, an lmdb one without data.mdb, a shards one
// without shards or a records one without data files.
ProbeJob MakeProbeJob(const ProbeTarget& target, double seconds);

struct ProbeResult {
  // fio's read bw over its runtime, summed over jobs, ÷ ProbeJob::counted_share: the bytes of
  // the files it read whole, per second, in the unit the reader's bytes_per_second counts; for a
  // stream with a device, the larger of that and device_bytes_per_second.
  double bytes_per_second = 0;
  // A stream with a device: the device's read bytes while fio ran, over fio's runtime, x
  // ProbeJob::stream_device_share; 0 otherwise.
  double device_bytes_per_second = 0;
  uint64_t bytes = 0;
  double runtime_sec = 0;  // fio's measured runtime
  double wall_sec = 0;     // the fio process's life
};

// Runs the probe's job (RunFio with a limit of seconds + 60 s). Throws EnvironmentError when fio
// is missing; RunError when fio fails, overruns or reads nothing.
ProbeResult RunProbe(const ProbeJob& job, const ProbeOptions& options);

}  // namespace feedbench
