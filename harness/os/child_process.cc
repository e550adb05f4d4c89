#include "harness/os/child_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <utility>

#include "harness/base/text.h"
#include "harness/os/interrupt.h"
#include "harness/os/process_tree.h"

extern char** environ;

namespace feedbench {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

bool IsExecutableFile(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// What `name` resolves to as execvp would resolve it: the file, or why not (ENOENT: nowhere;
// EACCES: found, but not as an executable regular file).
struct Resolution {
  fs::path path;
  int error = 0;
};

Resolution ResolveProgram(std::string_view name) {
  if (name.empty()) return {{}, ENOENT};
  auto check = [](const fs::path& candidate) {
    if (IsExecutableFile(candidate)) return 0;
    return ::access(candidate.c_str(), F_OK) == 0 ? EACCES : ENOENT;
  };
  if (name.find('/') != std::string_view::npos) {
    const fs::path path(name);
    return {path, check(path)};
  }
  const char* path_env = std::getenv("PATH");
  const std::string_view dirs = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  int error = ENOENT;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string_view::npos) end = dirs.size();
    const std::string_view dir = dirs.substr(start, end - start);
    const fs::path candidate = fs::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
    const int why = check(candidate);
    if (why == 0) return {candidate, 0};
    if (why == EACCES) error = EACCES;
    start = end + 1;
  }
  return {{}, error};
}

[[noreturn]] void ThrowNotStartable(const std::string& program, int error) {
  if (error == ENOENT && program.find('/') == std::string::npos) {
    throw SpawnError(fmt::format("cannot run {}: not found on PATH", program), error);
  }
  throw SpawnError(fmt::format("cannot run {}: {}", program, std::strerror(error)), error);
}

// The descriptor a standard stream of the child becomes, or -1 (the caller's own stream).
UniqueFd OpenStream(const std::optional<fs::path>& path, bool output, const std::string& program) {
  if (!path) return UniqueFd();
  const int flags = output ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC : O_RDONLY | O_CLOEXEC;
  UniqueFd fd(::open(path->c_str(), flags, 0644));
  if (fd.get() < 0) {
    const int error = errno;
    throw SpawnError(fmt::format("cannot run {}: cannot {} {}: {}", program,
                                 output ? "create" : "open", path->string(), std::strerror(error)),
                     error);
  }
  return fd;
}

// Everything the forked child needs, prepared before fork: after it, the child only makes
// async-signal-safe calls (the caller may have other threads, whose locks fork copies).
struct ExecPlan {
  const char* exe = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* working_dir = nullptr;     // nullptr: stay
  std::array<int, 3> stdio{-1, -1, -1};  // -1: keep the caller's
  bool own_process_group = false;
  bool killed_with_caller = false;
  bool inherit_other_fds = false;
  pid_t parent = 0;
  sigset_t mask{};
  const std::vector<int>* default_signals = nullptr;
  int report_fd = -1;  // CLOEXEC pipe: (step, errno) written there when a step fails
};

enum ExecStep : int { kStepChdir = 1, kStepRedirect = 2, kStepExec = 3 };

// The child's side of fork. Starts with every signal blocked (the parent forked so), resets the
// dispositions it was asked to, then sets the mask the program is to start with.
[[noreturn]] void ExecChild(const ExecPlan& plan) {
  auto fail = [&plan](int step) {
    const int msg[2] = {step, errno};
    [[maybe_unused]] const ssize_t n = ::write(plan.report_fd, msg, sizeof msg);
    ::_exit(127);
  };
  if (plan.own_process_group) ::setpgid(0, 0);
  if (plan.killed_with_caller) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != plan.parent) ::_exit(127);
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (const int sig : *plan.default_signals) ::sigaction(sig, &dfl, nullptr);
  if (plan.working_dir != nullptr && ::chdir(plan.working_dir) != 0) fail(kStepChdir);
  for (int target = 0; target < 3; ++target) {
    const int fd = plan.stdio[target];
    if (fd < 0) continue;
    // dup2 onto itself would keep O_CLOEXEC: clear it instead.
    const bool ok = fd == target ? ::fcntl(fd, F_SETFD, 0) == 0 : ::dup2(fd, target) == target;
    if (!ok) fail(kStepRedirect);
  }
#ifdef SYS_close_range
  // Descriptors the caller left inheritable do not leak into the program (CLOSE_RANGE_CLOEXEC = 4).
  if (!plan.inherit_other_fds) ::syscall(SYS_close_range, 3U, ~0U, 4U);
