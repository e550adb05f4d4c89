#include "workloads/dataset/dataset_lock.h"

#include <fmt/format.h>

#include <cstring>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

FileLock LockDirectory(const std::filesystem::path& dir, DatasetLock::Mode mode) {
  const FileLock::Mode lock_mode =
      mode == DatasetLock::Mode::kExclusive ? FileLock::Mode::kExclusive : FileLock::Mode::kShared;
  try {
    return FileLock(dir, lock_mode, FileLock::Open::kDirectory);
  } catch (const FileLockError& e) {
    if (e.busy()) {
      throw EnvironmentError(fmt::format(
          "{}: in use by another feedbench process (locked){}; wait for it or use another "
          "directory",
          dir.string(), e.holder().empty() ? "" : "; held by " + e.holder()));
    }
    // As every I/O error on a dataset directory reads: "<what> <path>: <errno text>".
    const bool opened = e.failure() == FileLockError::Failure::kLock;
    throw EnvironmentError(fmt::format("{} {}: {}", opened ? "locking" : "opening", dir.string(),
                                       std::strerror(e.error_number())));
  }
}

}  // namespace

DatasetLock::DatasetLock(const std::filesystem::path& dir, Mode mode)
    : lock_(LockDirectory(dir, mode)) {}

}  // namespace feedbench
