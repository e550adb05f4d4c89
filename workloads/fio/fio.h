// fio, the raw-ceiling tool: invoking it and reading what it reports.
//
// RunFio writes a job file, runs `fio --output-format=json --output=FILE --readonly JOBFILE` as a
// child process (harness/child_process.h) under a time limit, keeps its stderr in a file of its
// own, and parses the JSON. ParseFioOutput is pure and defensive: it skips text fio prints before
// the JSON (warnings, error lines), reads fio's non-JSON `nan`/`inf` tokens as "not reported", and
// accepts both fio 3.x names (clat_ns, percentile keys "99.000000") and the older µs ones (clat).
// Figures carry their units in their names: bytes, bytes/s, µs, ms, percent.
// In client/server mode (RunFioClients: `fio --client=... JOB --client=... JOB`, one job file per
// server) fio writes the jobs of every server under "client_stats", each with the server's
// "hostname" and "port", and, with more than one server, an "All clients" entry (throughput and
// IOPS summed over the servers, the mean latency over all their I/O, no percentiles in fio 3.33);
// ParseFioOutput reads that form too.
// All functions are thread-safe; RunFio and RunFioClients block for the length of the fio run.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedbench {

struct FioJobFile;  // workloads/fio_profiles.h

// Completion latency of one direction, in µs. A percentile fio did not report (no I/O, a custom
// percentile_list, a non-finite value) is nullopt.
struct FioLatencyUs {
  std::optional<double> mean, p50, p95, p99, p99_9, max;
  uint64_t samples = 0;
};

// One direction (read or write) of one job, over fio's measured runtime (after ramp_time).
struct FioDirection {
  uint64_t io_bytes = 0;
  double bytes_per_sec = 0;  // fio's bw_bytes
  double iops = 0;
  uint64_t total_ios = 0;
  uint64_t short_ios = 0;
  double runtime_ms = 0;
  FioLatencyUs clat;
};

struct FioJob {
  std::string name;
  int error = 0;  // errno-style code fio stored for the job; 0 = ran fine
  FioDirection read, write;
  std::optional<double> usr_cpu_pct, sys_cpu_pct;
  double job_runtime_ms = 0;
  // Client/server mode: the server that ran the job, as fio names it ("127.0.0.1", 8765); empty
  // and 0 for a local run.
  std::string hostname;
  int port = 0;
};

// fio's own view of a disk over its whole run (its `disk_util` array). Ticks are milliseconds.
struct FioDiskUtil {
  std::string name;
  uint64_t read_ios = 0, write_ios = 0, read_merges = 0, write_merges = 0;
  uint64_t read_ticks_ms = 0, write_ticks_ms = 0, in_queue_ms = 0;
  std::optional<uint64_t> read_sectors, write_sectors;  // newer fio only
  double util_pct = 0;
};

struct FioReport {
  std::string fio_version;  // "fio-3.33"
  std::vector<FioJob> jobs;
  std::vector<FioDiskUtil> disk_util;
  std::string preamble;  // text fio wrote before the JSON document, trimmed ("" when none)
  std::vector<std::string> non_finite_keys;  // JSON paths fio wrote as nan/inf
  // Client/server mode with more than one server: fio's "All clients" entry (not in `jobs`).
  std::optional<FioJob> all_clients;
};

// Parses fio's JSON output. `source` names the file in messages. Throws RunError for an empty
// text, text without a complete JSON document (truncated output), a document without a "jobs"
// (or, from a client, "client_stats") array, or a job whose required figures (bw_bytes, iops,
// io_bytes, runtime) are missing.
FioReport ParseFioOutput(std::string_view text, std::string_view source);

// A job fio marked failed, as a sentence ("job 'seq-read': error 5 (Input/output error)"), or
// nullopt when every job ran.
std::optional<std::string> FioJobFailure(const FioReport& report);