#endif
  ::sigprocmask(SIG_SETMASK, &plan.mask, nullptr);
  ::execve(plan.exe, plan.argv, plan.envp);
  fail(kStepExec);
  ::_exit(127);  // not reached: fail exits
}

// Reads the child's (step, errno) report: nullopt when the pipe closed empty, i.e. exec succeeded.
std::optional<std::array<int, 2>> ReadExecReport(int fd) {
  std::array<int, 2> report{};
  ssize_t got = 0;
  do {
    got = ::read(fd, report.data(), sizeof report);
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof report)) return std::nullopt;
  return report;
}

// The caller's environment with `extra` ("NAME=VALUE") put in, replacing inherited NAMEs. The
// pointers point into `extra` and into environ, both alive until exec.
std::vector<char*> EnvironmentWith(const std::vector<std::string>& extra) {
  std::vector<char*> envp;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return std::string_view(x).substr(0, x.find('=')) == name;
    });
    if (!replaced) envp.push_back(*e);
  }
  for (const std::string& x : extra) envp.push_back(const_cast<char*>(x.c_str()));
  envp.push_back(nullptr);
  return envp;
}

ChildExit ExitFromStatus(int status) {
  ChildExit exit;
  if (WIFEXITED(status)) {
    exit.exited = true;
    exit.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit.term_signal = WTERMSIG(status);
  }
  return exit;
}

}  // namespace

std::string ChildExit::Describe() const {
  if (exited) return fmt::format("exited with status {}", exit_code);
  const char* name = ::strsignal(term_signal);
  return fmt::format("killed by signal {} ({})", term_signal, name ? name : "?");
}

std::optional<fs::path> FindProgram(std::string_view name) {
  Resolution r = ResolveProgram(name);
  if (r.error != 0) return std::nullopt;
  return std::move(r.path);
}

ChildProcess::ChildProcess(const SpawnOptions& options)
    : group_(options.own_process_group), stop_grace_(options.stop_grace) {
  const std::string& program = options.argv.at(0);
  const Resolution resolved = ResolveProgram(program);
  if (resolved.error != 0) ThrowNotStartable(program, resolved.error);
  const std::string exe = resolved.path.string();
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string workdir = options.working_dir.string();

  const std::vector<char*> envp = EnvironmentWith(options.extra_environment);

  UniqueFd in = OpenStream(options.stdin_path, false, program);
  UniqueFd out =
      OpenStream(options.capture_stdout ? std::nullopt : options.stdout_path, true, program);
  UniqueFd err =
      OpenStream(options.capture_stderr ? std::nullopt : options.stderr_path, true, program);
  int fds[2];
  if (options.capture_stdout) {
    if (::pipe2(fds, O_CLOEXEC) != 0) ThrowNotStartable(program, errno);
    stdout_read_.reset(fds[0]);
    out.reset(fds[1]);
  }
  if (options.capture_stderr) {
    if (::pipe2(fds, O_CLOEXEC) != 0) ThrowNotStartable(program, errno);
    stderr_read_.reset(fds[0]);
    err.reset(fds[1]);
  }
  if (::pipe2(fds, O_CLOEXEC) != 0) ThrowNotStartable(program, errno);
  UniqueFd report_read(fds[0]);
  UniqueFd report_write(fds[1]);

  ExecPlan plan;
  plan.exe = exe.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.working_dir = workdir.empty() ? nullptr : workdir.c_str();
  plan.stdio = {in.get(), out.get(), err.get()};
  plan.own_process_group = options.own_process_group;
  plan.killed_with_caller = options.killed_with_caller;
  plan.inherit_other_fds = options.inherit_other_fds;
  plan.parent = ::getpid();
  if (options.signal_mask) {
    plan.mask = *options.signal_mask;
  } else {
    sigemptyset(&plan.mask);
  }
  plan.default_signals = &options.default_signals;
  plan.report_fd = report_write.get();

  // Every signal stays blocked across fork, so that no handler of the caller runs in the child.
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = ::fork();
  if (pid == 0) ExecChild(plan);
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) {
    throw SpawnError(fmt::format("cannot run {}: fork: {}", program, std::strerror(fork_error)),
                     fork_error);
  }
  pid_ = pid;
  if (group_) ::setpgid(pid, pid);  // also from here, so the group exists before any kill
  report_write.reset();
  if (const auto report = ReadExecReport(report_read.get())) {
    Wait();
    static constexpr const char* kSteps[] = {"start", "chdir to the working directory",
                                             "redirect output", "exec"};
    const int step = (*report)[0];
    throw SpawnError(
        fmt::format("cannot run {} ({}): {} failed: {}", program, exe,
                    kSteps[step >= 1 && step <= 3 ? step : 0], std::strerror((*report)[1])),
        (*report)[1]);
  }
  pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0 || exit_) return;
  try {
    Stop(stop_grace_);
  } catch (const EnvironmentError&) {
    // waitpid failed (someone else reaped the child): nothing is left to stop.
  }
}

