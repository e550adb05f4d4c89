#include "harness/os/child_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"

extern char** environ;

namespace feedbench {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool IsExecutableFile(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

UniqueFd OpenOutput(const fs::path& path, std::string_view program) {
  const char* target = path.empty() ? "/dev/null" : path.c_str();
  UniqueFd fd(::open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    throw EnvironmentError(
        fmt::format("cannot run {}: cannot create {}: {}", program, target, std::strerror(errno)));
  }
  return fd;
}

// Owns a started child until it is reaped: if anything throws before that, the destructor kills
// the whole process group and reaps the leader, so no child outlives the call.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ~ChildGuard() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  void Reaped() { pid_ = -1; }

 private:
  pid_t pid_;
};

// A process started by the child, remembered with its start time so that a recycled pid is never
// signalled by mistake.
struct ProcessId {
  pid_t pid = 0;
  uint64_t start_ticks = 0;
};

struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
  uint64_t start_ticks = 0;
};

// A process's state, parent and start time from /proc/<pid>/stat, or nullopt when it is gone.
std::optional<ProcStat> ReadStat(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  ProcStat st;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3) st.state = field[0];
    if (i == 4) st.ppid = static_cast<pid_t>(std::strtol(field.c_str(), nullptr, 10));
    if (i == 22) st.start_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  return st;
}

// Every process descending from a root, remembered as it is seen. fio's job processes call
// setsid(), so they leave the child's process group, and when fio exits they are re-parented to
// init; tracking them while the root is alive is the only way to stop a job fio left behind.
class Descendants {
 public:
  explicit Descendants(pid_t root) : root_(root) {}

  void Refresh() {
    std::vector<std::pair<pid_t, ProcStat>> procs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
      const pid_t pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
      if (auto st = ReadStat(pid)) procs.emplace_back(pid, *st);
    }
    // Parents can be listed after their children: repeat until nothing new joins.
    bool grew = true;
    while (grew) {
      grew = false;
      for (const auto& [pid, st] : procs) {
        if (Known(pid) || !(st.ppid == root_ || Known(st.ppid))) continue;
        known_.push_back({pid, st.start_ticks});
        grew = true;
      }
    }
  }

  // Sends `sig` to every remembered process that is still the same process; returns how many.
  int Signal(int sig) const {
    int n = 0;
    for (const auto& p : known_) {
      const auto st = ReadStat(p.pid);
      if (st && st->start_ticks == p.start_ticks && st->state != 'Z' && ::kill(p.pid, sig) == 0) {
        ++n;
      }
    }
    return n;
  }

 private:
  bool Known(pid_t pid) const {
    for (const auto& p : known_) {
      if (p.pid == pid) return true;
    }
    return false;
  }
  pid_t root_;
  std::vector<ProcessId> known_;
};

// Waits up to `timeout` (negative: forever) for the child to exit, refreshing `descendants` a
// few times a second; returns true and fills `status` once the child has been reaped.
bool WaitFor(pid_t pid, int pidfd, std::chrono::milliseconds timeout, Descendants& descendants,
             int& status) {
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) {
      throw EnvironmentError(fmt::format("waitpid({}) failed: {}", pid, std::strerror(errno)));
    }
    descendants.Refresh();
    auto step = std::chrono::milliseconds(250);
    if (!forever) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      step = std::min(step, left + std::chrono::milliseconds(1));
    }
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(step.count()));
    } else {
      std::this_thread::sleep_for(std::min(step, std::chrono::milliseconds(10)));
    }
  }
}

}  // namespace

std::string ChildResult::Describe() const {
  std::string text;
  if (exited) {
    text = fmt::format("exited with status {}", exit_code);
  } else {
    const char* name = ::strsignal(term_signal);
    text = fmt::format("killed by signal {} ({})", term_signal, name ? name : "?");
  }
  if (timed_out) text += " after its time limit passed";
  return text;
}