// Read figures summed over a report's jobs: throughput and IOPS add up; latency percentiles are
// the maximum over jobs (an upper bound of the pooled percentile) and the mean is weighted by
// I/O count. With one job these are that job's figures.
struct FioReadSummary {
  uint64_t io_bytes = 0;
  double bytes_per_sec = 0;
  double iops = 0;
  uint64_t total_ios = 0;
  double runtime_ms = 0;  // the longest job's
  FioLatencyUs clat;
  std::optional<double> usr_cpu_pct, sys_cpu_pct;  // mean over jobs
};
FioReadSummary SummarizeReads(const FioReport& report);

// SummarizeReads over the jobs one server ran (client/server mode), matched on hostname and port.
FioReadSummary SummarizeServerReads(const FioReport& report, const std::string& hostname, int port);

inline constexpr std::string_view kFioInstallHint =
    "fio not found on PATH; install it with `apt-get install fio`";

struct FioRunOptions {
  std::filesystem::path work_dir;     // job file, JSON output and stderr go here; must exist
  std::string name;                   // file stem for them: <name>.fio, <name>.json, <name>.stderr
  std::filesystem::path working_dir;  // fio's cwd (relative paths in a job file); empty: work_dir
  std::chrono::milliseconds time_limit{0};  // REQUIRES > 0
  std::string fio_program = "fio";          // looked up on PATH
  // fio's --alloc-size (KiB of its shared-memory pool); 0 leaves fio's default. Jobs over large
  // file sets need more: every job keeps a file entry per file it may open.
  uint64_t alloc_size_kib = 0;
  // Added to the failure message when fio refused to lay out or extend a file for --readonly:
  // what the caller offers instead (a user's job file: the test file feedbench lays out).
  std::string read_only_hint;
};

// The --alloc-size (KiB) for `jobs` jobs over `files` files: fio's default pool (16 MiB) or
// 512 bytes per file entry, whichever is larger (fio 3.33 aborts with "smalloc: OOM" when its
// pools run out; each entry takes about 200 bytes with its name).
uint64_t FioAllocSizeKib(uint64_t files, uint64_t jobs);

struct FioRun {
  FioReport report;
  std::filesystem::path job_path, output_path, stderr_path;
  double wall_sec = 0;  // the fio process's life, start to exit
};

// Runs one job file. Throws EnvironmentError when fio is not on PATH (kFioInstallHint) or cannot
// start; RunError when fio overruns its limit ("fio exceeded its time limit of N s"), exits
// non-zero, reports a failed job, or writes unusable output — each message carries the tail of
// fio's stderr and the paths of the kept files.
FioRun RunFio(const FioJobFile& job, const FioRunOptions& options);

// One server of a client/server run: fio's --client argument ("ip:127.0.0.1,8801",
// "ip6:::1,8765", "node7,8765") and the job file it runs.
struct FioClientJob {
  std::string client_arg;
  const FioJobFile* job = nullptr;  // REQUIRES: set, outlives the call
};

// Runs fio as the client of already running `fio --server`s: each job file goes to its server,
// written as <name>.<i>.fio in work_dir; fio's output as RunFio's. Not --readonly (it would bind
// only this process; the servers run the jobs): the jobs themselves must only read. Throws as
// RunFio does, and RunError when fio reported no job at all (a server refused a job: the lines
// fio's servers wrote, "<host> fio: ...", are quoted).
FioRun RunFioClients(const std::vector<FioClientJob>& clients, const FioRunOptions& options);

// What a message about a fio run that went wrong says of fio's own words and files, so that the
// message stands alone: the tail of fio's stderr, quoted; when fio refused to lay out or extend a
// file, why (it runs with --readonly); and the paths of the files kept (the job file, the JSON
// output when fio wrote one, stderr). `read_only_hint`, if any, follows the refusal's reason.
// Reads run.stderr_path; "fio wrote nothing to stderr" when it is empty or missing.
std::string FioFailureNote(const FioRun& run, std::string_view read_only_hint = {});

// The sentence fio 3.x writes to stderr when --readonly stops it from laying out or extending a
// file a job reads (filesetup.c extend_file).
inline constexpr std::string_view kFioReadOnlyRefusal = "refusing extend of file due to read-only";

// `fio --version` ("fio-3.33"). Throws EnvironmentError when fio is not on PATH.
std::string FioVersion(const std::string& fio_program = "fio");

}  // namespace feedbench
