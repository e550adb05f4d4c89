// fio profiles: the raw-ceiling jobs feedbench runs, as job files held in plain data.
//
// The built-in profiles are generated, not read from disk, so their safety properties hold by
// construction: every one only reads, and only files feedbench laid out in its own data directory
// (a test file) or the suite's own files-layout dataset (smallfile). Ramp and runtime are settable.
//   seq-read           libaio, direct, rw=read,     bs=1 MiB, iodepth=16   on the test file
//   rand-read-4k-qd32  libaio, direct, rw=randread, bs=4 KiB, iodepth=32   on the test file
//   rand-read-4k-qd1   psync,  direct, rw=randread, bs=4 KiB               on the test file
//   smallfile          psync, buffered, rw=read over every file below a directory (opendir),
//                      numjobs jobs (parallel readers, enough to keep the device busy), each
//                      with one file open at a time
//                      (openfiles=1), the next file chosen at random once the open one is read
//                      through (file_service_type=random:1048576): per file open, read front to
//                      back, close — what a loader of one-file-per-sample datasets does. Reads go
//                      through the page cache as the loader's do (so readahead shapes the device
//                      requests alike), and each file's cached pages are dropped when it is opened
//                      (invalidate=1), so every file comes from the device: the cold ceiling a
//                      files-layout loader can reach on these very files.
//                      Its ramp is a separate warm-up run (MakeFioWarmup), not fio's ramp_time:
//                      fio 3.33 spins forever when ramp_time ends in a time-based job that picks
//                      files at random (the ramp resets the count of finished files but not their
//                      flags, so the file picker never finds an unfinished one).
// A user-supplied .fio file is parsed and checked against an allow-list: every option must be one
// feedbench knows to be safe for read-only benchmarking (AllowedFioOptions), and the paths among
// them may not reach a raw device (a block or character device, or anything under /dev); anything
// else (include, read_iolog, write_*_log, exec_*, an option fio adds later) is refused. fio itself
// also runs with --readonly.
// All functions are pure and thread-safe, except the file-reading ones (LoadFioJobFile,
// CheckFioJobTargets), which stat/read the paths they are given.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedbench {

// One [section] of a job file: options in order, each "key" → "value" ("" for a flag).
struct FioJobSection {
  std::string name;
  std::vector<std::pair<std::string, std::string>> options;
};

// A job file: an optional [global] section and the jobs, in order.
struct FioJobFile {
  std::string profile;                // built-in profile name, or the file stem of a user's .fio
  std::vector<std::string> comments;  // rendered as "; ..." lines at the top
  std::vector<FioJobSection> sections;
};

struct FioProfileSettings {
  std::filesystem::path test_file;  // device profiles: the file to read (see fio_workload.h)
  uint64_t test_file_bytes = 1ULL << 30;
  std::filesystem::path smallfile_dir;         // smallfile: a files-layout data directory
  uint64_t smallfile_block_bytes = 64 * 1024;  // smallfile: bs; a multiple of 4 KiB
  int smallfile_jobs = 16;                     // smallfile: numjobs (parallel readers), 1..256
  double ramp_sec = 2;
  double runtime_sec = 10;
  bool direct = true;  // device profiles; false: buffered (direct=0) with invalidate=1, for
                       // filesystems without O_DIRECT. smallfile is always buffered.
};

// "seq-read", "rand-read-4k-qd32", "rand-read-4k-qd1", "smallfile".
std::span<const std::string_view> BuiltinFioProfiles();
bool IsBuiltinFioProfile(std::string_view name);
// True for the profiles that read the test file rather than a dataset.
bool FioProfileUsesTestFile(std::string_view name);

// The job file of a built-in profile. Throws UsageError for an unknown name (listing the built-in
// ones), a ramp below 0 or runtime below 1 s, an empty test_file or smallfile_dir where the profile
// needs it, a test file below 1 MiB, a smallfile block size that is not a positive multiple of
// 4 KiB, or smallfile jobs outside 1..256.
FioJobFile MakeFioProfile(std::string_view name, const FioProfileSettings& settings);

