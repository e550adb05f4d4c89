// UniqueFd: sole ownership of one POSIX file descriptor.
//
// Contract: a UniqueFd holds either a descriptor (>= 0) or nothing (-1; also what a failed
// open/mkstemp returns, so the result can be wrapped before checking it). It closes what it holds
// on destruction and on reset(); close errors there are ignored — a caller that must see them (to
// catch a late write error before a rename) calls ::close(fd.release()) itself. Move-only; moving
// transfers ownership and leaves the source empty. Not thread-safe: one owner at a time.
#pragma once

#include <unistd.h>

#include <utility>

namespace feedbench {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }

  // The descriptor, still owned; -1 when empty.
  int get() const { return fd_; }
  // Gives up ownership without closing; the caller now owns the returned descriptor.
  int release() { return std::exchange(fd_, -1); }
  // Closes the held descriptor (if any) and takes ownership of `fd` (default: none).
  void reset(int fd = -1) {
    const int old = std::exchange(fd_, fd);
    if (old >= 0) ::close(old);
  }

 private:
  int fd_ = -1;
};

}  // namespace feedbench