std::optional<ChildExit> ChildProcess::TryWait() {
  if (exit_) return exit_;
  int status = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;
  if (r < 0) {
    throw EnvironmentError(fmt::format("waitpid({}) failed: {}", pid_, std::strerror(errno)));
  }
  exit_ = ExitFromStatus(status);
  return exit_;
}

std::optional<ChildExit> ChildProcess::WaitFor(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto exit = TryWait()) return exit;
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (pidfd_.get() >= 0) {
      pollfd p{pidfd_.get(), POLLIN, 0};
      ::poll(&p, 1,
             static_cast<int>(std::min<milliseconds>(left, std::chrono::minutes(1)).count()));
    } else {
      std::this_thread::sleep_for(std::min<milliseconds>(left, milliseconds(10)));
    }
  }
}

ChildExit ChildProcess::Wait() {
  if (exit_) return *exit_;
  int status = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    throw EnvironmentError(fmt::format("waitpid({}) failed: {}", pid_, std::strerror(errno)));
  }
  exit_ = ExitFromStatus(status);
  return *exit_;
}

bool ChildProcess::Signal(int sig) {
  if (pid_ <= 0 || exit_) return false;
  return ::kill(group_ ? -pid_ : pid_, sig) == 0;
}

ChildExit ChildProcess::Stop(milliseconds grace) {
  if (exit_) return *exit_;
  Signal(SIGTERM);
  if (auto exit = WaitFor(grace)) return *exit;
  Signal(SIGKILL);
  return Wait();
}

namespace {

// Waits up to `timeout` (negative: forever) for the child to end, refreshing `descendants` a few
// times a second meanwhile; nullopt when it is still running at the end, or (with
// `until_interrupted`) once a SIGINT or SIGTERM is pending (harness/os/interrupt.h).
std::optional<ChildExit> WaitTracking(ChildProcess& child, milliseconds timeout,
                                      ProcessTree& descendants, bool until_interrupted = false) {
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto exit = child.TryWait()) return exit;
    if (until_interrupted && PendingInterrupt() != 0) return std::nullopt;
    descendants.Refresh();
    milliseconds step(250);
    if (!forever) {
      const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      step = std::min(step, left);
    }
    if (auto exit = child.WaitFor(step)) return exit;
  }
}

// Waits for the child within options.time_limit, or until a SIGINT or SIGTERM is pending; then
// SIGTERM and (after kill_grace) SIGKILL to its group and every descendant seen. Sets `timed_out`
// when the limit passed.
ChildExit WaitWithinLimit(ChildProcess& child, const ChildOptions& options,
                          ProcessTree& descendants, bool& timed_out) {
  const milliseconds forever(-1);
  const milliseconds limit = options.time_limit.count() > 0 ? options.time_limit : forever;
  if (auto exit = WaitTracking(child, limit, descendants, true)) return *exit;
  timed_out = PendingInterrupt() == 0;
  descendants.Refresh();
  child.Signal(SIGTERM);
  descendants.Signal(SIGTERM);
  if (auto exit = WaitTracking(child, options.kill_grace, descendants)) return *exit;
  descendants.Refresh();
  child.Signal(SIGKILL);
  descendants.Signal(SIGKILL);
  return *WaitTracking(child, forever, descendants);
}

// The first line of `text` that is not blank, trimmed and cut to 200 characters; "" when none.
std::string FirstLineOf(std::string_view text) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = Trim(text.substr(0, end));
    if (!line.empty()) {
      return line.size() > 200 ? std::string(line.substr(0, 200)) + "..." : std::string(line);
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return "";
}

}  // namespace

std::string ChildResult::Describe() const {
  std::string text = ChildExit{exited, exit_code, term_signal}.Describe();
  if (timed_out) text += " after its time limit passed";
  return text;
}

