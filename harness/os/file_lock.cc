#include "harness/os/file_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace feedbench {
namespace fs = std::filesystem;
namespace {

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "pid 4242 (feedbench)" for whoever /proc/locks says holds a flock on `fd`'s inode; "" if unknown.
std::string DescribeHolder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "";
  const std::optional<pid_t> pid =
      FlockHolderPid(ReadText("/proc/locks"), major(st.st_dev), minor(st.st_dev), st.st_ino);
  if (!pid) return "";
  if (*pid == ::getpid()) return fmt::format("pid {} (this process)", *pid);
  std::string comm = ReadText(fmt::format("/proc/{}/comm", *pid));
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm.empty() ? fmt::format("pid {}", *pid) : fmt::format("pid {} ({})", *pid, comm);
}

}  // namespace

FileLock::FileLock(const fs::path& path, Mode mode, Open open) : path_(path) {
  int flags = O_RDONLY | O_CLOEXEC;
  if (open == Open::kDirectory) flags |= O_DIRECTORY;
  if (open == Open::kCreate) flags = O_RDWR | O_CREAT | O_CLOEXEC;
  fd_.reset(::open(path.c_str(), flags, 0644));
  if (fd_.get() < 0) {
    const int err = errno;
    throw FileLockError(
        fmt::format("cannot {} {} to lock it: {}", open == Open::kCreate ? "create" : "open",
                    path.string(), std::strerror(err)),
        FileLockError::Failure::kOpen, err, "");
  }
  const int operation = (mode == Mode::kExclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
  int result = 0;
  do {
    result = ::flock(fd_.get(), operation);
  } while (result != 0 && errno == EINTR);
  if (result == 0) return;
  const int err = errno;
  if (err != EWOULDBLOCK) {
    throw FileLockError(fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)),
                        FileLockError::Failure::kLock, err, "");
  }
  std::string holder = DescribeHolder(fd_.get());
  const std::string message =
      fmt::format("{}: locked by {}", path.string(), holder.empty() ? "another process" : holder);
  throw FileLockError(message, FileLockError::Failure::kBusy, err, std::move(holder));
}

std::optional<pid_t> FlockHolderPid(std::string_view proc_locks, unsigned major, unsigned minor,
                                    uint64_t inode) {
  // "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF" (major and minor in hex, inode decimal).
  std::istringstream lines{std::string(proc_locks)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string ordinal, type, advisory, access, pid_text, id;
    if (!(fields >> ordinal >> type) || type != "FLOCK") continue;  // also skips "->" waiters
    if (!(fields >> advisory >> access >> pid_text >> id)) continue;
    unsigned id_major = 0, id_minor = 0;
    unsigned long long id_inode = 0;
    if (std::sscanf(id.c_str(), "%x:%x:%llu", &id_major, &id_minor, &id_inode) != 3) continue;
    if (id_major != major || id_minor != minor || id_inode != inode) continue;
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    if (pid > 0) return static_cast<pid_t>(pid);
  }
  return std::nullopt;
}

}  // namespace feedbench
