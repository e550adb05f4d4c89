// A fio profile run as a feedbench workload: the raw ceiling, measured like every other workload.
//
// MeasureFioProfile prepares what the profile reads (the test file in the data directory, laid out
// once and reused, also for a user's .fio file that names it as filename=fio-testfile; or the
// files-layout dataset for smallfile), checks that the filesystem takes O_DIRECT for the device
// profiles (falling back to buffered reads with invalidation, and saying so; smallfile always
// reads buffered, as a loader does), runs fio (fio.h) inside a sampled window
// (harness/measure/sampled_window.h) over the given devices, and returns fio's figures next to the
// sampled ones; FioWorkload is the same as a Workload, its figures typed (ToFigures). Files it
// writes: only under <data_dir>/fio/ (the test file, and each run's job file, JSON output and
// stderr). Blocking; not for concurrent use on one data directory (the suite coordinator holds the
// data directory's lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/measure/measurement.h"
#include "harness/measure/node_activity.h"
#include "harness/measure/sampler.h"
#include "workloads/fio/fio.h"

namespace feedbench {

inline constexpr std::string_view kFioSubdir = "fio";
inline constexpr std::string_view kFioTestFileName = "fio-testfile";

struct FioWorkloadOptions {
  std::string profile;                // a built-in profile name, or the path of a .fio job file
  std::filesystem::path data_dir;     // feedbench's data directory (must exist)
  std::filesystem::path dataset_dir;  // smallfile: the files layout's data directory (<ds>/data)
  uint64_t test_file_bytes = 1ULL << 30;
  uint64_t smallfile_block_bytes = 0;  // 0: largest power of two <= smallest file, 4 KiB..1 MiB
  int smallfile_jobs = 16;             // smallfile: parallel readers (enough to keep a disk busy)
  double ramp_sec = 2;
  double runtime_sec = 10;
  std::chrono::milliseconds time_limit{0};  // 0: ramp + runtime (a .fio file's own, when it
                                            // sets them) + 120 s
  std::vector<std::string> devices;  // diskstats names to sample ("vda"); empty: no sampling.
                                     // The first is the one the device counters describe.
  std::chrono::milliseconds sample_interval{1000};
  std::string fio_program = "fio";
};

struct FioMeasurement {
  std::string profile;
  bool direct = true;              // false: the buffered fallback ran (see notes)
  std::vector<std::string> notes;  // plain sentences for the results file and the terminal
  FioRun run;                      // fio's full report and the kept files
  FioReadSummary reads;            // fio's read figures, over its runtime (after ramp_time)

  // Sampled by feedbench over the fio process's whole life (startup, ramp and runtime), as
  // fio's own disk_util is. Empty when no devices were given.
  std::vector<WindowSummary> device_windows;
  std::vector<SampleRow> timeline;
  std::optional<FioDiskUtil> fio_disk;  // fio's disk_util entry for devices[0], if it has one
  // What else used the node over the same window: CPU steal and pressure only. Own and foreign
  // reads are not recorded for fio (see ToFigures): that its job processes' reads all reach
  // /proc/self/io after it is reaped is not yet confirmed.
  NodeActivity activity;