std::optional<fs::path> FindProgram(std::string_view name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    if (IsExecutableFile(fs::path(name))) return fs::path(name);
    return std::nullopt;
  }
  const char* path_env = std::getenv("PATH");
  const std::string_view dirs = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string_view::npos) end = dirs.size();
    const std::string_view dir = dirs.substr(start, end - start);
    const fs::path candidate = fs::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
    if (IsExecutableFile(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

ChildResult RunChild(const ChildOptions& options) {
  const std::string& program = options.argv.at(0);
  const std::optional<fs::path> resolved = FindProgram(program);
  if (!resolved) {
    throw EnvironmentError(fmt::format("cannot run {}: not found on PATH", program));
  }
  // Everything the child needs is prepared before fork: after fork it only makes
  // async-signal-safe calls.
  const std::string exe = resolved->string();
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string workdir = options.working_dir.string();
  UniqueFd out = OpenOutput(options.stdout_path, program);
  UniqueFd err = OpenOutput(options.stderr_path, program);
  UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw EnvironmentError(fmt::format("cannot run {}: pipe: {}", program, std::strerror(errno)));
  }
  UniqueFd report_read(pipe_fds[0]);
  UniqueFd report_write(pipe_fds[1]);
  const pid_t parent = ::getpid();

  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw EnvironmentError(fmt::format("cannot run {}: fork: {}", program, std::strerror(errno)));
  }
  if (pid == 0) {
    // Child. A failure is reported to the parent as (step, errno) through the CLOEXEC pipe.
    auto fail = [&](int step) {
      int msg[2] = {step, errno};
      [[maybe_unused]] ssize_t n = ::write(report_write.get(), msg, sizeof msg);
      ::_exit(127);
    };
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD}) {
      ::sigaction(sig, &dfl, nullptr);
    }
    if (!workdir.empty() && ::chdir(workdir.c_str()) != 0) fail(1);
    if (::dup2(devnull.get(), 0) < 0 || ::dup2(out.get(), 1) < 0 || ::dup2(err.get(), 2) < 0) {
      fail(2);
    }
#ifdef SYS_close_range
    // Descriptors the parent left inheritable must not leak into fio (CLOSE_RANGE_CLOEXEC = 4).
    ::syscall(SYS_close_range, 3U, ~0U, 4U);
#endif
    ::execve(exe.c_str(), argv.data(), environ);
    fail(3);
  }
  ChildGuard guard(pid);
  ::setpgid(pid, pid);  // also from the parent, so the group exists before any kill below
  report_write.reset();
  out.reset();
  err.reset();

  int report[2] = {0, 0};
  ssize_t got = 0;
  do {
    got = ::read(report_read.get(), report, sizeof report);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof report)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    guard.Reaped();
    static constexpr const char* kSteps[] = {"", "chdir to the working directory",
                                             "redirect output", "exec"};
    const char* step = report[0] >= 1 && report[0] <= 3 ? kSteps[report[0]] : "start";
    throw EnvironmentError(fmt::format("cannot run {} ({}): {} failed: {}", program, exe, step,
                                       std::strerror(report[1])));
  }

  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  Descendants descendants(pid);
  ChildResult result;
  int status = 0;
  const auto unlimited = std::chrono::milliseconds(-1);
  const auto limit = options.time_limit.count() > 0 ? options.time_limit : unlimited;
  if (!WaitFor(pid, pidfd.get(), limit, descendants, status)) {
    result.timed_out = true;
    descendants.Refresh();
    ::kill(-pid, SIGTERM);
    descendants.Signal(SIGTERM);
    if (!WaitFor(pid, pidfd.get(), options.kill_grace, descendants, status)) {
      descendants.Refresh();
      ::kill(-pid, SIGKILL);
      descendants.Signal(SIGKILL);
      WaitFor(pid, pidfd.get(), unlimited, descendants, status);
    }
  }
  // Whatever the child left running (a stuck fio job outliving fio) is stopped too.
  result.orphans_killed = descendants.Signal(SIGKILL);
  guard.Reaped();
  result.wall_sec = std::chrono::duration<double>(Clock::now() - start).count();
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

std::string TailOfFile(const fs::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size <= 0) return "";
  const std::streamoff from = size > static_cast<std::streamoff>(max_bytes)
                                  ? size - static_cast<std::streamoff>(max_bytes)
                                  : 0;
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (from > 0) {
    const size_t nl = text.find('\n');
    if (nl != std::string::npos && nl + 1 < text.size()) text = "..." + text.substr(nl + 1);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace feedbench
