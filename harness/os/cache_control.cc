#include "harness/os/cache_control.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"

namespace feedbench {

std::optional<std::string> DropPageCache() {
  constexpr const char* kPath = "/proc/sys/vm/drop_caches";
  const int fd = ::open(kPath, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fmt::format("not permitted: {}: {}", kPath, std::strerror(errno));
  // Dirty pages cannot be dropped: write them back first.
  ::sync();
  const ssize_t written = ::write(fd, "3\n", 2);
  const int saved = errno;
  ::close(fd);
  if (written != 2) return fmt::format("not permitted: {}: {}", kPath, std::strerror(saved));
  return std::nullopt;
}

std::string EvictionFailure::Describe() const {
  return fmt::format("{}: {}: {}", path.string(), call, std::strerror(error_number));
}

std::string EvictionReport::Describe(size_t max_listed) const {
  if (ok()) return "";
  size_t failed_files = 0;
  for (size_t i = 0; i < failures.size(); ++i) {
    if (i == 0 || failures[i].path != failures[i - 1].path) ++failed_files;
  }
  std::string text = fmt::format("eviction failed for {} of {} files: ", failed_files, files);
  for (size_t i = 0; i < failures.size() && i < max_listed; ++i) {
    if (i > 0) text += "; ";
    text += failures[i].Describe();
  }
  if (failures.size() > max_listed)
    text += fmt::format("; and {} more", failures.size() - max_listed);
  return text;
}

EvictionReport EvictFiles(const std::vector<std::filesystem::path>& files) {
  EvictionReport report;
  report.files = files.size();
  for (const auto& path : files) {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever.
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0) {
      throw EnvironmentError(
          fmt::format("evicting {} from the page cache: {}", path.string(), std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
      ++report.directories_skipped;
      continue;
    }
    // DONTNEED only drops clean pages: sync the file's data first.
    if (::fdatasync(fd.get()) != 0) report.failures.push_back({path, "fdatasync", errno});
    // posix_fadvise returns the error number instead of setting errno.
    if (const int err = ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED); err != 0) {
      report.failures.push_back({path, "posix_fadvise(DONTNEED)", err});
    }
  }
  return report;
}

}  // namespace feedbench