  // fio's figures (bytes_per_second, iops, clat_mean_us, clat_p99_us, clat_p99_9_us,
  // lat_p50/p95/p99_us, all from fio's clat; usr_cpu_pct, sys_cpu_pct), with sampling the
  // device's (device_read_bytes, r_per_second, rareq_kb, r_await_ms, aqu_sz, util_pct of
  // devices[0]), and with fio's disk_util for devices[0] fio's view of it
  // (fio_disk_r_per_second, fio_disk_r_await_ms, fio_disk_aqu_sz, fio_disk_util_pct; rates over
  // the sampled window's duration), and what else used the node (node_activity.h: CPU steal and
  // pressure; no own or foreign reads, no foreign CPU time). A figure fio did not report is absent.
  Figures ToFigures() const;
  // The typed measurement of this repetition, labelled with the sampled `device`; disturbed when
  // the node's other work went beyond the limits of disturbance.h.
  RepetitionMeasurement ToMeasurement(const std::optional<std::string>& device) const;
};

// fio's default time limit for a run that asks for `job_sec` seconds (ramp + runtime): that plus
// two minutes for fio's setup (an opendir over a large dataset stats every file, a first run lays
// out its test file) and teardown.
std::chrono::milliseconds FioDefaultTimeLimit(double job_sec);

// fio's read figures as a repetition's: bytes_per_second, iops, clat_mean_us, clat_p99_us,
// clat_p99_9_us, lat_p50/p95/p99_us (fio's clat), usr_cpu_pct, sys_cpu_pct; a figure fio did not
// report is left absent.
void SetFioReadFigures(const FioReadSummary& reads, Figures& figures);

// Applies a suite workload's "options" object for a fio workload to `out`. Keys (all optional):
// "runtime_s" (number, 1..86400), "ramp_s" (number, 0..86400), "size" (the test file: a size with
// a unit such as "1GiB", or an integer of bytes; at least 1 MiB), "block_size" (smallfile's bs:
// same forms, a multiple of 4 KiB), "jobs" (smallfile's parallel readers: integer, 1..256),
// "time_limit_s" (number, 1..172800). An unknown key, a wrong
// type or an out-of-range value throws UsageError naming `where` and the key, or, for a key in
// `flag_of_key` (options built from command-line flags: "runtime_s" → "--runtime-s"), the flag and
// its value: "--runtime-s 0: expected a number of seconds from 1 to 86400".
void ApplyFioSuiteOptions(const nlohmann::json& options, std::string_view where,
                          FioWorkloadOptions& out,
                          const std::map<std::string, std::string>& flag_of_key = {});

// Runs one profile. Throws UsageError for an unknown profile, a user .fio file with an option off
// the allow-list or a path to a raw device (CheckFioJobTargets; fio does not run), a missing or
// empty dataset directory for smallfile, a data directory that does not exist; EnvironmentError
// when fio is missing or there is no space for the test file; RunError when fio fails, overruns
// its limit or reads no data.
FioMeasurement MeasureFioProfile(const FioWorkloadOptions& options);

// Lays out `path` with `bytes` of incompressible data (written to a temporary name, fsynced and
// renamed), unless a regular file of exactly that size is already there. Returns true when it
// wrote the file. Throws EnvironmentError when the filesystem lacks the space (plus 64 MiB), or
// the write fails; UsageError when `path` exists and is not a regular file.
bool PrepareFioTestFile(const std::filesystem::path& path, uint64_t bytes);

// Whether reads with O_DIRECT work on the filesystem holding `file` (an existing regular file):
// false when open(O_DIRECT) or an aligned 4 KiB read fails with EINVAL (tmpfs before Linux 6.6,
// some FUSE filesystems). Other errors throw EnvironmentError naming the file.
bool SupportsDirectIo(const std::filesystem::path& file);

// The regular files below a files-layout directory (recursively), as fio's opendir sees them.
struct FilesLayoutScan {
  uint64_t files = 0;
  uint64_t total_bytes = 0;
  uint64_t min_file_bytes = 0, max_file_bytes = 0;
  std::filesystem::path first_file;  // one file to probe O_DIRECT on
  std::vector<uint64_t> file_bytes;  // every file's size
};
// Throws UsageError naming `dir` when it is missing, not a directory, or holds no regular file.
FilesLayoutScan ScanFilesLayout(const std::filesystem::path& dir);

// The smallfile block size chosen for a scan: the largest power of two not above the smallest
// file, clamped to 4 KiB..1 MiB.
uint64_t AutoSmallfileBlockBytes(const FilesLayoutScan& scan);

// The share of the scanned bytes fio reads at block size `block_bytes`: it reads whole blocks only,
// so each file contributes floor(size / block) * block.
double SmallfileCoverage(const FilesLayoutScan& scan, uint64_t block_bytes);

// A fio profile as a Workload (harness/measure/measurement.h): each RunOnce runs
// MeasureFioProfile with the same options. Not thread-safe.
class FioWorkload : public Workload {
 public:
  explicit FioWorkload(FioWorkloadOptions options) : options_(std::move(options)) {}
  RepetitionMeasurement RunOnce(int repetition) override;
  const FioWorkloadOptions& options() const { return options_; }

 private:
  FioWorkloadOptions options_;
};

}  // namespace feedbench
