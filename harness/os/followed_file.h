// FollowedFile: a log file read as its writer appends to it, the way `tail -F` follows one, but
// from its first byte (the job being watched creates it and writes it from the start).
//
// Each ReadNew() call reads what was appended since the last one. The file may not exist yet
// (nothing is read until it appears), may be truncated (reading starts again at its first byte),
// or may be replaced (renamed away by log rotation and created anew: the old file is read to its
// end first, then the new one from its first byte); a removed file keeps being read through the
// open descriptor until a new one appears at the path. Each of these is reported in the call's
// FollowEvents. A truncation is seen when the file is shorter than what was read of it, or when
// its first bytes (up to 64) are no longer those read: a file cut and rewritten past the old
// length between two reads is caught too, unless it starts with the very same bytes. Never throws
// for the file's sake: a file that cannot be opened or read is as one that is not there yet, and
// the reason is kept (last_error). Not thread-safe: one owner.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "harness/base/unique_fd.h"

namespace feedbench {

// What happened to the file during one ReadNew() call.
struct FollowEvents {
  size_t bytes = 0;        // bytes appended to `out`
  bool opened = false;     // the file was opened (it appeared, or was replaced)
  bool truncated = false;  // it became shorter than what had been read: read again from byte 0
  bool replaced = false;   // a different file now has the path: the old one was read to its end
  // True when `out` ends a file's content before the next one's begins (truncated or replaced):
  // a line the old content left unfinished ends there.
  bool discontinuity = false;
};

class FollowedFile {
 public:
  explicit FollowedFile(std::filesystem::path path);
  FollowedFile(const FollowedFile&) = delete;
  FollowedFile& operator=(const FollowedFile&) = delete;

  // Appends to `out` what was appended to the file since the last call, at most `max_bytes` per
  // call (a call that stops there leaves the rest to the next). When the file is replaced the old
  // one's last bytes and the new one's first come in separate calls.
  FollowEvents ReadNew(std::string& out, size_t max_bytes = 1024 * 1024);

  const std::filesystem::path& path() const { return path_; }
  bool is_open() const { return fd_.get() >= 0; }
  bool ever_opened() const { return ever_opened_; }
  uint64_t bytes_read() const { return bytes_read_; }  // over every file at the path
  // Why the path could not be opened or read the last time it was tried ("" when it could, or
  // when it simply does not exist yet).
  const std::string& last_error() const { return last_error_; }

 private:
  bool Open(FollowEvents& events);
  bool HeadUnchanged() const;  // the file's first bytes are still those read

  std::filesystem::path path_;
  UniqueFd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  uint64_t offset_ = 0;  // in the open file
  std::string head_;     // its first bytes as read (up to kHeadBytes)
  uint64_t bytes_read_ = 0;
  bool ever_opened_ = false;
  std::string last_error_;
};

}  // namespace feedbench
