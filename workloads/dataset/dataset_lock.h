// DatasetLock: one process's claim on a dataset directory while it generates, removes or reads it.
//
// A FileLock on the directory itself, held while the object lives: exclusive for generation and
// removal, shared for reading (runs). It never waits: a conflicting holder makes the constructor
// throw EnvironmentError "<dir>: in use by another feedbench process (locked); held by pid N
// (feedbench); wait for it or use another directory" (the holder named when known). flock
// conflicts between two open descriptions even in one process: do not hold a shared lock on `dir`
// while calling EnsureDataset or RemoveDataset on it. Not copyable; one owner.
#pragma once

#include <filesystem>

#include "harness/os/file_lock.h"

namespace feedbench {

class DatasetLock {
 public:
  enum class Mode { kShared, kExclusive };
  // Throws EnvironmentError when `dir` cannot be opened or a conflicting lock is held.
  DatasetLock(const std::filesystem::path& dir, Mode mode);
  DatasetLock(const DatasetLock&) = delete;
  DatasetLock& operator=(const DatasetLock&) = delete;

 private:
  FileLock lock_;
};

}  // namespace feedbench
