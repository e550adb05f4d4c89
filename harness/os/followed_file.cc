#include "harness/os/followed_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace feedbench {
namespace {

// How many of a followed file's first bytes are compared to see it rewritten.
constexpr size_t kHeadBytes = 64;

}  // namespace

FollowedFile::FollowedFile(std::filesystem::path path) : path_(std::move(path)) {}

bool FollowedFile::Open(FollowEvents& events) {
  // O_NONBLOCK: a FIFO at the path opens at once and never blocks a read.
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    last_error_ = errno == ENOENT ? "" : std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    last_error_ = std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    last_error_ = "is a directory";
    return false;
  }
  last_error_.clear();
  fd_ = std::move(fd);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = 0;
  head_.clear();
  ever_opened_ = true;
  events.opened = true;
  return true;
}

bool FollowedFile::HeadUnchanged() const {
  if (head_.empty()) return true;
  std::string now(head_.size(), '\0');
  ssize_t n = 0;
  do {
    n = ::pread(fd_.get(), now.data(), now.size(), 0);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(head_.size()) && now == head_;
}

FollowEvents FollowedFile::ReadNew(std::string& out, size_t max_bytes) {
  FollowEvents events;
  if (fd_.get() < 0 && !Open(events)) return events;
  // Cut short (or cut and rewritten) since the last call: start again from byte 0, in the next
  // call, so that the old content's unfinished line ends before the new content's bytes come.
  struct stat st {};
  if (::fstat(fd_.get(), &st) == 0 && S_ISREG(st.st_mode) &&
      (static_cast<uint64_t>(st.st_size) < offset_ || !HeadUnchanged())) {
    ::lseek(fd_.get(), 0, SEEK_SET);
    offset_ = 0;
    head_.clear();
    events.truncated = true;
    events.discontinuity = true;
    return events;
  }
  constexpr size_t kChunkBytes = 64 * 1024;
  bool at_end = false;
  while (events.bytes < max_bytes) {
    const size_t want = std::min(kChunkBytes, max_bytes - events.bytes);
    const size_t old_size = out.size();
    out.resize(old_size + want);
    const ssize_t n = ::read(fd_.get(), out.data() + old_size, want);
    out.resize(old_size + std::max<ssize_t>(n, 0));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) last_error_ = std::strerror(errno);
    if (n <= 0) {
      at_end = true;
      break;
    }
    if (head_.size() < kHeadBytes && offset_ == head_.size()) {
      head_.append(out, old_size, std::min(static_cast<size_t>(n), kHeadBytes - head_.size()));
    }
    events.bytes += static_cast<size_t>(n);
    offset_ += static_cast<uint64_t>(n);
    bytes_read_ += static_cast<uint64_t>(n);
  }
  if (!at_end) return events;  // more to read: the next call goes on

  // At the end of what the descriptor shows: is another file at the path now?
  if (::stat(path_.c_str(), &st) == 0 && (st.st_dev != dev_ || st.st_ino != ino_)) {
    // The old file was read to its end above; a removed path (stat fails) keeps the old one open.
    fd_.reset();
    events.discontinuity = true;
    events.replaced = Open(events);
  }
  return events;
}

}  // namespace feedbench