ChildResult RunChild(const ChildOptions& options) {
  SpawnOptions spawn;
  spawn.argv = options.argv;
  spawn.working_dir = options.working_dir;
  spawn.stdin_path = "/dev/null";
  spawn.stdout_path = options.stdout_path.empty() ? fs::path("/dev/null") : options.stdout_path;
  spawn.stderr_path = options.stderr_path.empty() ? fs::path("/dev/null") : options.stderr_path;
  spawn.own_process_group = true;
  spawn.killed_with_caller = true;
  spawn.default_signals = {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD};
  spawn.stop_grace = options.kill_grace;

  const auto start = Clock::now();
  ChildProcess child(spawn);
  ProcessTree descendants(child.pid());
  ChildResult result;
  const ChildExit exit = WaitWithinLimit(child, options, descendants, result.timed_out);
  // Whatever the child left running (a stuck fio job outliving fio) is stopped too.
  result.orphans_killed = descendants.Signal(SIGKILL);
  ThrowIfInterrupted();  // stopped for the signal: no result to judge
  result.wall_sec = std::chrono::duration<double>(Clock::now() - start).count();
  result.exited = exit.exited;
  result.exit_code = exit.exit_code;
  result.term_signal = exit.term_signal;
  return result;
}

std::optional<std::string> ProgramOutput(const std::vector<std::string>& argv,
                                         milliseconds time_limit, size_t max_bytes) {
  QueryOptions options;
  options.time_limit = time_limit;
  options.max_bytes = max_bytes;
  return RunQuery(argv, options).output;
}

QueryResult RunQuery(const std::vector<std::string>& argv, const QueryOptions& options) {
  SpawnOptions spawn;
  spawn.argv = argv;
  spawn.stdin_path = "/dev/null";
  spawn.capture_stdout = true;
  spawn.capture_stderr = true;
  spawn.own_process_group = true;
  spawn.killed_with_caller = true;
  spawn.stop_grace = milliseconds(0);  // the destructor kills an overrunning query at once
  QueryResult result;
  try {
    const auto deadline = Clock::now() + options.time_limit;
    ChildProcess child(spawn);
    std::array<UniqueFd, 2> fds{child.TakeStdout(), child.TakeStderr()};
    std::array<std::string, 2> text;
    std::array<char, 4096> buffer{};
    while (fds[0].get() >= 0 || fds[1].get() >= 0) {
      if (options.stop_requested && options.stop_requested()) {
        result.failure = "stopped";
        return result;
      }
      const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        result.failure =
            fmt::format("did not answer within {} ms (killed)", options.time_limit.count());
        return result;
      }
      std::array<pollfd, 2> p{pollfd{fds[0].get(), POLLIN, 0}, pollfd{fds[1].get(), POLLIN, 0}};
      // A negative descriptor is skipped by poll; 50 ms bounds the wait for a stop request.
      if (::poll(p.data(), p.size(), static_cast<int>(std::min<int64_t>(left.count(), 50))) <= 0) {
        continue;
      }
      for (size_t i = 0; i < 2; ++i) {
        if (fds[i].get() < 0 || p[i].revents == 0) continue;
        const ssize_t n = ::read(fds[i].get(), buffer.data(), buffer.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
          fds[i].reset();  // end of file (or an error: nothing more to read either way)
          continue;
        }
        // Past max_bytes the rest is drained and dropped, so that the program never blocks writing.
        const size_t room = options.max_bytes - std::min(options.max_bytes, text[i].size());
        text[i].append(buffer.data(), std::min(static_cast<size_t>(n), room));
      }
    }
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    const std::optional<ChildExit> exit = child.WaitFor(std::max(left, milliseconds(0)));
    if (!exit) {
      result.failure =
          fmt::format("did not answer within {} ms (killed)", options.time_limit.count());
      return result;
    }
    if (!exit->exited || exit->exit_code != 0) {
      std::string said = FirstLineOf(text[1]);
      if (said.empty()) said = FirstLineOf(text[0]);
      result.failure = exit->Describe() + (said.empty() ? "" : ": " + said);
      return result;
    }
    result.output = std::move(text[0]);
  } catch (const SpawnError& e) {
    // Not found, not executable, fork failed: the message names the program and the cause.
    const std::string message = e.what();
    const std::string prefix = "cannot run " + argv.at(0) + ": ";
    result.failure = message.starts_with(prefix) ? message.substr(prefix.size()) : message;
  } catch (const EnvironmentError& e) {
    result.failure = e.what();
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
