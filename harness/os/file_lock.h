// FileLock: an advisory lock (flock) on one file or directory, held while the object lives.
//
// The lock is taken without waiting: the constructor either holds it or throws. Shared locks
// coexist; an exclusive one conflicts with any other. flock locks belong to an open file
// description, so two FileLocks on one path conflict even inside one process, and the lock goes
// with the descriptor (closed on destruction, or on exit however the process ends). When a lock is
// busy the error names, where /proc/locks tells, the process holding it. Movable, not copyable;
// one owner at a time (not thread-safe); distinct FileLocks are independent.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"

namespace feedbench {

// A lock that was not taken, and why: the path could not be opened (kOpen), flock failed
// (kLock), or another open file description holds a conflicting lock (kBusy; holder() names it
// when known). The message names the path: "/data/x: locked by pid 4242 (feedbench)", "cannot
// open /data/x to lock it: No such file or directory".
class FileLockError : public EnvironmentError {
 public:
  enum class Failure { kOpen, kLock, kBusy };
  FileLockError(const std::string& message, Failure failure, int error_number, std::string holder)
      : EnvironmentError(message),
        failure_(failure),
        error_number_(error_number),
        holder_(std::move(holder)) {}
  Failure failure() const { return failure_; }
  bool busy() const { return failure_ == Failure::kBusy; }
  int error_number() const { return error_number_; }  // errno; EWOULDBLOCK when busy
  // "pid 4242 (feedbench)", "pid 4242 (this process)"; "" when unknown (not busy, no /proc/locks,
  // or a holder in another pid namespace).
  const std::string& holder() const { return holder_; }

 private:
  Failure failure_;
  int error_number_;
  std::string holder_;
};

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };
  // kExisting: opens what is there, read-only (a file or a directory). kDirectory: the same, and
  // it must be a directory (else ENOTDIR). kCreate: opens a regular file read-write, creating it
  // (mode 0644) when missing, e.g. a marker file to write a note into.
  enum class Open { kExisting, kDirectory, kCreate };

  // Opens `path` and locks it without waiting. Throws FileLockError (see above).
  FileLock(const std::filesystem::path& path, Mode mode, Open open = Open::kExisting);

  // The locked descriptor (to write into a kCreate file); owned by the lock.
  int fd() const { return fd_.get(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

// The pid /proc/locks gives for a FLOCK lock on the inode (device major:minor, inode number), or
// nullopt when it lists none; a pid of 0 (a holder outside this pid namespace) is none. Pure: the
// text of /proc/locks is the input. Lines of waiters ("->") are skipped.
std::optional<pid_t> FlockHolderPid(std::string_view proc_locks, unsigned major, unsigned minor,
                                    uint64_t inode);

}  // namespace feedbench