// The warm-up run a profile needs before its measured run, or nullopt: smallfile with a ramp above
// zero gets the same job for ramp_sec seconds (profile "smallfile-warmup"), whose figures are
// discarded. The other profiles ramp inside fio (ramp_time). Same errors as MakeFioProfile.
std::optional<FioJobFile> MakeFioWarmup(std::string_view name, const FioProfileSettings& settings);

// The job file's text, as fio reads it.
std::string RenderFioJobFile(const FioJobFile& job);

// Parses job-file text (INI: [sections], key=value, bare flags, ';' and '#' comments) as fio
// reads it: each line is cut at its first ';' or '#', and keys are lowered. Throws UsageError
// naming `source` and the line for text outside a section, an empty section name, or a line that
// starts with "include" (fio takes it for an include directive; included files are not checked,
// so they are refused).
FioJobFile ParseFioJobFile(std::string_view text, std::string_view source);

// The options a user's job file may use, by fio's name (aliases listed as their own entries): the
// I/O pattern and sizes, the file I/O engines, queue depth and page-cache handling, timing,
// CPU placement, and reporting that writes no files. Defined in kAllowedFioOptions in
// fio_profiles.cc; every option of the built-in profiles and of the probe jobs is on it.
std::vector<std::string_view> AllowedFioOptions();

// Refuses, with a UsageError naming `source`, the section and the option:
//   - any option not on AllowedFioOptions(), with "not on feedbench's list of allowed options"
//     (read_iolog, replay_*, write_*_log, exec_*, trigger*, include, ioscheduler, unknown ones);
//   - a path of filename, directory, opendir or filename_format that is under /dev or names a
//     block or character device (after following symlinks), or holds a variable fio would expand
//     unchecked (`$` in filename, directory and opendir; `${VAR}` in filename_format, whose
//     $jobname, $jobnum, $filenum are expanded for the check). A relative path is taken from
//     `base_dir` (fio's working directory); each name is also checked under every directory= the
//     job may have, as fio puts it in front of every file name;
//   - rw/readwrite other than read or randread (a ":N" suffix is fine);
//   - an ioengine other than exactly one of the file engines (sync, psync, vsync, pvsync,
//     pvsync2, libaio, io_uring, posixaio, mmap);
//   - unlink or unlink_each_loop other than off;
//   - a section name containing '/' or being '.' or '..' (fio names a job's files after it).
void CheckFioJobTargets(const FioJobFile& job, std::string_view source,
                        const std::filesystem::path& base_dir);

// Whether a job of `job` names `file` in a filename= (of its own section or a global one), taken
// as fio takes it and as CheckFioJobTargets resolves it: a relative name from `base_dir` (fio's
// working directory), and under every directory= the job may have (so, like the check, it may
// answer true for a name fio would only open under another directory). Paths are compared
// lexically normalised, without following symlinks. Pure.
bool FioJobNamesFile(const FioJobFile& job, const std::filesystem::path& file,
                     const std::filesystem::path& base_dir);

// Reads and checks a user's .fio file (ReadWholeFile, ParseFioJobFile, CheckFioJobTargets);
// profile = the file's stem.
FioJobFile LoadFioJobFile(const std::filesystem::path& path, const std::filesystem::path& base_dir);

// How long a job file asks fio to run: per job section, ramp_time + runtime (seconds when no unit;
// us, ms, s, m, h, d suffixes), summed over the job sections (an upper bound when they run in
// parallel). nullopt when a job has no runtime or a value does not parse.
std::optional<double> FioJobFileSeconds(const FioJobFile& job);

// fio's list of file names for filename= or opendir=: the paths joined by ':', a ':' within a
// path escaped as "\\:" (how fio reads the list back).
std::string JoinFioPaths(const std::vector<std::filesystem::path>& paths);

// A value of an option in a section, falling back to [global]; "" when absent.
std::string FioOption(const FioJobFile& job, std::string_view section, std::string_view key);

}  // namespace feedbench
