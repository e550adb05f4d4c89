#include "workloads/dataset/file_io.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/base/errors.h"

namespace feedbench {

void WriteAll(int fd, std::span<const std::byte> data, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw EnvironmentError(fmt::format("writing {}: {}", path.string(), std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
}

size_t PreadAll(int fd, std::span<std::byte> out, uint64_t offset,
                const std::filesystem::path& path, std::string_view what) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done,
                              static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RunError(fmt::format("{}: pread {}: {}", what, path.string(), std::strerror(errno)));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace feedbench
