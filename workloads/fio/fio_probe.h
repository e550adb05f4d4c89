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
//          are contiguous); sequential order, rw=read at 1 MiB.
//   tmpfs  no probe: the layout reads memory, there is no device pattern to bound.
// What it bounds: the device's delivery of this access pattern, at or above the workload's
// concurrency, with nothing else to do (no checksum, no batching, no hand-off to a consumer). A
// reader repetition reading the same pattern cannot get more from the device, so
// probe_efficiency_pct = the repetition's bytes_per_second ÷ the probe's stays ≤ 100% up to the
// node's drift over the seconds between the two and the share the repetition read from the page
// cache (1 − device_read_ratio). Checked on a throttled loop device for files and lmdb at random
// (tests/workloads/fio/fio_probe_test.cc). Not for lmdb in order: there the loader's mapping
// faults in ahead of it (the kernel's read-around) and outpaced fio's read(2) streams, at 1 to 12
// jobs, by 15-40% on the same throttled device; its probe is a control beside the repetition,
// not a ceiling. It is a ceiling of the pattern, not of the device (seq-read and the qualify
// suite measure that).
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
  uint64_t mean_sample_bytes = 0;     // lmdb random: the block size before rounding
};

inline constexpr double kDefaultProbeSeconds = 1;
inline constexpr double kMinProbeSeconds = 0.5;
inline constexpr double kMaxProbeSeconds = 60;

struct ProbeOptions {
  double seconds = kDefaultProbeSeconds;  // fio's runtime, kMinProbeSeconds..kMaxProbeSeconds
  std::filesystem::path work_dir;         // must exist
  std::string name = "probe";             // file stem of the job file and outputs
  std::string fio_program = "fio";
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
  // The share of the bytes the probe reads that fio counts: files — fio counts whole blocks only
  // (SmallfileCoverage), while every file it opens is read whole (the kernel's readahead takes
  // the tail it leaves); 1 for lmdb.
  double counted_share = 1;
};

// The probe's job for `target` (see the top of this file); scans the dataset's files for the
// files layout. Throws UsageError for a layout without a probe, jobs outside 1..256, seconds
// outside 0.5..60, a files dataset without files or an lmdb one without data.mdb.
ProbeJob MakeProbeJob(const ProbeTarget& target, double seconds);

struct ProbeResult {
  // fio's read bw over its runtime, summed over jobs, ÷ ProbeJob::counted_share: the bytes of
  // the files it read whole, per second, in the unit the reader's bytes_per_second counts.
  double bytes_per_second = 0;
  uint64_t bytes = 0;
  double runtime_sec = 0;  // fio's measured runtime
  double wall_sec = 0;     // the fio process's life
};

// Runs the probe's job (RunFio with a limit of seconds + 60 s). Throws EnvironmentError when fio
// is missing; RunError when fio fails, overruns or reads nothing.
ProbeResult RunProbe(const ProbeJob& job, const ProbeOptions& options);

}  // namespace feedbench
