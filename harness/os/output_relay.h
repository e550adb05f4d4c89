// OutputRelay: a job's output on the sampler's clock. It passes a child's captured stdout and
// stderr through to feedbench's own, unchanged, and follows a log file the job writes
// (FollowedFile), handing every complete line of the three to a callback, stamped with the time it
// was read.
//
// One thread (a std::jthread) polls the two pipes (so a child that writes much to both never
// blocks on the one not being read) and reads the log file every follow_interval. Passing through:
//   - bytes are passed on in the order read, each stream to its own destination (forward; by
//     default feedbench's fd 1 and fd 2), never changed, never dropped;
//   - complete lines are passed on at once, all the lines of one read in one write, so a line the
//     child wrote whole is never split or mixed with the other stream's;
//   - a partial line (no '\n' yet: a prompt, a progress bar redrawn with '\r') is passed on as it
//     stands once it has waited partial_line_after (or reached 64 KiB), and its rest with its '\n';
//   - when a destination is gone (EPIPE: `feedbench monitor -- job | head`), that stream is no
//     longer read and its pipe is closed, so the child's next write to it fails as it would have
//     in the shell's pipeline (SIGPIPE).
// Stamping: a line is stamped when the read that completed it returned (every line of one read
// has the same stamp); its text has no '\n' and no '\r' right before it, and a line over 1 MiB is
// cut into pieces (LineSplitter). A partial last line is handed over when its stream ends. The log
// file's lines are stamped when read, within follow_interval of being written.
// Lifetime: Start() starts the thread; Finish() reads what is left (the pipes until both end or a
// time limit passes, the log file to its end), hands over the partial last lines and joins.
// on_line and on_note run on the relay's thread; they must not block for long (a blocked relay
// blocks the child once a pipe fills). SIGPIPE is blocked in the relay's thread (a closed
// destination is an EPIPE, not a signal). Not copyable; Start/Finish from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/unique_fd.h"

namespace feedbench {

enum class OutputSource : uint8_t { kStdout, kStderr, kLogFile };

// "stdout", "stderr", "log".
std::string_view OutputSourceName(OutputSource source);

// Writes all of `bytes` to `fd`, waiting while a non-blocking descriptor is full; false when the
// descriptor refuses them (EPIPE: its reader is gone; EIO, ...). What the relay's default forward
// does, for a forward of the caller's own.
bool WriteAllTo(int fd, std::string_view bytes);

struct RelayedLine {
  OutputSource source = OutputSource::kStdout;
  std::string_view text;  // valid during the callback only
  std::chrono::steady_clock::time_point read_time;
  std::chrono::system_clock::time_point read_wall;
};

struct OutputRelayOptions {
  // Read ends of the child's pipes (ChildProcess::TakeStdout/TakeStderr); empty: no such stream.
  UniqueFd child_stdout;
  UniqueFd child_stderr;
  // Passes bytes of kStdout or kStderr on; false when the destination is gone (see the top).
  // Empty: written to feedbench's fd 1 and fd 2.
  std::function<bool(OutputSource, std::string_view bytes)> forward;
  // A log file to follow from its first byte; nullopt: none.
  std::optional<std::filesystem::path> log_file;
  // How long to wait for log_file to appear before giving up on it (said in a note).
  std::chrono::milliseconds log_wait{30'000};
  std::chrono::milliseconds follow_interval{25};
  std::chrono::milliseconds partial_line_after{100};
  // The time the notes count seconds from (the sampling window's start); default: Start().
  std::optional<std::chrono::steady_clock::time_point> origin;
  std::function<void(const RelayedLine&)> on_line;
  // A sentence about the log file, each kind said once: it existed already, appeared, was
  // truncated or replaced, did not appear within log_wait or during the window, cannot be read.
  std::function<void(const std::string&)> on_note;
};

// What became of the log file, after Finish().
struct LogFileReport {
  std::string path;
  bool appeared = false;  // it was opened (at some point) and followed
  uint64_t bytes_read = 0;
  std::vector<std::string> notes;  // every note said about it, in order
};

class OutputRelay {
 public:
  explicit OutputRelay(OutputRelayOptions options);
  ~OutputRelay();  // Finish(0) if still running
  OutputRelay(const OutputRelay&) = delete;
  OutputRelay& operator=(const OutputRelay&) = delete;

  // Starts the thread. REQUIRES: not started before.
  void Start();
  // Reads the pipes until both reach end of file (every process holding them exited) or
  // `drain_limit` passes (a background process the job left holds them: they are closed, and its
  // next write fails), reads the log file to its end, hands over the partial last lines and
  // joins. Idempotent.
  void Finish(std::chrono::milliseconds drain_limit);

  // nullopt without a log file. Complete after Finish().
  std::optional<LogFileReport> log_file_report() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace feedbench
