#include "harness/os/output_relay.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "harness/base/errors.h"
#include "harness/base/line_splitter.h"
#include "harness/os/followed_file.h"

namespace feedbench {
namespace {

using RelayClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Bytes one read of a pipe takes at most: a pipe's default capacity.
constexpr size_t kRelayReadBytes = 64 * 1024;
// A partial line this long is passed on without waiting for partial_line_after.
constexpr size_t kPartialForwardBytes = 64 * 1024;

double SecondsBetween(RelayClock::time_point from, RelayClock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

bool WriteAllTo(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {  // a non-blocking destination: wait until it takes more
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    return false;
  }
  return true;
}

std::string_view OutputSourceName(OutputSource source) {
  switch (source) {
    case OutputSource::kStdout:
      return "stdout";
    case OutputSource::kStderr:
      return "stderr";
    case OutputSource::kLogFile:
      return "log";
  }
  return "?";
}

// One captured pipe of the child.
struct RelayStream {
  OutputSource source = OutputSource::kStdout;
  UniqueFd fd;
  LineSplitter lines;
  std::string unforwarded;  // bytes after the last '\n' passed on, not passed on yet
  RelayClock::time_point unforwarded_since;
  bool forwarding = true;  // false once the destination was gone
};

struct OutputRelay::State {
  explicit State(OutputRelayOptions opts) : options(std::move(opts)) {}

  OutputRelayOptions options;
  std::array<RelayStream, 2> streams;
  std::optional<FollowedFile> log;
  LineSplitter log_lines;
  LogFileReport log_report;
  bool log_gave_up = false;
  bool said_unreadable = false, said_truncated = false, said_replaced = false;
  RelayClock::time_point start;
  RelayClock::time_point origin;
  UniqueFd wake;  // eventfd: Finish() wakes the thread's poll with it
  std::atomic<bool> finishing{false};
  std::atomic<int64_t> drain_ms{0};
  bool started = false;
  bool finished = false;
  std::jthread thread;
  std::string scratch;  // forward buffer, reused

  void Note(std::string text) {
    if (options.on_note) options.on_note(text);
    log_report.notes.push_back(std::move(text));
  }

  bool Forward(OutputSource source, std::string_view bytes) {
    if (bytes.empty()) return true;
    if (options.forward) return options.forward(source, bytes);
    return WriteAllTo(source == OutputSource::kStdout ? STDOUT_FILENO : STDERR_FILENO, bytes);
  }

  void EmitLine(OutputSource source, std::string_view text, RelayClock::time_point time,
                std::chrono::system_clock::time_point wall) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (options.on_line) options.on_line(RelayedLine{source, text, time, wall});
  }

  // The destination of `s` is gone: read no more of it, and close the pipe so that the child's
  // next write fails as in a closed pipeline.
  void StopForwarding(RelayStream& s) {
    s.forwarding = false;
    s.unforwarded.clear();
    s.fd.reset();
  }

  // Passes on the bytes `data` brings to `s`: up to its last '\n' now, the rest later.
  void ForwardChunk(RelayStream& s, std::string_view data, RelayClock::time_point now) {
    if (!s.forwarding) return;
    const size_t last_newline = data.rfind('\n');
    if (last_newline == std::string_view::npos) {
      if (s.unforwarded.empty()) s.unforwarded_since = now;
      s.unforwarded.append(data);
      if (s.unforwarded.size() >= kPartialForwardBytes) ForwardPartial(s);
      return;
    }
    const std::string_view whole = data.substr(0, last_newline + 1);
    bool ok = true;
    if (s.unforwarded.empty()) {
      ok = Forward(s.source, whole);
    } else {
      // One write for the lines, so that each goes out whole.
      scratch.assign(s.unforwarded);
      scratch.append(whole);
      ok = Forward(s.source, scratch);
    }
    if (!ok) {
      StopForwarding(s);
      return;
    }
    s.unforwarded.assign(data.substr(last_newline + 1));
    s.unforwarded_since = now;
  }

  void ForwardPartial(RelayStream& s) {
    if (!s.forwarding || s.unforwarded.empty()) return;
    if (!Forward(s.source, s.unforwarded)) {
      StopForwarding(s);
      return;
    }
    s.unforwarded.clear();
  }

  // One read of a readable pipe. False when it ended (or failed): it is then closed.
  void ReadPipe(RelayStream& s, std::string& buffer) {
    buffer.resize(kRelayReadBytes);
    ssize_t n = 0;
    do {
      n = ::read(s.fd.get(), buffer.data(), buffer.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return;
    const auto now = RelayClock::now();
    const auto wall = std::chrono::system_clock::now();
    if (n <= 0) {
      EndStream(s, now, wall);
      return;
    }
    const std::string_view data(buffer.data(), static_cast<size_t>(n));
    ForwardChunk(s, data, now);
    s.lines.Feed(data, [&](std::string_view line) { EmitLine(s.source, line, now, wall); });
  }

  void EndStream(RelayStream& s, RelayClock::time_point now,
                 std::chrono::system_clock::time_point wall) {
    ForwardPartial(s);
    s.lines.Finish([&](std::string_view line) { EmitLine(s.source, line, now, wall); });
    s.fd.reset();
  }

  void StartLog() {
    if (!options.log_file) return;
    log.emplace(*options.log_file);
    log_report.path = options.log_file->string();
    struct stat st {};
    if (::stat(options.log_file->c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      Note(fmt::format(
          "{} existed already ({} bytes) when the window started: followed from its first byte, "
          "so the lines it had are stamped with the time they were read",
          log_report.path, st.st_size));
    }
  }

  // Reads what the log file has new (at most `max_rounds` reads of 1 MiB), hands over its lines.
  void FollowLog(RelayClock::time_point now, int max_rounds = 4) {
    if (!log || log_gave_up) return;
    for (int round = 0; round < max_rounds; ++round) {
      scratch.clear();
      const bool was_open = log->is_open();
      const FollowEvents events = log->ReadNew(scratch);
      const auto read_time = RelayClock::now();
      const auto wall = std::chrono::system_clock::now();
      if (events.opened && !was_open && !events.replaced && !log_report.appeared) {
        log_report.appeared = true;
        if (SecondsBetween(start, read_time) > 0.5) {
          Note(fmt::format("{} appeared at {:.3f} s; followed from its first byte", log_report.path,
                           SecondsBetween(origin, read_time)));
        }
      }
      log_lines.Feed(std::string_view(scratch), [&](std::string_view line) {
        EmitLine(OutputSource::kLogFile, line, read_time, wall);
      });
      if (events.discontinuity) {
        log_lines.Finish([&](std::string_view line) {
          EmitLine(OutputSource::kLogFile, line, read_time, wall);
        });
      }
      if (events.truncated && !said_truncated) {
        said_truncated = true;
        Note(fmt::format("{} was truncated at {:.3f} s: followed again from its first byte",
                         log_report.path, SecondsBetween(origin, read_time)));
      }
      if (events.replaced && !said_replaced) {
        said_replaced = true;
        Note(
            fmt::format("{} was replaced at {:.3f} s (rotated?): the old file was read to its "
                        "end, the new one is followed from its first byte",
                        log_report.path, SecondsBetween(origin, read_time)));
      }
      if (!log->last_error().empty() && !said_unreadable) {
        said_unreadable = true;
        Note(fmt::format("{}: {}; tried again every {} ms", log_report.path, log->last_error(),
                         options.follow_interval.count()));
      }
      if (events.bytes == 0 && !events.discontinuity) break;
    }
    if (!log->ever_opened() && now - start >= options.log_wait) {
      log_gave_up = true;
      Note(fmt::format("{} did not appear within {:g} s; not followed", log_report.path,
                       std::chrono::duration<double>(options.log_wait).count()));
    }
  }

  void FinishLog() {
    if (!log) return;
    if (!log_gave_up) FollowLog(RelayClock::now(), 1 << 20);
    const auto now = RelayClock::now();
    log_lines.Finish([&](std::string_view line) {
      EmitLine(OutputSource::kLogFile, line, now, std::chrono::system_clock::now());
    });
    if (!log->ever_opened() && !log_gave_up) {
      Note(fmt::format("{} did not appear during the window ({:.3f} s); not followed",
                       log_report.path, SecondsBetween(origin, now)));
    }
    log_report.bytes_read = log->bytes_read();
  }

  void Run() {
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    std::string buffer;
    std::optional<RelayClock::time_point> drain_deadline;
    auto next_follow = RelayClock::now();
    for (;;) {
      auto now = RelayClock::now();
      if (finishing.load() && !drain_deadline) {
        drain_deadline = now + milliseconds(drain_ms.load());
      }
      const bool pipes_open = streams[0].fd.get() >= 0 || streams[1].fd.get() >= 0;
      if (drain_deadline && (!pipes_open || now >= *drain_deadline)) break;

      // How long poll may sleep: until the next look at the log file, the next partial line due,
      // the drain deadline; forever when nothing is due (Finish wakes it).
      std::optional<RelayClock::time_point> due;
      auto earliest = [&due](RelayClock::time_point t) { due = due ? std::min(*due, t) : t; };
      if (log && !log_gave_up) earliest(next_follow);
      for (const RelayStream& s : streams) {
        if (!s.unforwarded.empty()) earliest(s.unforwarded_since + options.partial_line_after);
      }
      if (drain_deadline) earliest(*drain_deadline);
      int timeout_ms = -1;
      if (due) {
        timeout_ms = static_cast<int>(
            std::clamp<int64_t>(std::chrono::ceil<milliseconds>(*due - now).count(), 0, 60'000));
      }
      std::array<pollfd, 3> p{pollfd{wake.get(), POLLIN, 0}, pollfd{streams[0].fd.get(), POLLIN, 0},
                              pollfd{streams[1].fd.get(), POLLIN, 0}};
      const int ready = ::poll(p.data(), p.size(), timeout_ms);
      if (ready < 0 && errno != EINTR) {
        throw EnvironmentError(fmt::format("poll failed: {}", std::strerror(errno)));
      }
      if (ready > 0 && p[0].revents != 0) {
        uint64_t value = 0;
        [[maybe_unused]] const ssize_t n = ::read(wake.get(), &value, sizeof value);
      }
      for (size_t i = 0; i < streams.size(); ++i) {
        if (ready > 0 && streams[i].fd.get() >= 0 && p[i + 1].revents != 0) {
          ReadPipe(streams[i], buffer);
        }
      }
      now = RelayClock::now();
      for (RelayStream& s : streams) {
        if (!s.unforwarded.empty() && now - s.unforwarded_since >= options.partial_line_after) {
          ForwardPartial(s);
        }
      }
      if (log && !log_gave_up && now >= next_follow) {
        FollowLog(now);
        next_follow = now + options.follow_interval;
      }
    }
    // What is left: pipes a background process still holds are closed unread; their partial last
    // lines are handed over.
    const auto now = RelayClock::now();
    const auto wall = std::chrono::system_clock::now();
    for (RelayStream& s : streams) {
      if (s.fd.get() >= 0 || !s.lines.pending().empty() || !s.unforwarded.empty()) {
        EndStream(s, now, wall);
      }
    }
    FinishLog();
  }
};

OutputRelay::OutputRelay(OutputRelayOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
  State& s = *state_;
  s.streams[0].source = OutputSource::kStdout;
  s.streams[0].fd = std::move(s.options.child_stdout);
  s.streams[1].source = OutputSource::kStderr;
  s.streams[1].fd = std::move(s.options.child_stderr);
  s.wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (s.wake.get() < 0) {
    throw EnvironmentError(fmt::format("eventfd failed: {}", std::strerror(errno)));
  }
}

OutputRelay::~OutputRelay() {
  try {
    Finish(milliseconds(0));
  } catch (const std::exception&) {
    // The thread's own failure was for Finish's caller to see; nothing is left to stop.
  }
}

void OutputRelay::Start() {
  State& s = *state_;
  if (s.started) throw std::logic_error("OutputRelay::Start called twice");
  s.started = true;
  s.start = RelayClock::now();
  s.origin = s.options.origin.value_or(s.start);
  s.StartLog();
  s.thread = std::jthread([&s] {
    try {
      s.Run();
    } catch (const std::exception& e) {
      s.Note(fmt::format("passing the command's output on failed: {}", e.what()));
    }
  });
}

void OutputRelay::Finish(milliseconds drain_limit) {
  State& s = *state_;
  if (!s.started || s.finished) return;
  s.finished = true;
  s.drain_ms.store(drain_limit.count());
  s.finishing.store(true);
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(s.wake.get(), &one, sizeof one);
  s.thread.join();
}

std::optional<LogFileReport> OutputRelay::log_file_report() const {
  if (!state_->options.log_file) return std::nullopt;
  return state_->log_report;
}

}  // namespace feedbench
