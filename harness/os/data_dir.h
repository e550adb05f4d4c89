// The data directory of a run: where datasets are generated and kept, marked as feedbench's own.
//
// A data directory carries a marker file `.feedbench-data-dir`. feedbench creates a missing
// directory, adopts an empty one, and refuses a non-empty directory without the marker (somebody
// else's data: never written to or deleted). While a DataDir is alive it holds an exclusive,
// non-waiting lock (FileLock) on the marker: one run per data directory at a time. Not copyable.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "harness/os/device.h"
#include "harness/os/file_lock.h"

namespace feedbench {

inline constexpr const char* kDataDirMarker = ".feedbench-data-dir";

// $TMPDIR/feedbench-data, or /var/tmp/feedbench-data when TMPDIR is unset or empty (not /tmp:
// a tmpfs on many distributions, where a cold run is refused).
std::filesystem::path DefaultDataDir();

// The type of the filesystem `path` would live on ("tmpfs", "ramfs") when that filesystem keeps its
// files in memory with no block device under it, else nullopt. A path that does not exist yet is
// judged by its nearest existing ancestor; nothing is created. Throws as ResolvePath (device.h).
std::optional<std::string> MemoryFilesystemOf(const std::filesystem::path& path,
                                              const SystemPaths& system = {});

class DataDir {
 public:
  // `flag` names the option in messages ("--data-dir"). Throws UsageError for a foreign non-empty
  // directory or a path that is not a directory; EnvironmentError when it cannot be created or is
  // locked by another feedbench process (the message names the holder's pid when known).
  DataDir(const std::filesystem::path& path, std::string_view flag);
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool created() const { return created_; }  // made by this run (a fresh directory)

  // Removes the directory when it holds nothing but the marker and this run created it, and the
  // parents this run created for it while they are empty; returns whether it removed the
  // directory. The constructor does this itself when it refuses after creating the directory.
  bool RemoveIfEmptyAndOurs();

 private:
  std::filesystem::path path_;
  std::filesystem::path created_top_;  // the highest directory the constructor made
  bool created_ = false;
  std::optional<FileLock> lock_;  // on the marker
};

}  // namespace feedbench
