#include "harness/os/cache_control.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/base/errors.h"

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

void EvictFiles(const std::vector<std::filesystem::path>& files) {
  for (const auto& path : files) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw EnvironmentError(
          fmt::format("evicting {} from the page cache: {}", path.string(), std::strerror(errno)));
    }
    // DONTNEED only drops clean pages: sync the file's data first.
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

}  // namespace feedbench
