// LineSplitter: a byte stream (a pipe, a followed file) cut into lines as it arrives.
//
// Feed() takes the bytes of each read in order and hands over every line it completes, without its
// '\n'; the bytes after the last '\n' wait for the next Feed(). Finish() hands over that partial
// last line (the stream ended without a final '\n'), so that no byte is lost. A line that grows
// past max_line_bytes (a binary stream, a progress bar redrawn with '\r' for hours) is handed over
// in pieces of max_line_bytes, the last piece ending at the '\n', so memory stays bounded. Nothing
// else is changed: a
// '\r' stays in the text. Header-only (a template callback, called in place: one line costs no
// allocation unless it spans two reads). Not thread-safe: one owner.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace feedbench {

class LineSplitter {
 public:
  static constexpr size_t kDefaultMaxLineBytes = 1024 * 1024;

  explicit LineSplitter(size_t max_line_bytes = kDefaultMaxLineBytes)
      : max_line_bytes_(max_line_bytes == 0 ? 1 : max_line_bytes) {}

  // Calls on_line(std::string_view text) for each line `bytes` completes, in order. The view is
  // valid during the call only.
  template <typename OnLine>
  void Feed(std::string_view bytes, OnLine&& on_line) {
    size_t start = 0;
    while (start < bytes.size()) {
      const void* found = std::memchr(bytes.data() + start, '\n', bytes.size() - start);
      if (found == nullptr) break;
      const size_t end = static_cast<size_t>(static_cast<const char*>(found) - bytes.data());
      if (pending_.empty() && end - start <= max_line_bytes_) {
        on_line(bytes.substr(start, end - start));
      } else {
        AppendPending(bytes.substr(start, end - start), on_line);
        on_line(std::string_view(pending_));
        pending_.clear();
      }
      start = end + 1;
    }
    AppendPending(bytes.substr(start), on_line);
  }

  // Hands over the partial last line, if any (the stream ended), and forgets it.
  template <typename OnLine>
  void Finish(OnLine&& on_line) {
    if (pending_.empty()) return;
    on_line(std::string_view(pending_));
    pending_.clear();
  }

  // The bytes of the line begun but not yet ended.
  std::string_view pending() const { return pending_; }

 private:
  // Appends to the partial line, handing over a piece each time it reaches max_line_bytes_.
  template <typename OnLine>
  void AppendPending(std::string_view bytes, OnLine& on_line) {
    while (pending_.size() + bytes.size() > max_line_bytes_) {
      const size_t take = max_line_bytes_ - pending_.size();
      pending_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      on_line(std::string_view(pending_));
      pending_.clear();
    }
    pending_.append(bytes);
  }

  size_t max_line_bytes_;
  std::string pending_;
};

}  // namespace feedbench
