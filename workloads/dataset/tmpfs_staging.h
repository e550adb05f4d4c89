// tmpfs staging: a files-layout dataset copied into memory (/dev/shm by default) for a run.
//
// A TmpfsStaging owns a directory feedbench-stage-<pid>-<n>-<spec hash> under the tmpfs directory
// and removes it when destroyed, when the process gets SIGINT or SIGTERM, and on failure half-way
// through the copy. Signals go through harness/os/interrupt.h: inside an InterruptScope the copy
// stops at its next file and throws Interrupted (the partial staging removed first) and live
// stagings are removed as the work unwinds; a signal that ends the process (outside a scope, or a
// second one) runs this file's interrupt cleanup, which removes every live staging with
// async-signal-safe calls only (a signal-safe list of roots). SIGKILL leaves the directory behind,
// so each staging records its owner in .feedbench-staging-owner (pid, start time, boot id), and a
// new staging first reclaims every staging in the same tmpfs directory whose owner is gone
// (ReclaimStaleStagings). Before copying it checks that the data fits: MemAvailable from
// /proc/meminfo and the tmpfs free space must each exceed the dataset's bytes plus a margin (64 MiB
// or 5%, the larger). Not copyable; not thread-safe; at most 64 stagings alive per process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/dataset/dataset.h"

namespace feedbench {

inline constexpr std::string_view kStagingPrefix = "feedbench-stage-";
// In every staging root: who made it. Lines "feedbench tmpfs staging", "pid <pid>",
// "start_ticks <field 22 of /proc/<pid>/stat>", "boot_id <boot id>".
inline constexpr std::string_view kStagingOwnerFile = ".feedbench-staging-owner";

// A staging directory whose owner is gone, found when a new staging was made.
struct ReclaimedStaging {
  std::filesystem::path dir;
  uint64_t bytes = 0;  // the blocks its files held: the memory given back
  std::string why;     // "its owner, pid 4242, is gone"
  std::string error;   // "" when removed; else why it could not be
};

struct StagingOptions {
  std::filesystem::path tmpfs_dir = "/dev/shm";
  std::string meminfo_path = "/proc/meminfo";  // tests point this at a fixture
  int threads = 0;                             // copy threads, 0 = auto
  // Told of each stale staging reclaimed before this one is made; unset: a line on stderr.
  std::function<void(const ReclaimedStaging&)> on_reclaimed;
  // Set: read another process's staging at this path (an MPI node leader's, harness/suite),
  // neither staging nor removing anything; it must be a staging whose owner lives (kAlive).
  std::optional<std::filesystem::path> shared_root;
};

// Whether a directory entry is a staging whose owner lives.
enum class StagingOwner {
  kNotStaging,  // not a feedbench staging (name, type, user or owner file do not fit): untouched
  kAlive,       // its owner process runs
  kGone,        // its owner exited: no such pid, a zombie, another process with that pid now (other
                // start time), or another boot
};

// Judges `dir` (an entry of a tmpfs directory) by the rules above; `why` (if set) gets the reason
// for kGone. A staging is a real directory (not a symlink) named feedbench-stage-<pid>-..., of this
// user (any user's for root), whose owner file names the same pid; one without an owner file
// (made before owner files existed) is judged by the pid in its name alone.
StagingOwner JudgeStaging(const std::filesystem::path& dir, std::string* why = nullptr);

// Removes every staging in `tmpfs_dir` whose owner is gone (JudgeStaging) and returns what it
// removed, with the bytes each held; nothing else is touched. Never throws: a directory that
// cannot be read gives an empty list, one that cannot be removed an entry with `error`.
std::vector<ReclaimedStaging> ReclaimStaleStagings(const std::filesystem::path& tmpfs_dir);

// Bytes that must be available to stage `total_bytes`.
uint64_t StagingNeedBytes(uint64_t total_bytes);

// MemAvailable in bytes from a /proc/meminfo text; throws EnvironmentError when absent.
uint64_t ParseMemAvailableBytes(std::string_view meminfo_text, std::string_view where);

class TmpfsStaging {
 public:
  // Reclaims stale stagings in options.tmpfs_dir (telling options.on_reclaimed), then copies the
  // files-layout dataset at `dataset_dir` into a new staging directory marked with its owner.
  // Throws UsageError when tmpfs_dir is not a directory; EnvironmentError when it would not fit
  // (with needed and available bytes: no space is exit 3) and on I/O errors (the partial staging
  // is removed first).
  TmpfsStaging(const std::filesystem::path& dataset_dir, const DatasetSpec& spec,
               const StagingOptions& options);
  ~TmpfsStaging();
  TmpfsStaging(const TmpfsStaging&) = delete;
  TmpfsStaging& operator=(const TmpfsStaging&) = delete;

  // The staging root: a files-layout tree (SampleFilePath applies).
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  int slot_ = -1;  // index in the signal-safe cleanup list
};

}  // namespace feedbench
