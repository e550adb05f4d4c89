#include "harness/base/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
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

}  // namespace

void WriteFileAtomic(const fs::path& destination, std::string_view content) {
  const fs::path dir = destination.has_parent_path() ? destination.parent_path() : fs::path(".");
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

void CheckWritableDestination(const fs::path& path, std::string_view flag) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(
        fmt::format("{} {}: directory {} does not exist", flag, path.string(), dir.string()));
  }
  if (fs::is_directory(path, ec)) {
    throw UsageError(
        fmt::format("{} {}: is a directory; expected a file path", flag, path.string()));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw UsageError(fmt::format("{} {}: directory {} is not writable: {}", flag, path.string(),
                                 dir.string(), std::strerror(errno)));
  }
}

}  // namespace feedbench
