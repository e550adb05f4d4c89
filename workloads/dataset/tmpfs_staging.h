// tmpfs staging: a files-layout dataset copied into memory (/dev/shm by default) for a run.
//
// A TmpfsStaging owns a directory feedbench-stage-<pid>-<n>-<spec hash> under the tmpfs directory
// and removes it when destroyed, when the process gets SIGINT or SIGTERM (a signal-safe cleanup
// list: the handler removes every live staging with only async-signal-safe calls, then re-raises
// the signal with the default action), and on failure half-way through the copy. Before copying it
// checks that the data fits: MemAvailable from /proc/meminfo and the tmpfs free space must each
// exceed the dataset's bytes plus a margin (64 MiB or 5%, the larger). Not copyable; not
// thread-safe; at most 64 stagings alive per process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "workloads/dataset/dataset.h"

namespace feedbench {

struct StagingOptions {
  std::filesystem::path tmpfs_dir = "/dev/shm";
  std::string meminfo_path = "/proc/meminfo";  // tests point this at a fixture
  int threads = 0;                             // copy threads, 0 = auto
};

// Bytes that must be available to stage `total_bytes`.
uint64_t StagingNeedBytes(uint64_t total_bytes);

// MemAvailable in bytes from a /proc/meminfo text; throws EnvironmentError when absent.
uint64_t ParseMemAvailableBytes(std::string_view meminfo_text, std::string_view where);

class TmpfsStaging {
 public:
  // Copies the files-layout dataset at `dataset_dir` into a new staging directory.
  // Throws UsageError when it would not fit (with needed and available bytes) or tmpfs_dir is not
  // a directory; EnvironmentError on I/O errors (the partial staging is removed first).
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
