#include "harness/base/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void Fail(const fs::path& path, std::string_view step, int err) {
  throw EnvironmentError(
      fmt::format("cannot write {}: {} failed: {}", path.string(), step, std::strerror(err)));
}

// The directory that holds `path`: its parent, or "." for a bare name.
fs::path HoldingDirectory(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

// The output-path policy: the holding directory may be new when its own parent is a directory
// (one level, so that a typo does not make a tree of folders).
bool MayCreateHoldingDirectory(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) && fs::is_directory(HoldingDirectory(dir), ec);
}

}  // namespace

void WriteFileAtomic(const fs::path& destination, std::string_view content) {
  const fs::path dir = HoldingDirectory(destination);
  if (MayCreateHoldingDirectory(dir) && ::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    const int err = errno;
    Fail(destination, "creating its directory " + dir.string(), err);
  }
  std::string tmpl = (dir / ("." + destination.filename().string() + ".tmp.XXXXXX")).string();
  UniqueFd fd(::mkstemp(tmpl.data()));
  if (fd.get() < 0) Fail(destination, "creating a temporary file", errno);
  const fs::path tmp_path = tmpl;
  auto cleanup = [&](std::string_view step, int err) {
    ::unlink(tmp_path.c_str());
    Fail(destination, step, err);
  };
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      cleanup("write", errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), 0644) != 0) cleanup("fchmod", errno);
  if (::fsync(fd.get()) != 0) cleanup("fsync", errno);
  if (::close(fd.release()) != 0) cleanup("close", errno);
  if (::rename(tmp_path.c_str(), destination.c_str()) != 0) cleanup("rename", errno);
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
}

std::string ReadWholeFile(const fs::path& path) {
  // O_NONBLOCK so that opening a FIFO nobody writes to cannot hang; cleared before reading, so a
  // pipe with a writer (a shell's <(...)) is read to its end.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    throw UsageError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw UsageError(fmt::format("cannot read {}: is a directory; expected a file", path.string()));
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw UsageError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

void CheckWritableDestination(const fs::path& path, std::string_view flag, uint64_t room_bytes) {
  const fs::path dir = HoldingDirectory(path);
  std::error_code ec;
  // A new folder is made in its parent: that is the directory that must be writable.
  const bool new_folder = MayCreateHoldingDirectory(dir);
  const fs::path existing = new_folder ? HoldingDirectory(dir) : dir;
  if (!new_folder && fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw UsageError(
        fmt::format("{} {}: {} is not a directory", flag, path.string(), dir.string()));
  }
  if (!new_folder && !fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format(
        "{} {}: directory {} does not exist, nor does its parent (feedbench makes only the last "
        "folder of an output path)",
        flag, path.string(), dir.string()));
  }
  if (fs::is_directory(path, ec)) {
    throw UsageError(
        fmt::format("{} {}: is a directory; expected a file path", flag, path.string()));
  }
  if (::access(existing.c_str(), W_OK) != 0) {
    throw UsageError(fmt::format("{} {}: directory {} is not writable: {}", flag, path.string(),
                                 existing.string(), std::strerror(errno)));
  }
  if (room_bytes == 0) return;
  struct statvfs st {};
  if (::statvfs(existing.c_str(), &st) != 0) return;  // the write itself will say what is wrong
  const uint64_t free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  if (free_bytes < room_bytes) {
    throw EnvironmentError(fmt::format(
        "{} {}: no space left for it: {} has {} bytes free, {} bytes are needed", flag,
        path.string(), existing.string(), free_bytes, room_bytes));
  }
}

}  // namespace feedbench
